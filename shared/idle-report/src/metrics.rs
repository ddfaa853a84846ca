//! CloudWatch metrics in embedded metric format: one JSON line on stdout,
//! which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics
//! (no PutMetricData permission, no extra call).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// An EMF document: namespace `vpcwarden`, dimension `Function`, and
/// `(name, unit, value)` metrics.
pub fn emf_document(function: &str, at: DateTime<Utc>, metrics: &[(&str, &str, Value)]) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "vpcwarden",
                "Dimensions": [["Function"]],
                "Metrics": metrics.iter().map(|(n, u, _)| json!({"Name": n, "Unit": u})).collect::<Vec<_>>(),
            }]
        }),
    );
    doc.insert("Function".into(), function.into());
    for (name, _, value) in metrics {
        doc.insert((*name).into(), value.clone());
    }
    Value::Object(doc)
}

/// The EMF document for one report. `CoverageGaps` counts the accounts and
/// regions the trail misses days of (alarmed on: a report resting on a gap
/// is incomplete, and releases are off until it closes).
pub fn emf(
    at: DateTime<Utc>,
    summary: &vpcwarden_eip::render::Summary,
    coverage_gaps: usize,
    bytes_scanned: Option<i64>,
) -> Value {
    emf_document(
        "eip-report",
        at,
        &[
            ("IdleAddresses", "Count", summary.idle.into()),
            ("FlaggedAddresses", "Count", summary.flagged.into()),
            ("UnknownAddresses", "Count", summary.unknown.into()),
            ("CoverageGaps", "Count", coverage_gaps.into()),
            (
                "MonthlyWasteUSD",
                "None",
                vpcwarden_eip::money::cents(summary.flagged_monthly_usd).into(),
            ),
            ("BytesScanned", "Bytes", bytes_scanned.unwrap_or(0).into()),
        ],
    )
}
