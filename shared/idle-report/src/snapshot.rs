//! The snapshot job: every address now → one dated JSON Lines object.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vpcwarden_inventory::{
    take, take_accounts, take_public_ipv4, AccountsSnapshot, AddressSource, InterfaceSource,
    ScopeFailure, SnapshotCoverage,
};
use vpcwarden_store::{public_ipv4_key, snapshot_key, ObjectStore};

use crate::error::JobError;
use crate::metrics::emf_document;

/// What a snapshot run did.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotOutcome {
    /// Key written.
    pub key: String,
    /// Addresses recorded.
    pub addresses: usize,
    /// Regions read.
    pub regions_read: usize,
    /// Regions that failed (`account/region`, reason): reported, the others still written.
    pub region_failures: Vec<(String, String)>,
    /// The public-IPv4 snapshot's key (every public IPv4 address), when taken.
    pub public_ipv4_key: Option<String>,
    /// Public IPv4 addresses recorded.
    pub public_ipv4_addresses: usize,
    /// Regions whose interfaces could not be read (`account/region`, reason).
    pub public_ipv4_region_failures: Vec<(String, String)>,
    /// The coverage object's key (what was read, what failed).
    pub coverage_key: Option<String>,
    /// Accounts (whole, `region` null) and regions whose Elastic IPs were not read.
    pub scope_failures: Vec<ScopeFailure>,
    /// The metrics line (embedded metric format).
    pub metrics: Value,
}

/// Takes the inventory and writes it under `snapshots/dt=…/HHMMSS.jsonl`;
/// with `interfaces`, every public IPv4 address of the same regions under
/// `public-ipv4/dt=…/HHMMSS.jsonl` too; and the coverage beside the snapshot
/// (a region that failed is not read, not empty).
pub async fn snapshot(
    source: &dyn AddressSource,
    interfaces: Option<&dyn InterfaceSource>,
    bucket: &dyn ObjectStore,
    account: &str,
    only_regions: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<SnapshotOutcome, JobError> {
    let inv = take(source, account, only_regions, now).await?;
    let public = match interfaces {
        Some(src) => Some(take_public_ipv4(src, &inv, now).await),
        None => None,
    };
    let with_public = public.is_some();
    let mut got = AccountsSnapshot::started(now, &[account.to_string()]);
    got.add(account, inv, public);
    got.finish();
    write(bucket, got, with_public, now).await
}

/// Writes the snapshot, the public-IPv4 snapshot (when taken) and the
/// coverage, and counts them.
async fn write(
    bucket: &dyn ObjectStore,
    got: AccountsSnapshot,
    with_public: bool,
    now: DateTime<Utc>,
) -> Result<SnapshotOutcome, JobError> {
    let key = snapshot_key(now);
    bucket
        .put(
            &key,
            vpcwarden_inventory::to_jsonl(&got.addresses).into_bytes(),
            "application/x-ndjson",
        )
        .await?;
    let public_key = if with_public {
        let k = public_ipv4_key(now);
        bucket
            .put(
                &k,
                vpcwarden_ipv4::to_jsonl(&got.public.addresses).into_bytes(),
                "application/x-ndjson",
            )
            .await?;
        Some(k)
    } else {
        None
    };
    let cov_key = coverage_key(&key);
    bucket
        .put(
            &cov_key,
            serde_json::to_vec_pretty(&got.coverage).expect("coverage serializes"),
            "application/json",
        )
        .await?;
    let cov = got.coverage;
    let label = |f: &ScopeFailure| {
        Some((
            format!("{}/{}", f.account, f.region.clone()?),
            f.reason.clone(),
        ))
    };
    let region_failures: Vec<(String, String)> = cov.failures.iter().filter_map(label).collect();
    let public_ipv4_region_failures: Vec<(String, String)> =
        cov.public_ipv4_failures.iter().filter_map(label).collect();
    let account_failures = cov.failures.iter().filter(|f| f.region.is_none()).count();
    let metrics = emf_document(
        "eip-snapshot",
        now,
        &[
            ("AddressesRecorded", "Count", got.addresses.len().into()),
            (
                "RegionFailures",
                "Count",
                (region_failures.len() + public_ipv4_region_failures.len()).into(),
            ),
            ("AccountFailures", "Count", account_failures.into()),
            (
                "PublicIpv4Recorded",
                "Count",
                got.public.addresses.len().into(),
            ),
        ],
    );
    Ok(SnapshotOutcome {
        key,
        addresses: got.addresses.len(),
        regions_read: cov.read.len(),
        region_failures,
        public_ipv4_key: public_key,
        public_ipv4_addresses: got.public.addresses.len(),
        public_ipv4_region_failures,
        coverage_key: Some(cov_key),
        scope_failures: cov.failures,
        metrics,
    })
}

/// `snapshots/dt=…/HHMMSS.jsonl` → `snapshots/dt=…/HHMMSS.coverage.json`.
pub fn coverage_key(snapshot_key: &str) -> String {
    format!(
        "{}.coverage.json",
        snapshot_key.strip_suffix(".jsonl").unwrap_or(snapshot_key)
    )
}

/// The coverage object at `key`.
pub async fn read_coverage(
    bucket: &dyn ObjectStore,
    key: &str,
) -> Result<SnapshotCoverage, JobError> {
    let bytes = bucket.get(key).await?;
    serde_json::from_slice(&bytes).map_err(|e| JobError::BadCoverage {
        key: key.into(),
        message: e.to_string(),
    })
}

/// Where the organization snapshot reads.
#[derive(Debug, Clone)]
pub struct AccountsSpec {
    /// Accounts to read (the hub's own included when listed), or the organization's.
    pub accounts: vpcwarden_inventory::AccountList,
    /// The role the member template creates in each (`vpcwarden-snapshot-read`).
    pub role_name: String,
    /// Accounts read at once.
    pub concurrency: usize,
}

/// Every account of `spec`: their Elastic IPs (one JSON Lines object, each
/// line naming its account, today's layout), their public IPv4 addresses,
/// and the coverage beside them. An account whose role cannot be assumed or
/// a region that fails is recorded, never fatal.
pub async fn snapshot_accounts(
    hub: &aws_config::SdkConfig,
    hub_account: &str,
    spec: &AccountsSpec,
    bucket: &dyn ObjectStore,
    only_regions: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<SnapshotOutcome, JobError> {
    let got = read_accounts(hub, hub_account, spec, only_regions, now).await?;
    write(bucket, got, true, now).await
}

/// Every account `spec` names read (the hub's own with `hub`'s credentials,
/// the others through their role); what the bucket and the CLI's file get.
pub async fn read_accounts(
    hub: &aws_config::SdkConfig,
    hub_account: &str,
    spec: &AccountsSpec,
    only_regions: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<vpcwarden_inventory::AccountsSnapshot, JobError> {
    let accounts = vpcwarden_inventory::resolve_accounts(hub, &spec.accounts).await?;
    let mut got = take_accounts(
        hub,
        hub_account,
        &accounts.active,
        &spec.role_name,
        only_regions,
        spec.concurrency,
        now,
    )
    .await;
    // Accounts the organization lists but that cannot be read (suspended,
    // closing): not read, so their addresses are unknown, never "gone".
    got.coverage
        .accounts
        .extend(accounts.inactive.iter().map(|f| f.account.clone()));
    got.coverage.failures.extend(accounts.inactive);
    got.finish();
    Ok(got)
}
