//! CloudWatch metrics in embedded metric format: one JSON line on stdout,
//! which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics
//! (no PutMetricData permission, no extra call).

use chrono::{DateTime, Utc};
use serde_json::Value;
pub use vpcwarden_aws_setup::emf_document;

/// The EMF document for one report. `CoverageGaps` counts the accounts and
/// regions the trail misses days of (alarmed on: a report resting on a gap
/// is incomplete, and releases are off until it closes).
pub fn emf(
    at: DateTime<Utc>,
    summary: &vpcwarden_eip::Summary,
    coverage_gaps: usize,
    engine: &crate::EngineOutput,
    public_ipv4: Option<&vpcwarden_ipv4::report::Total>,
    release: &vpcwarden_eip_release::ReleaseOutcome,
) -> Value {
    use vpcwarden_eip_release::Action;
    let store = engine.store.clone().unwrap_or_default();
    let ipv4 = public_ipv4.cloned().unwrap_or_default();
    emf_document(
        "eip-report",
        at,
        &[
            ("IdleAddresses", "Count", summary.idle.into()),
            ("FlaggedAddresses", "Count", summary.flagged.into()),
            ("UnknownAddresses", "Count", summary.unknown.into()),
            ("CoverageGaps", "Count", coverage_gaps.into()),
            // 1 when the caps stopped every release of the run (alarmed on).
            (
                "ReleaseCapExceeded",
                "Count",
                usize::from(release.held.is_some()).into(),
            ),
            (
                "AddressesMarked",
                "Count",
                release.with(Action::Marked).count().into(),
            ),
            (
                "AddressesReleased",
                "Count",
                release.with(Action::Released).count().into(),
            ),
            (
                "AddressesNotReleasable",
                "Count",
                release.with(Action::NotReleasable).count().into(),
            ),
            (
                "MonthlyWasteUSD",
                "None",
                vpcwarden_eip::money::cents(summary.flagged_monthly_usd).into(),
            ),
            (
                "BytesScanned",
                "Bytes",
                engine.bytes_scanned.unwrap_or(0).into(),
            ),
            ("DaysExtracted", "Count", store.days_extracted.into()),
            ("RawBytesRead", "Bytes", store.raw_bytes_read.into()),
            ("StoreEvents", "Count", store.events_in_store.into()),
            ("PublicIpv4Addresses", "Count", ipv4.addresses.into()),
            (
                "PublicIpv4MonthlyUSD",
                "None",
                vpcwarden_eip::money::cents(ipv4.monthly_usd).into(),
            ),
            (
                "PublicIpv4CertainSavingsUSD",
                "None",
                vpcwarden_eip::money::cents(ipv4.certain_savings_monthly_usd).into(),
            ),
        ],
    )
}
