//! The snapshot job: every address now → one dated JSON Lines object.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vpcwarden_inventory::{take, AddressSource};
use vpcwarden_store::{snapshot_key, Bucket};

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
    /// The metrics line (embedded metric format).
    pub metrics: Value,
}

/// Takes the inventory and writes it under `snapshots/dt=…/HHMMSS.jsonl`.
pub async fn snapshot(
    source: &dyn AddressSource,
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
    let metrics = emf_document(
        "eip-snapshot",
        now,
        &[
            ("AddressesRecorded", "Count", inv.addresses.len().into()),
            ("RegionFailures", "Count", inv.region_failures.len().into()),
        ],
    );
    Ok(SnapshotOutcome {
        key,
        addresses: inv.addresses.len(),
        regions_read: inv.regions_read.len(),
        region_failures: inv.region_failures,
        metrics,
    })
}
