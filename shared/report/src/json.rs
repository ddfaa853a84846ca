//! JSON: the documents `docs/report.schema.json` and
//! `docs/public-ipv4-report.schema.json` describe.

use serde_json::{json, Value};
use vpcwarden_ipv4::Ipv4Report;

use crate::Report;

/// `$id` of the public-IPv4 document's schema.
pub const IPV4_SCHEMA_ID: &str = "https://vpcwarden.dev/schemas/public-ipv4-report.v1.json";

/// The document as a value.
pub(crate) fn document(report: Report<'_>) -> Value {
    match report {
        Report::IdleEips(r) => serde_json::to_value(r).expect("report serializes"),
        Report::PublicIpv4(r) => ipv4(r),
    }
}

fn ipv4(r: &Ipv4Report) -> Value {
    json!({
        "schema": IPV4_SCHEMA_ID,
        "snapshot_time": r.snapshot_time,
        "totals": r.totals,
        "change": r.change,
        "cannot_tell": r.cannot_tell,
        "not_read": r.not_read,
        "addresses": r.addresses,
    })
}

pub(crate) fn render(report: Report<'_>) -> String {
    serde_json::to_string_pretty(&document(report)).expect("report serializes") + "\n"
}
