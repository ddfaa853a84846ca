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
    /// The environment's account is unknown (names are unique only within an account).
    #[error("account: the environment {environment}'s account is {}; the event's `account` (or the environment ARN) must name its 12-digit account: vpcwarden keys every record by account, region and name", found.as_deref().map(|f| format!("{f:?}, not a 12-digit account id")).unwrap_or_else(|| "not given".into()))]
    NoAccount {
        /// Environment name.
        environment: String,
        /// What was given instead, if anything.
        found: Option<String>,
    },
    /// The event is for another region than this function serves.
    #[error("region: the event is for region {event}, this function serves {ours}; deploy vpcwarden (or a forwarding rule) per region")]
    WrongRegion {
        /// The event's region.
        event: String,
        /// The function's.
        ours: String,
    },
    /// The SQS endpoint's tags are full: no room to record one more environment.
    #[error("SQS endpoint {endpoint_id} has {used} of the {max} tags EC2 allows, so it cannot record environment {environment} ({environments} environments and tombstones recorded, the rest are other tags); nothing was changed. Tombstones expire after VPCWARDEN_TOMBSTONE_TTL_SECS; remove unneeded tags from the endpoint, or give the VPC's environments fewer shared endpoints")]
    LedgerFull {
        /// The SQS endpoint.
        endpoint_id: String,
        /// The environment that did not fit.
        environment: String,
        /// Tags on the endpoint.
        used: usize,
        /// Ledger entries among them.
        environments: usize,
        /// EC2's limit.
        max: usize,
    },
    /// A record written by an earlier release (name only) could belong to
    /// environments of several accounts.
    #[error("a record written by an earlier release ({record}) names environment {name} without its account, and accounts {} each have an environment {name} here: it could be any one's, so nothing was changed; delete or retag it by hand (see docs/endpoints.md, \"Upgrading\")", accounts.join(" and "))]
    AmbiguousRecord {
        /// The environment name.
        name: String,
        /// The record (tag key, or endpoint id).
        record: String,
        /// Accounts that could claim it.
        accounts: Vec<String>,
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
