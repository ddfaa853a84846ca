//! CloudWatch metrics in embedded metric format: one JSON line on stdout,
//! which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics
//! (no PutMetricData permission, no extra call).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// The EMF document for one report.
pub fn emf(
    at: DateTime<Utc>,
    idle: usize,
    flagged: usize,
    monthly_waste_usd: f64,
    bytes_scanned: Option<i64>,
) -> Value {
    json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "vpcwarden",
                "Dimensions": [["Function"]],
                "Metrics": [
                    {"Name": "IdleAddresses", "Unit": "Count"},
                    {"Name": "FlaggedAddresses", "Unit": "Count"},
                    {"Name": "MonthlyWasteUSD", "Unit": "None"},
                    {"Name": "BytesScanned", "Unit": "Bytes"}
                ]
            }]
        },
        "Function": "eip-report",
        "IdleAddresses": idle,
        "FlaggedAddresses": flagged,
        "MonthlyWasteUSD": (monthly_waste_usd * 100.0).round() / 100.0,
        "BytesScanned": bytes_scanned.unwrap_or(0),
    })
}
