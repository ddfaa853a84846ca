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

/// Which accounts a snapshot reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountList {
    /// These accounts (12-digit ids).
    Listed(Vec<String>),
    /// Every active account of the organization (`organizations:ListAccounts`).
    Organization,
}

impl AccountList {
    /// `organization`, or 12-digit account ids separated by commas.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.trim() == "organization" {
            return Ok(Self::Organization);
        }
        let accounts: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        if accounts.is_empty() {
            return Err(
                "no account given: `organization` or 12-digit account ids, comma-separated".into(),
            );
        }
        if let Some(bad) = accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "{bad:?} is not a 12-digit account id (or give `organization`)"
            ));
        }
        Ok(Self::Listed(accounts))
    }
}

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

impl ScopeFailure {
    /// `account A in R`, or `account A, every region`: how reports name it.
    pub fn scope(&self) -> String {
        match &self.region {
            Some(r) => format!("account {} in {r}", self.account),
            None => format!("account {}, every region", self.account),
        }
    }
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
    /// What failed (Elastic IPs: the idle-EIP report treats these scopes as not covered).
    pub failures: Vec<ScopeFailure>,
    /// Regions whose network interfaces could not be read: the public-IPv4
    /// report names them (their Elastic IPs were read, so the idle-EIP report
    /// does not treat them as unread).
    #[serde(default)]
    pub public_ipv4_failures: Vec<ScopeFailure>,
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
    let mut out = AccountsSnapshot::started(now, accounts);
    for (account, got) in results {
        match got {
            Ok((inv, public)) => out.add(&account, inv, Some(public)),
            Err(e) => {
                tracing::warn!(account = %account, error = %e, "account not read");
                out.coverage.failures.push(ScopeFailure {
                    account,
                    region: None,
                    reason: e.to_string(),
                });
            }
        }
    }
    out.finish();
    out
}

impl AccountsSnapshot {
    /// Nothing read yet, at `now`, of `accounts`.
    pub fn started(now: DateTime<Utc>, accounts: &[String]) -> Self {
        AccountsSnapshot {
            coverage: SnapshotCoverage {
                taken_at: Some(now),
                accounts: accounts.to_vec(),
                ..SnapshotCoverage::default()
            },
            ..AccountsSnapshot::default()
        }
    }

    /// One account's read: its addresses, and which of its regions were read
    /// and which failed.
    pub fn add(&mut self, account: &str, inv: Inventory, public: Option<PublicIpv4>) {
        let failed: Vec<&String> = inv.region_failures.iter().map(|(r, _)| r).collect();
        self.coverage.read.extend(
            inv.regions_read
                .iter()
                .filter(|r| !failed.contains(r))
                .map(|r| (account.to_string(), r.clone())),
        );
        let scope = |(region, reason): &(String, String)| ScopeFailure {
            account: account.to_string(),
            region: Some(region.clone()),
            reason: reason.clone(),
        };
        self.coverage
            .failures
            .extend(inv.region_failures.iter().map(scope));
        self.addresses.extend(inv.addresses);
        if let Some(public) = public {
            self.coverage
                .public_ipv4_failures
                .extend(public.region_failures.iter().map(scope));
            self.public.addresses.extend(public.addresses);
            self.public.region_failures.extend(public.region_failures);
        }
    }

    /// Sorted, as written (again after more is added).
    pub fn finish(&mut self) {
        let cov = &mut self.coverage;
        cov.accounts.sort();
        cov.accounts.dedup();
        cov.read.sort();
        for f in [&mut cov.failures, &mut cov.public_ipv4_failures] {
            f.sort();
            f.dedup();
        }
        self.addresses.sort_by(|a, b| {
            (&a.account, &a.region, &a.allocation_id).cmp(&(
                &b.account,
                &b.region,
                &b.allocation_id,
            ))
        });
        self.public.addresses.sort_by(|a, b| {
            (&a.account, &a.region, &a.public_ip).cmp(&(&b.account, &b.region, &b.public_ip))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(account: &str, read: &[&str], failed: &[&str]) -> Inventory {
        Inventory {
            taken_at: Utc::now(),
            account: account.into(),
            addresses: Vec::new(),
            regions_read: read.iter().map(|r| r.to_string()).collect(),
            region_failures: failed
                .iter()
                .map(|r| (r.to_string(), "Throttling".into()))
                .collect(),
        }
    }

    #[test]
    fn an_interface_failure_leaves_the_elastic_ips_of_that_region_covered() {
        let mut got = AccountsSnapshot::started(Utc::now(), &["111111111111".into()]);
        let public = PublicIpv4 {
            addresses: Vec::new(),
            region_failures: vec![("us-west-1".into(), "UnauthorizedOperation".into())],
        };
        got.add(
            "111111111111",
            inv(
                "111111111111",
                &["eu-west-3", "us-west-1", "ap-south-1"],
                &["ap-south-1"],
            ),
            Some(public),
        );
        got.finish();
        let read: Vec<&str> = got.coverage.read.iter().map(|(_, r)| r.as_str()).collect();
        // DescribeAddresses read us-west-1: its Elastic IPs are covered; only
        // the region whose Elastic IPs failed is not.
        assert_eq!(read, ["eu-west-3", "us-west-1"]);
        assert_eq!(got.coverage.failures.len(), 1);
        assert_eq!(
            got.coverage.failures[0].region.as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(got.coverage.public_ipv4_failures.len(), 1);
        assert_eq!(
            got.coverage.public_ipv4_failures[0].region.as_deref(),
            Some("us-west-1")
        );
    }

    #[test]
    fn account_list_is_organization_or_twelve_digit_ids() {
        assert_eq!(
            AccountList::parse("organization"),
            Ok(AccountList::Organization)
        );
        assert_eq!(
            AccountList::parse(" 111111111111, 222222222222 "),
            Ok(AccountList::Listed(vec![
                "111111111111".into(),
                "222222222222".into()
            ]))
        );
        assert!(AccountList::parse("11111111111")
            .unwrap_err()
            .contains("\"11111111111\""));
        assert!(AccountList::parse("org").is_err());
        assert!(AccountList::parse(" , ").is_err());
    }
}
