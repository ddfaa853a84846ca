//! The snapshot job: every address now → one dated JSON Lines object.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vpcwarden_inventory::{
    take, take_accounts, take_public_ipv4, AddressSource, InterfaceSource, ScopeFailure,
};
use vpcwarden_store::{public_ipv4_key, snapshot_key, Bucket};

use crate::job::JobError;
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
    /// Regions that failed (region, reason): reported, the others still written.
    pub region_failures: Vec<(String, String)>,
    /// The public-IPv4 snapshot's key (every public IPv4 address), when taken.
    pub public_ipv4_key: Option<String>,
    /// Public IPv4 addresses recorded.
    pub public_ipv4_addresses: usize,
    /// Regions whose interfaces could not be read (region, reason).
    pub public_ipv4_region_failures: Vec<(String, String)>,
    /// Several accounts: the coverage object's key (what was read, what failed).
    pub coverage_key: Option<String>,
    /// Several accounts: accounts (whole, `region` null) and regions not read.
    pub scope_failures: Vec<ScopeFailure>,
    /// The metrics line (embedded metric format).
    pub metrics: Value,
}

/// Takes the inventory and writes it under `snapshots/dt=…/HHMMSS.jsonl`;
/// with `interfaces`, every public IPv4 address of the same regions under
/// `public-ipv4/dt=…/HHMMSS.jsonl` too.
pub async fn snapshot(
    source: &dyn AddressSource,
    interfaces: Option<&dyn InterfaceSource>,
    bucket: &Bucket,
    account: &str,
    only_regions: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<SnapshotOutcome, JobError> {
    let inv = take(source, account, only_regions, now).await?;
    let key = snapshot_key(now);
    bucket
        .put(&key, inv.to_jsonl().into_bytes(), "application/x-ndjson")
        .await?;
    let public = match interfaces {
        Some(src) => {
            let p = take_public_ipv4(src, &inv, now).await;
            let k = public_ipv4_key(now);
            bucket
                .put(
                    &k,
                    vpcwarden_ipv4::to_jsonl(&p.addresses).into_bytes(),
                    "application/x-ndjson",
                )
                .await?;
            Some((k, p))
        }
        None => None,
    };
    let (public_ipv4_key, public_ipv4_addresses, public_ipv4_region_failures) = match public {
        Some((k, p)) => (Some(k), p.addresses.len(), p.region_failures),
        None => (None, 0, Vec::new()),
    };
    let metrics = emf_document(
        "eip-snapshot",
        now,
        &[
            ("AddressesRecorded", "Count", inv.addresses.len().into()),
            (
                "RegionFailures",
                "Count",
                (inv.region_failures.len() + public_ipv4_region_failures.len()).into(),
            ),
            ("PublicIpv4Recorded", "Count", public_ipv4_addresses.into()),
        ],
    );
    Ok(SnapshotOutcome {
        key,
        addresses: inv.addresses.len(),
        regions_read: inv.regions_read.len(),
        region_failures: inv.region_failures,
        public_ipv4_key,
        public_ipv4_addresses,
        public_ipv4_region_failures,
        coverage_key: None,
        scope_failures: Vec::new(),
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

/// Where the organization snapshot reads.
#[derive(Debug, Clone)]
pub struct AccountsSpec {
    /// Accounts to read (the hub's own included when listed).
    pub accounts: Vec<String>,
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
    bucket: &Bucket,
    only_regions: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<SnapshotOutcome, JobError> {
    let got = take_accounts(
        hub,
        hub_account,
        &spec.accounts,
        &spec.role_name,
        only_regions,
        spec.concurrency,
        now,
    )
    .await;
    let key = snapshot_key(now);
    bucket
        .put(
            &key,
            vpcwarden_inventory::to_jsonl(&got.addresses).into_bytes(),
            "application/x-ndjson",
        )
        .await?;
    let public_key = public_ipv4_key(now);
    bucket
        .put(
            &public_key,
            vpcwarden_ipv4::to_jsonl(&got.public.addresses).into_bytes(),
            "application/x-ndjson",
        )
        .await?;
    let cov_key = coverage_key(&key);
    bucket
        .put(
            &cov_key,
            serde_json::to_vec_pretty(&got.coverage).expect("coverage serializes"),
            "application/json",
        )
        .await?;
    let failures = got.coverage.failures.clone();
    let metrics = emf_document(
        "eip-snapshot",
        now,
        &[
            ("AddressesRecorded", "Count", got.addresses.len().into()),
            (
                "RegionFailures",
                "Count",
                failures
                    .iter()
                    .filter(|f| f.region.is_some())
                    .count()
                    .into(),
            ),
            (
                "AccountFailures",
                "Count",
                failures
                    .iter()
                    .filter(|f| f.region.is_none())
                    .count()
                    .into(),
            ),
            (
                "PublicIpv4Recorded",
                "Count",
                got.public.addresses.len().into(),
            ),
        ],
    );
    let regions_read = got.coverage.read.len();
    Ok(SnapshotOutcome {
        key,
        addresses: got.addresses.len(),
        regions_read,
        region_failures: failures
            .iter()
            .filter_map(|f| {
                Some((
                    format!("{}/{}", f.account, f.region.clone()?),
                    f.reason.clone(),
                ))
            })
            .collect(),
        public_ipv4_key: Some(public_key),
        public_ipv4_addresses: got.public.addresses.len(),
        public_ipv4_region_failures: got.public.region_failures,
        coverage_key: Some(cov_key),
        scope_failures: failures,
        metrics,
    })
}
