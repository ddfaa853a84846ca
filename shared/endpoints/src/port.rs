//! The EC2 operations provisioning needs, as a small trait so the logic runs
//! unchanged against AWS, moto, or a test double.

use std::future::Future;

use vpcwarden_mwaa_event::Environment;

use crate::error::AwsError;

/// A VPC endpoint as far as provisioning cares.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointInfo {
    /// `vpce-…`
    pub id: String,
    /// VPC it lives in.
    pub vpc_id: String,
    /// Service it connects to.
    pub service_name: String,
    /// State, lower-case as EC2 reports it (`available`, `pending`, `deleted`…).
    pub state: String,
    /// Policy document text, verbatim.
    pub policy: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Creation time in epoch milliseconds (0 if unknown).
    pub created_ms: i64,
}

impl EndpointInfo {
    /// Value of a tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Not on its way out: deleted, deleting, failed, rejected or expired endpoints do not count.
    pub fn is_live(&self) -> bool {
        !matches!(
            self.state.as_str(),
            "deleted" | "deleting" | "failed" | "rejected" | "expired"
        )
    }
}

/// A filter for [`Ec2Port::find_endpoints`]: every `Some` is ANDed.
#[derive(Debug, Clone, Default)]
pub struct EndpointQuery {
    /// VPC.
    pub vpc_id: Option<String>,
    /// Exact service name.
    pub service_name: Option<String>,
    /// Tags that must match exactly.
    pub tags: Vec<(String, String)>,
}

/// An interface endpoint to create.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// VPC.
    pub vpc_id: String,
    /// Service.
    pub service_name: String,
    /// Subnets.
    pub subnet_ids: Vec<String>,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// Tags applied at creation (so the endpoint is never untagged).
    pub tags: Vec<(String, String)>,
    /// Deterministic idempotency token (≤ 64 ASCII characters).
    pub client_token: String,
}

/// EC2 calls used by the provisioner.
pub trait Ec2Port: Sync {
    /// VPC of each subnet, in the order asked; a subnet that does not exist is an error.
    fn subnet_vpcs(
        &self,
        subnet_ids: &[String],
    ) -> impl Future<Output = Result<Vec<(String, String)>, AwsError>> + Send;
    /// Live endpoints matching the query (all pages).
    fn find_endpoints(
        &self,
        query: &EndpointQuery,
    ) -> impl Future<Output = Result<Vec<EndpointInfo>, AwsError>> + Send;
    /// One endpoint by id (`None` if gone).
    fn get_endpoint(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<EndpointInfo>, AwsError>> + Send;
    /// Creates an interface endpoint.
    fn create_endpoint(
        &self,
        new: &NewEndpoint,
    ) -> impl Future<Output = Result<EndpointInfo, AwsError>> + Send;
    /// Deletes endpoints (already deleted ones are fine).
    fn delete_endpoints(&self, ids: &[String])
        -> impl Future<Output = Result<(), AwsError>> + Send;
    /// Replaces an endpoint's policy.
    fn put_policy(
        &self,
        id: &str,
        policy: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// Adds or overwrites tags on a resource.
    fn put_tags(
        &self,
        id: &str,
        tags: &[(String, String)],
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
    /// Deletes a tag only if it still has the given value (EC2 DeleteTags semantics).
    fn delete_tag_if(
        &self,
        id: &str,
        key: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// The MWAA calls the tool makes. `account` is the account that owns the
/// environment; `None` is the caller's own.
pub trait MwaaPort: Sync {
    /// The caller's own account id (what `None` stands for).
    fn own_account(&self) -> impl Future<Output = Result<String, AwsError>> + Send;
    /// Names of every environment in the account (all pages).
    fn list_environments(
        &self,
        account: Option<&str>,
    ) -> impl Future<Output = Result<Vec<String>, AwsError>> + Send;
    /// One environment; `None` when MWAA does not find it (deleted).
    fn get_environment(
        &self,
        account: Option<&str>,
        name: &str,
    ) -> impl Future<Output = Result<Option<Environment>, AwsError>> + Send;
}

/// The time, as a port: the ledger's claims and tombstones, their expiry and
/// the pending alert read it, so a test can move it (and replay events
/// across days) without waiting.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Seconds since the Unix epoch.
    fn now_secs(&self) -> u64;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_secs(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}
