//! The public-IPv4 report of a run: the newest public-IPv4 snapshot (and one
//! a month older for the change), rendered beside the idle-EIP report.

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_ipv4::{parse_snapshot, report, PublicAddress};
use vpcwarden_report::Report;
use vpcwarden_store::{pick_public_ipv4, ObjectStore, PUBLIC_IPV4, SNAPSHOTS};

use crate::error::JobError;
use crate::written::{write_reports, Written};

/// Days between the two snapshots compared.
const CHANGE_DAYS: i64 = 30;

/// What the public-IPv4 part of a run wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Ipv4Outcome {
    /// The snapshot read.
    pub snapshot_key: String,
    /// The earlier snapshot compared with, if any.
    pub earlier_key: Option<String>,
    /// The report's objects, one per format.
    pub reports: Written,
    /// Totals over every address.
    pub totals: vpcwarden_ipv4::report::Total,
}

async fn read(bucket: &dyn ObjectStore, key: &str) -> Result<Vec<PublicAddress>, JobError> {
    let bytes = bucket.get(key).await?;
    parse_snapshot(&String::from_utf8_lossy(&bytes)).map_err(|source| JobError::BadPublicIpv4 {
        key: key.into(),
        source,
    })
}

/// What the snapshot taken with `public_key` could not read, from the
/// coverage written beside it (none for snapshots older than coverage files).
async fn not_read(bucket: &dyn ObjectStore, public_key: &str) -> Result<Vec<String>, JobError> {
    let Some(rest) = public_key.strip_prefix(PUBLIC_IPV4) else {
        return Ok(Vec::new());
    };
    let key = crate::snapshot::coverage_key(&format!("{SNAPSHOTS}{rest}"));
    if bucket.list(&key).await?.iter().all(|(k, _)| *k != key) {
        return Ok(Vec::new());
    }
    let cov = crate::snapshot::read_coverage(bucket, &key).await?;
    let mut out: Vec<String> = cov
        .failures
        .iter()
        .chain(&cov.public_ipv4_failures)
        .map(|f| format!("{}: {}", f.scope(), f.reason))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Writes the public-IPv4 report; `None` when no public-IPv4 snapshot exists
/// yet. Addresses tagged `keep_tag` are offered no way out.
pub async fn public_ipv4(
    bucket: &dyn ObjectStore,
    keep_tag: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ipv4Outcome>, JobError> {
    let keys: Vec<String> = bucket
        .list(PUBLIC_IPV4)
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let Some((latest_key, earlier_key)) = pick_public_ipv4(&keys, CHANGE_DAYS) else {
        return Ok(None);
    };
    let latest = read(bucket, &latest_key).await?;
    let earlier = match &earlier_key {
        Some(k) => Some(read(bucket, k).await?),
        None => None,
    };
    let mut r = report(&latest, earlier.as_deref(), keep_tag);
    r.not_read = not_read(bucket, &latest_key).await?;
    let (reports, _) = write_reports(bucket, Report::PublicIpv4(&r), now).await?;
    Ok(Some(Ipv4Outcome {
        snapshot_key: latest_key,
        earlier_key,
        reports,
        totals: r.totals.all,
    }))
}
