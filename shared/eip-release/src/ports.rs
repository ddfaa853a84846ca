//! What the release step needs from AWS and from the data bucket.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use thiserror::Error;
use vpcwarden_aws_setup::AwsError;

use crate::evidence::Evidence;
use crate::marks::MarkRecord;

/// A boxed future (ports are object-safe).
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One address as its account sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// The address.
    pub public_ip: String,
    /// Attached to something.
    pub associated: bool,
    /// Its tags, as (key, value).
    pub tags: Vec<(String, String)>,
}

impl Live {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A Route 53 record of the account: its values (for an alias, the target's DNS name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// Hosted zone name.
    pub zone: String,
    /// A private zone.
    pub private: bool,
    /// Record name.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, … (`A alias` for an alias record).
    pub kind: String,
    /// Values (an alias: its target's DNS name).
    pub values: Vec<String>,
}

/// One security group rule with an IPv4 range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SgRule {
    /// Group.
    pub group_id: String,
    /// Rule.
    pub rule_id: String,
    /// `a.b.c.d/n`.
    pub cidr: String,
    /// Outbound rule.
    pub egress: bool,
}

/// Why EC2 did not release.
#[derive(Debug, Error)]
pub enum ReleaseRefusal {
    /// `InvalidAddress.PtrSet`: a reverse DNS record is set on the address.
    #[error("EC2 refuses: reverse DNS (PTR) is set on the address: {0}")]
    PtrSet(String),
    /// Any other failure.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// The calls made in one account (its own credentials, or its release role).
pub trait AccountOps: Send + Sync {
    /// The address now (`None`: this account answers not found).
    fn live<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
    ) -> Fut<'a, Result<Option<Live>, AwsError>>;
    /// The reverse DNS name set on the address (DescribeAddressesAttribute `domain-name`).
    fn reverse_dns<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>>;
    /// Every A, AAAA, CNAME and alias record of every hosted zone (public and private).
    fn dns_records(&self) -> Fut<'_, Result<Vec<DnsRecord>, AwsError>>;
    /// Every security group rule of the region with an IPv4 range.
    fn security_group_rules<'a>(
        &'a self,
        region: &'a str,
    ) -> Fut<'a, Result<Vec<SgRule>, AwsError>>;
    /// Adds (or overwrites) tags on the address.
    fn set_tags<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<(), AwsError>>;
    /// Removes tag keys from the address.
    fn remove_tags<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        keys: Vec<String>,
    ) -> Fut<'a, Result<(), AwsError>>;
    /// ReleaseAddress (with `DryRun` when asked; a dry run that would succeed is `Ok`).
    fn release<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        dry_run: bool,
    ) -> Fut<'a, Result<(), ReleaseRefusal>>;
}

/// Why an account cannot be acted in.
#[derive(Debug, Clone, Error)]
pub enum OpenError {
    /// The release role is missing there (or an SCP denies assuming it).
    #[error("no release role in account {account} ({detail})")]
    NoRole {
        /// Account.
        account: String,
        /// AWS's words.
        detail: String,
    },
    /// Anything else.
    #[error("account {account}: {message}")]
    Failed {
        /// Account.
        account: String,
        /// What failed.
        message: String,
    },
}

/// Opens accounts.
pub trait Accounts: Send + Sync {
    /// The calls in `account`.
    fn open<'a>(&'a self, account: &'a str) -> Fut<'a, Result<Arc<dyn AccountOps>, OpenError>>;
}

/// The data bucket failed.
#[derive(Debug, Clone, Error)]
#[error("{0}")]
pub struct RecordError(pub String);

/// Where marks and evidence are kept (the data bucket).
pub trait Records: Send + Sync {
    /// Every mark record.
    fn marks(&self) -> Fut<'_, Result<Vec<MarkRecord>, RecordError>>;
    /// Writes (overwrites) one mark record.
    fn put_mark<'a>(&'a self, mark: &'a MarkRecord) -> Fut<'a, Result<(), RecordError>>;
    /// Writes (overwrites) one evidence record.
    fn put_evidence<'a>(
        &'a self,
        key: &'a str,
        record: &'a Evidence,
    ) -> Fut<'a, Result<(), RecordError>>;
}
