//! The public-IPv4 report for people (Markdown), spreadsheets (CSV) and
//! machines (JSON).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};
use vpcwarden_eip::money::cents;

use crate::report::{AddressRow, Ipv4Report, Total};

/// `$id` of the JSON document.
pub const SCHEMA_ID: &str = "https://vpcwarden.dev/schemas/public-ipv4-report.v1.json";

/// The JSON document.
pub fn json_document(r: &Ipv4Report) -> Value {
    json!({
        "schema": SCHEMA_ID,
        "snapshot_time": r.snapshot_time,
        "totals": r.totals,
        "change": r.change,
        "cannot_tell": r.cannot_tell,
        "not_read": r.not_read,
        "addresses": r.addresses,
    })
}

fn usd(x: f64) -> String {
    format!("${:.2}", cents(x))
}

fn total_table(out: &mut String, title: &str, rows: &BTreeMap<String, Total>) {
    let _ = writeln!(
        out,
        "\n| {title} | addresses | $/month | certain savings | possible savings |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    let mut rows: Vec<_> = rows.iter().collect();
    rows.sort_by(|a, b| {
        b.1.monthly_usd
            .total_cmp(&a.1.monthly_usd)
            .then(a.0.cmp(b.0))
    });
    for (k, t) in rows {
        let _ = writeln!(
            out,
            "| {k} | {} | {} | {} | {} |",
            t.addresses,
            usd(t.monthly_usd),
            usd(t.certain_savings_monthly_usd),
            usd(t.possible_savings_monthly_usd)
        );
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: totals first, then the largest savings, then every address.
pub fn markdown(r: &Ipv4Report) -> String {
    let t = &r.totals.all;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{} public IPv4 addresses cost {} a month.** Ways out below could save {} for certain and up to {} more where the condition stated holds.",
        t.addresses,
        usd(t.monthly_usd),
        usd(t.certain_savings_monthly_usd),
        usd(t.possible_savings_monthly_usd)
    );
    if let Some(c) = &r.change {
        let since = c
            .since
            .map(|s| s.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "the earlier snapshot".into());
        let _ = writeln!(
            out,
            "\nSince {since}: {} → {} addresses ({:+}), {} → {} a month; {} new, {} gone.",
            c.addresses_then,
            t.addresses,
            t.addresses as i64 - c.addresses_then as i64,
            usd(c.monthly_usd_then),
            usd(t.monthly_usd),
            c.new,
            c.gone
        );
    }
    if !r.not_read.is_empty() {
        let _ = writeln!(
            out,
            "\n**Not read — these totals leave out the public IPv4 addresses of:**\n"
        );
        for n in &r.not_read {
            let _ = writeln!(out, "- {}", cell(n));
        }
    }
    out.push_str("\n## Totals\n");
    total_table(&mut out, "kind", &r.totals.by_kind);
    total_table(&mut out, "account", &r.totals.by_account);
    total_table(&mut out, "region", &r.totals.by_region);
    total_table(&mut out, "VPC", &r.totals.by_vpc);

    out.push_str("\n## Largest savings\n\n| address | holder | account / region | saves $/month | way out | only if |\n| --- | --- | --- | ---: | --- | --- |\n");
    let with_way: Vec<&AddressRow> = r.addresses.iter().filter(|a| a.way_out.is_some()).collect();
    for a in with_way.iter().take(25) {
        let w = a.way_out.as_ref().expect("filtered");
        let _ = writeln!(
            out,
            "| {} | {} | {} / {} | {} | {} | {} |",
            a.address.public_ip,
            cell(&a.address.holder.label()),
            a.address.account,
            a.address.region,
            usd(w.saving_monthly_usd),
            cell(&w.action),
            w.only_if.as_deref().map(cell).unwrap_or_else(|| "—".into())
        );
    }
    if with_way.len() > 25 {
        let _ = writeln!(
            out,
            "\n… and {} more (CSV and JSON list all).",
            with_way.len() - 25
        );
    }
    if with_way.is_empty() {
        out.push_str("| — | | | | no way out applies | |\n");
    }
    let kept = r.addresses.iter().filter(|a| a.kept).count();
    if kept > 0 {
        let _ = writeln!(
            out,
            "\n{kept} address(es) carry the keep tag: counted and costed, no way out offered."
        );
    }
    out.push_str("\n## What this report cannot tell\n\n");
    for c in &r.cannot_tell {
        let _ = writeln!(out, "- {c}");
    }
    out.push_str("\n## Every address\n\n| address | kind | holder | account | region | VPC | subnet | $/month |\n| --- | --- | --- | --- | --- | --- | --- | ---: |\n");
    for a in &r.addresses {
        let p = &a.address;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            p.public_ip,
            p.kind.as_str(),
            cell(&p.holder.label()),
            p.account,
            p.region,
            p.vpc_id.as_deref().unwrap_or("—"),
            p.subnet_id.as_deref().unwrap_or("—"),
            usd(a.monthly_cost_usd)
        );
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV, one row per address.
pub fn csv(r: &Ipv4Report) -> String {
    let mut out = String::from("public_ip,kind,holder_type,holder_id,account,region,vpc_id,subnet_id,network_interface_id,allocation_id,monthly_cost_usd,kept,saving_monthly_usd,way_out,only_if,tags\n");
    for a in &r.addresses {
        let p = &a.address;
        let w = a.way_out.as_ref();
        let holder_type = serde_json::to_value(p.holder.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let tags = p
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";");
        let fields = [
            p.public_ip.clone(),
            p.kind.as_str().into(),
            holder_type,
            p.holder.id.clone().unwrap_or_default(),
            p.account.clone(),
            p.region.clone(),
            p.vpc_id.clone().unwrap_or_default(),
            p.subnet_id.clone().unwrap_or_default(),
            p.network_interface_id.clone().unwrap_or_default(),
            p.allocation_id.clone().unwrap_or_default(),
            format!("{:.2}", cents(a.monthly_cost_usd)),
            a.kept.to_string(),
            w.map(|w| format!("{:.2}", cents(w.saving_monthly_usd)))
                .unwrap_or_default(),
            w.map(|w| w.action.clone()).unwrap_or_default(),
            w.and_then(|w| w.only_if.clone()).unwrap_or_default(),
            tags,
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}
