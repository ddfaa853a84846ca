//! Several accounts: each read through a role assumed there (the hub's own
//! account with its own credentials), accounts in parallel up to a limit.
//! An account whose role cannot be assumed, or a region that fails, is
//! recorded in the coverage and the others are still read.

use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::public_ipv4::{take_public_ipv4, PublicIpv4};
use crate::sdk::SdkAddresses;
use crate::{take, Inventory, InventoryError};

/// Accounts read at once by default: each reads up to eight regions at once,
/// so 4 × 8 calls in flight — well inside Lambda's limits and EC2's rates.
pub const ACCOUNT_CONCURRENCY: usize = 4;

/// An account, or one region of it, that the snapshot could not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeFailure {
    /// Account.
    pub account: String,
    /// The region; `None`: the whole account (its role could not be assumed).
    pub region: Option<String>,
    /// The error, with its code.
    pub reason: String,
}

/// What a snapshot read and what it could not (`…/HHMMSS.coverage.json`
/// beside the snapshot): a report treats the addresses it could not see as
/// not covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCoverage {
    /// When it was taken.
    pub taken_at: Option<DateTime<Utc>>,
    /// Accounts asked for.
    pub accounts: Vec<String>,
    /// Accounts and regions read.
    pub read: Vec<(String, String)>,
    /// What failed.
    pub failures: Vec<ScopeFailure>,
}

/// Every account's addresses, public IPv4 addresses and the coverage.
#[derive(Debug, Clone, Default)]
pub struct AccountsSnapshot {
    /// Elastic IPs of every account read.
    pub addresses: Vec<vpcwarden_eip::SnapshotAddress>,
    /// Public IPv4 addresses of every account read.
    pub public: PublicIpv4,
    /// What was read and what failed.
    pub coverage: SnapshotCoverage,
}

/// One account's Elastic IPs and public IPv4 addresses.
type AccountRead = (Inventory, PublicIpv4);

/// The partition of a region (`aws-cn`, `aws-us-gov`, else `aws`).
fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

/// Reads `accounts` (the hub's own with `hub`'s credentials, the others
/// through role `role_name` there), every enabled region or `only`.
pub async fn take_accounts(
    hub: &SdkConfig,
    hub_account: &str,
    accounts: &[String],
    role_name: &str,
    only: Option<&[String]>,
    concurrency: usize,
    now: DateTime<Utc>,
) -> AccountsSnapshot {
    let part = partition(hub.region().map(|r| r.as_ref()));
    let results: Vec<(String, Result<AccountRead, InventoryError>)> =
        stream::iter(accounts.iter().cloned())
            .map(|account| async move {
                let source = if account == hub_account {
                    SdkAddresses::new(hub.clone())
                } else {
                    let arn = format!("arn:{part}:iam::{account}:role/{role_name}");
                    SdkAddresses::assuming(hub.clone(), &arn).await
                };
                let got = match take(&source, &account, only, now).await {
                    Ok(inv) => {
                        let public = take_public_ipv4(&source, &inv, now).await;
                        Ok((inv, public))
                    }
                    Err(e) => Err(e),
                };
                (account, got)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    let mut out = AccountsSnapshot {
        coverage: SnapshotCoverage {
            taken_at: Some(now),
            accounts: accounts.to_vec(),
            ..SnapshotCoverage::default()
        },
        ..AccountsSnapshot::default()
    };
    for (account, got) in results {
        match got {
            Ok((inv, public)) => {
                let failed: Vec<&String> = inv
                    .region_failures
                    .iter()
                    .chain(&public.region_failures)
                    .map(|(r, _)| r)
                    .collect();
                out.coverage.read.extend(
                    inv.regions_read
                        .iter()
                        .filter(|r| !failed.contains(r))
                        .map(|r| (account.clone(), r.clone())),
                );
                for (region, reason) in inv.region_failures.iter().chain(&public.region_failures) {
                    out.coverage.failures.push(ScopeFailure {
                        account: account.clone(),
                        region: Some(region.clone()),
                        reason: reason.clone(),
                    });
                }
                out.addresses.extend(inv.addresses);
                out.public.addresses.extend(public.addresses);
                out.public.region_failures.extend(public.region_failures);
            }
            Err(InventoryError::Regions(e)) => {
                tracing::warn!(account = %account, error = %e, "account not read");
                out.coverage.failures.push(ScopeFailure {
                    account,
                    region: None,
                    reason: e.to_string(),
                });
            }
        }
    }
    out.coverage.read.sort();
    out.coverage.failures.sort();
    out.coverage.failures.dedup();
    out.addresses.sort_by(|a, b| {
        (&a.account, &a.region, &a.allocation_id).cmp(&(&b.account, &b.region, &b.allocation_id))
    });
    out.public.addresses.sort_by(|a, b| {
        (&a.account, &a.region, &a.public_ip).cmp(&(&b.account, &b.region, &b.public_ip))
    });
    out
}
