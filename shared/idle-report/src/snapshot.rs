//! The snapshot job: every address now → one dated JSON Lines object.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vpcwarden_inventory::{take, take_public_ipv4, AddressSource, InterfaceSource};
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
        metrics,
    })
}
