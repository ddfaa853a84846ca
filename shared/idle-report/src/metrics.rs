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

/// The EMF document for one report.
pub fn emf(
    at: DateTime<Utc>,
    idle: usize,
    flagged: usize,
    monthly_waste_usd: f64,
    bytes_scanned: Option<i64>,
) -> Value {
    emf_document(
        "eip-report",
        at,
        &[
            ("IdleAddresses", "Count", idle.into()),
            ("FlaggedAddresses", "Count", flagged.into()),
            (
                "MonthlyWasteUSD",
                "None",
                ((monthly_waste_usd * 100.0).round() / 100.0).into(),
            ),
            ("BytesScanned", "Bytes", bytes_scanned.unwrap_or(0).into()),
        ],
    )
}
