//! JSON: the documents `docs/report.schema.json` and
//! `docs/public-ipv4-report.schema.json` describe, serialized straight from
//! the report (no intermediate value).

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_ipv4::report::{AddressRow, Change, Totals};
use vpcwarden_ipv4::Ipv4Report;

use crate::Report;

/// `$id` of the public-IPv4 document's schema.
pub const IPV4_SCHEMA_ID: &str = "https://vpcwarden.dev/schemas/public-ipv4-report.v1.json";

/// The public-IPv4 document: the report with its schema id first.
#[derive(Serialize)]
struct Ipv4Document<'a> {
    schema: &'static str,
    snapshot_time: Option<DateTime<Utc>>,
    totals: &'a Totals,
    change: &'a Option<Change>,
    cannot_tell: &'a [&'static str],
    not_read: &'a [String],
    addresses: &'a [AddressRow],
}

pub(crate) fn render(report: Report<'_>) -> String {
    let text = match report {
        Report::IdleEips(r) => serde_json::to_string_pretty(r),
        Report::PublicIpv4(r) => serde_json::to_string_pretty(&ipv4(r)),
    };
    text.expect("report serializes") + "\n"
}

fn ipv4(r: &Ipv4Report) -> Ipv4Document<'_> {
    Ipv4Document {
        schema: IPV4_SCHEMA_ID,
        snapshot_time: r.snapshot_time,
        totals: &r.totals,
        change: &r.change,
        cannot_tell: &r.cannot_tell,
        not_read: &r.not_read,
        addresses: &r.addresses,
    }
}
