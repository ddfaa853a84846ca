//! The snapshot: every Elastic IP in every enabled region, now (and, with
//! [`take_public_ipv4`], every public IPv4 address of those regions).
//!
//! Regions are read concurrently; a region that fails (an SCP denying it, a
//! throttled call that ran out of retries) is reported and the others are
//! still recorded, so one bad region never loses the whole snapshot.
#![deny(missing_docs)]

mod accounts;
mod organization;
mod public_ipv4;
mod sdk;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use vpcwarden_eip::SnapshotAddress;

pub use accounts::{
    take_accounts, AccountList, AccountsSnapshot, ScopeFailure, SnapshotCoverage,
    ACCOUNT_CONCURRENCY,
};
pub use organization::{list_organization_accounts, split_active, OrgAccount, OrgAccounts};
pub use public_ipv4::{take_public_ipv4, InterfaceSource, PublicIpv4};
pub use sdk::{caller_account, holder_from_description, snapshot_address, SdkAddresses};

/// Regions read at once.
pub const REGION_CONCURRENCY: usize = 8;

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'a>>;

pub use vpcwarden_aws_setup::AwsError;

/// The snapshot could not be taken at all.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The region list itself could not be read (without it no region is known).
    #[error(transparent)]
    Regions(AwsError),
    /// The organization's account list could not be read (without it no
    /// account is known, and a partial list would hide accounts).
    #[error("listing the organization's accounts (snapshot accounts `organization`): {0}; the account must be the organization's management account or a delegated administrator, with organizations:ListAccounts")]
    Organization(AwsError),
    /// The organization listed no active account (it always holds at least
    /// its management account): reading nothing would look like "no addresses".
    #[error("listing the organization's accounts (snapshot accounts `organization`): organizations:ListAccounts listed no active account; nothing read")]
    EmptyOrganization,
}

/// The accounts `list` names: as given, or every account of the organization
/// (active ones to read, the others recorded as not read).
pub async fn resolve_accounts(
    hub: &aws_config::SdkConfig,
    list: &AccountList,
) -> Result<OrgAccounts, InventoryError> {
    match list {
        AccountList::Listed(accounts) => Ok(OrgAccounts {
            active: accounts.clone(),
            inactive: Vec::new(),
        }),
        AccountList::Organization => {
            let client = aws_sdk_organizations::Client::new(hub);
            let all = list_organization_accounts(&client)
                .await
                .map_err(InventoryError::Organization)?;
            let split = split_active(all);
            if split.active.is_empty() {
                return Err(InventoryError::EmptyOrganization);
            }
            Ok(split)
        }
    }
}

/// The two EC2 reads, behind a trait (moto, a mock, or AWS).
pub trait AddressSource: Send + Sync {
    /// Enabled regions.
    fn regions(&self) -> Fut<'_, Vec<String>>;
    /// Every address in `region`, without account and snapshot time (filled in by [`take`]).
    fn addresses<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<SnapshotAddress>>;
}

/// One run's result.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Account.
    pub account: String,
    /// Addresses, by region then allocation id.
    pub addresses: Vec<SnapshotAddress>,
    /// Regions read.
    pub regions_read: Vec<String>,
    /// Regions that failed, with the reason.
    pub region_failures: Vec<(String, String)>,
}

impl Inventory {
    /// JSON Lines, one address per line (what `vpcwarden eip report --snapshot` and the report function read).
    pub fn to_jsonl(&self) -> String {
        to_jsonl(&self.addresses)
    }
}

/// Snapshot lines: one address per line.
pub fn to_jsonl(addresses: &[SnapshotAddress]) -> String {
    let mut out = String::new();
    for a in addresses {
        out.push_str(&serde_json::to_string(a).expect("addresses serialize"));
        out.push('\n');
    }
    out
}

/// Reads every enabled region (or only `only`, when given). Fails only when
/// the region list itself cannot be read.
pub async fn take(
    source: &dyn AddressSource,
    account: &str,
    only: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<Inventory, InventoryError> {
    let mut regions = source.regions().await.map_err(InventoryError::Regions)?;
    if let Some(only) = only {
        regions.retain(|r| only.contains(r));
    }
    regions.sort();
    let results: Vec<(String, Result<Vec<SnapshotAddress>, AwsError>)> = stream::iter(regions)
        .map(|r| async move {
            let got = source.addresses(&r).await;
            (r, got)
        })
        .buffer_unordered(REGION_CONCURRENCY)
        .collect()
        .await;
    let mut inv = Inventory {
        taken_at: now,
        account: account.into(),
        addresses: Vec::new(),
        regions_read: Vec::new(),
        region_failures: Vec::new(),
    };
    for (region, got) in results {
        match got {
            Ok(list) => {
                inv.addresses.extend(list.into_iter().map(|mut a| {
                    a.account = account.into();
                    a.region = region.clone();
                    a.snapshot_time = Some(now);
                    a
                }));
                inv.regions_read.push(region);
            }
            Err(e) => {
                tracing::warn!(region = %region, error = %e, "region failed");
                inv.region_failures.push((region, e.to_string()));
            }
        }
    }
    inv.regions_read.sort();
    inv.region_failures.sort();
    inv.addresses
        .sort_by(|a, b| (&a.region, &a.allocation_id).cmp(&(&b.region, &b.allocation_id)));
    Ok(inv)
}
