//! Asking AWS for a released address back.
//!
//! AWS gives a released Elastic IP back (`AllocateAddress` with `Address`)
//! only while no other account has been given it, and only within the
//! account's Elastic IP quota; tags are not recovered (we re-apply the
//! evidence's). Nothing guarantees it: that is why releasing waits.

use thiserror::Error;
use vpcwarden_aws_setup::AwsError;

use crate::evidence::Evidence;
use crate::marks::{MARKED_AT, RELEASE_AFTER};
use crate::ports::Fut;

/// The calls a restore makes in the record's account and region.
pub trait RestorePort: Send + Sync {
    /// The allocation holding `ip` in this account and region, if any.
    fn find<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>>;
    /// AllocateAddress with `Address = ip` and these tags.
    fn allocate<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<String, AwsError>>;
}

/// What AWS said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// The same address is this account's again, with its tags.
    GivenBack {
        /// Its new allocation id.
        allocation_id: String,
    },
    /// It already is this account's (restored before): nothing done.
    AlreadyHeld {
        /// Its allocation id.
        allocation_id: String,
    },
    /// AWS did not give it back.
    NotGivenBack {
        /// AWS's error code.
        code: String,
        /// AWS's words.
        message: String,
    },
}

impl std::fmt::Display for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restored::GivenBack { allocation_id } => write!(
                f,
                "AWS gave the address back: it is {allocation_id}, with its tags; associate it again where it was"
            ),
            Restored::AlreadyHeld { allocation_id } => write!(
                f,
                "the address is already this account's ({allocation_id}): nothing to do"
            ),
            Restored::NotGivenBack { code, message } => write!(
                f,
                "AWS did not give the address back ({code}: {message}). It is gone if another account has it; if the account is at its Elastic IP quota, raise the quota and try again"
            ),
        }
    }
}

/// Why a restore could not be tried.
#[derive(Debug, Error)]
pub enum RestoreError {
    /// The lookup failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Not a release record.
    #[error("not a vpcwarden release record: {0}")]
    NotARecord(String),
}

/// Tries to get the record's address back, tags and all. Idempotent: an
/// address already held is reported, not allocated twice.
pub async fn restore(port: &dyn RestorePort, e: &Evidence) -> Result<Restored, RestoreError> {
    if let Some(allocation_id) = port.find(&e.region, &e.public_ip).await? {
        return Ok(Restored::AlreadyHeld { allocation_id });
    }
    // Our marks are not re-applied (it would be released again), nor AWS's reserved tags.
    let tags: Vec<(String, String)> = e
        .tags
        .iter()
        .filter(|(k, _)| k != RELEASE_AFTER && k != MARKED_AT && !k.starts_with("aws:"))
        .cloned()
        .collect();
    match port.allocate(&e.region, &e.public_ip, tags).await {
        Ok(allocation_id) => Ok(Restored::GivenBack { allocation_id }),
        Err(err) if !err.retryable => Ok(Restored::NotGivenBack {
            code: err.code,
            message: err.message,
        }),
        Err(err) => Err(err.into()),
    }
}
