//! Errors of provisioning. Each says whether a retry can help.

use thiserror::Error;
pub use vpcwarden_aws_setup::{aws_err, AwsError};
use vpcwarden_mwaa_event::EventError;
use vpcwarden_policy::{EditError, ParseError};

/// Why an event could not be carried out.
#[derive(Debug, Error)]
pub enum ProvisionError {
    /// The event itself is wrong; nothing was changed.
    #[error("invalid event: {0}")]
    Event(#[from] EventError),
    /// `GetEnvironment` describes the environment in a way this tool cannot act on.
    #[error("GetEnvironment: {0}")]
    Environment(EventError),
    /// Some subnets do not exist.
    #[error("detail.networkConfiguration.subnetIds: subnet(s) not found: {0}")]
    SubnetsNotFound(String),
    /// The subnets span more than one VPC.
    #[error("detail.networkConfiguration.subnetIds: subnets are in more than one VPC ({0}); an MWAA environment lives in one VPC")]
    SubnetsInSeveralVpcs(String),
    /// The VPC has no SQS interface endpoint to open.
    #[error("VPC {vpc_id} has no live SQS interface endpoint ({service}); create it first, with a policy listing the allowed queues")]
    NoSqsEndpoint {
        /// VPC.
        vpc_id: String,
        /// Service name looked for.
        service: String,
    },
    /// The SQS endpoint was deleted while its policy was being edited.
    #[error("SQS endpoint {0} disappeared while its policy was being edited")]
    SqsEndpointGone(String),
    /// The VPC has several SQS endpoints and the right one is ambiguous.
    #[error("VPC {vpc_id} has several SQS interface endpoints ({ids}); expected one")]
    SeveralSqsEndpoints {
        /// VPC.
        vpc_id: String,
        /// Their ids.
        ids: String,
    },
    /// The SQS endpoint policy is not a policy document.
    #[error("the policy of SQS endpoint {endpoint_id} cannot be edited: {source}")]
    PolicyUnreadable {
        /// Endpoint.
        endpoint_id: String,
        /// Why.
        source: ParseError,
    },
    /// The edit cannot take effect (a Deny covers the queue) or the ARN is unusable.
    #[error("the policy of SQS endpoint {endpoint_id} cannot allow the queue: {source}")]
    PolicyEdit {
        /// Endpoint.
        endpoint_id: String,
        /// Why.
        source: EditError,
    },
    /// The edited policy would exceed the endpoint policy size limit.
    #[error("the policy of SQS endpoint {endpoint_id} would have {chars} characters after the edit; VPC endpoint policies are limited to {limit}")]
    PolicyTooLarge {
        /// Endpoint.
        endpoint_id: String,
        /// Size after the edit.
        chars: usize,
        /// Limit.
        limit: usize,
    },
    /// Concurrent writers kept changing the policy.
    #[error("the policy of SQS endpoint {endpoint_id} did not settle after {attempts} attempts (other writers kept changing it); retry")]
    NotConverged {
        /// Endpoint.
        endpoint_id: String,
        /// Attempts made.
        attempts: u32,
    },
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl ProvisionError {
    /// True when the event, the VPC's setup or its policy is what is wrong (a
    /// person must act), false for AWS failures and concurrency that a retry
    /// may cure. Either way nothing was half-applied.
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            ProvisionError::Aws(_)
                | ProvisionError::NotConverged { .. }
                | ProvisionError::SqsEndpointGone(_)
        )
    }

    /// Whether retrying the same event can succeed (Lambda's async retry, a DLQ redrive).
    pub fn retryable(&self) -> bool {
        match self {
            ProvisionError::Aws(e) => e.retryable,
            ProvisionError::NotConverged { .. } => true,
            // The VPC may get its SQS endpoint or subnets later; MWAA waits 72 h.
            ProvisionError::NoSqsEndpoint { .. } | ProvisionError::SubnetsNotFound(_) => true,
            _ => false,
        }
    }
}
