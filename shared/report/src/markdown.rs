//! Markdown: a title that says what the answer rests on, totals, then the
//! addresses that matter (at most eight columns; CSV and JSON list every
//! field of every address).

use std::collections::BTreeMap;
use std::fmt::Write;

use vpcwarden_eip::{GroupTotal, Status};
use vpcwarden_ipv4::report::{AddressRow, Total};
use vpcwarden_ipv4::Ipv4Report;

use crate::text::{coverage_line, day, flag, since, sorted, status, time, usd};
use crate::{IdleEipReport, Report};

/// In-use addresses listed before "… and N more".
const IN_USE_ROWS: usize = 50;
/// Ways out listed before "… and N more".
const WAY_OUT_ROWS: usize = 25;

pub(crate) fn render(report: Report<'_>) -> String {
    match report {
        Report::IdleEips(r) => idle(r),
        Report::PublicIpv4(r) => ipv4(r),
    }
}

/// A table cell: no pipe or newline breaks the table, and no tag value
/// becomes markup where Markdown is shown as HTML.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\r', '\n'], " ")
        .replace('<', "&lt;")
}

fn idle(r: &IdleEipReport) -> String {
    let s = &r.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# Idle Elastic IPs — {}\n", time(r.generated_at));
    // A window the trail cannot answer is said before anything else.
    if let Some(l) = r.coverage.shorter_window_line() {
        let _ = writeln!(out, "{l}\n");
    }
    let _ = writeln!(
        out,
        "Window {} days ({} to {}) · flagged after {} idle days · {}.\n",
        s.window_days,
        r.window_start.format("%Y-%m-%d"),
        r.generated_at.format("%Y-%m-%d"),
        s.threshold_days,
        coverage_line(r)
    );
    let _ = writeln!(out, "**{}**\n", r.headline());
    if !r.snapshot_not_read.is_empty() {
        let _ = writeln!(
            out,
            "**The latest snapshot could not read {}.** Their addresses are shown as the last snapshot that read them saw them: status unknown, never flagged.\n",
            r.snapshot_not_read.join("; ")
        );
    }

    out.push_str("## Totals\n");
    group_table(&mut out, "account", &r.totals.by_account);
    group_table(&mut out, "region", &r.totals.by_region);

    let free: Vec<_> = r
        .addresses
        .iter()
        .filter(|a| a.status != Status::InUse)
        .collect();
    let _ = writeln!(out, "\n## Idle addresses ({})\n", free.len());
    if free.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| address | account / region | idle since | idle days | $/month | Name / owner | flag | note |\n");
        out.push_str("| --- | --- | --- | ---: | ---: | --- | --- | --- |\n");
        for a in &free {
            let flag = match (a.status, flag(a)) {
                (Status::Unknown, _) => "unknown",
                (_, f) => f,
            };
            let _ = writeln!(
                out,
                "| {} ({}) | {} / {} | {} | {} | {} | {} | {} | {} |",
                a.public_ip,
                a.allocation_id,
                a.account,
                a.region,
                since(a),
                a.idle_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                usd(a.monthly_cost_usd),
                cell(&name_owner(r, a)),
                flag,
                cell(a.note.as_deref().unwrap_or(""))
            );
        }
    }

    let used: Vec<_> = r
        .addresses
        .iter()
        .filter(|a| a.status == Status::InUse)
        .collect();
    let _ = writeln!(out, "\n## In use ({})\n", used.len());
    if !used.is_empty() {
        out.push_str("| address | account / region | attached to | Name / owner |\n| --- | --- | --- | --- |\n");
        for a in used.iter().take(IN_USE_ROWS) {
            let _ = writeln!(
                out,
                "| {} ({}) | {} / {} | {} | {} |",
                a.public_ip,
                a.allocation_id,
                a.account,
                a.region,
                cell(&status(a)),
                cell(&name_owner(r, a))
            );
        }
        if used.len() > IN_USE_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more (CSV and JSON list every address).",
                used.len() - IN_USE_ROWS
            );
        }
    }

    out.push_str("\n## Trail coverage\n\n");
    let c = &r.coverage;
    if c.complete {
        let _ = writeln!(
            out,
            "Complete: {} days ({} to {}) for every account and region of the snapshot.",
            c.required_days,
            day(c.first_day),
            day(c.last_day)
        );
    } else {
        let _ = writeln!(
            out,
            "**Trail coverage has gaps**: {} free address(es) are `unknown` and not flagged, because the trail misses days of their account and region (window {} to {}):\n",
            r.summary.unknown,
            day(c.first_day),
            day(c.last_day)
        );
        for line in c.gap_lines() {
            let _ = writeln!(out, "- {line}");
        }
    }
    if r.release_skipped.is_some() || r.release_notice.is_some() {
        out.push_str("\n## Release\n");
        if let Some(why) = &r.release_skipped {
            let _ = writeln!(out, "\n**{why}.**");
        }
        if let Some(text) = &r.release_notice {
            let _ = writeln!(out, "\n```\n{}\n```", text.trim_end());
        }
    }
    out
}

fn name_owner(r: &IdleEipReport, a: &vpcwarden_eip::AddressReport) -> String {
    match (r.name_of(a), r.owner_of(a)) {
        (Some(n), Some(o)) => format!("{n} / {o}"),
        (Some(n), None) => n.into(),
        (None, Some(o)) => format!("— / {o}"),
        (None, None) => "—".into(),
    }
}

fn group_table(out: &mut String, title: &str, rows: &BTreeMap<String, GroupTotal>) {
    let _ = writeln!(
        out,
        "\n| {title} | addresses | idle | unknown | flagged | idle $/month | flagged $/month |"
    );
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (k, t) in sorted(rows, |t| t.idle_monthly_usd) {
        let _ = writeln!(
            out,
            "| {k} | {} | {} | {} | {} | {} | {} |",
            t.addresses,
            t.idle,
            t.unknown,
            t.flagged,
            usd(t.idle_monthly_usd),
            usd(t.flagged_monthly_usd)
        );
    }
}

fn total_table(out: &mut String, title: &str, rows: &BTreeMap<String, Total>) {
    let _ = writeln!(
        out,
        "\n| {title} | addresses | $/month | certain savings | possible savings |"
    );
    out.push_str("| --- | ---: | ---: | ---: | ---: |\n");
    for (k, t) in sorted(rows, |t| t.monthly_usd) {
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

fn ipv4(r: &Ipv4Report) -> String {
    let t = &r.totals.all;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Public IPv4 addresses — {}\n",
        r.snapshot_time
            .map(time)
            .unwrap_or_else(|| "snapshot time not recorded".into())
    );
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
        out.push_str("\n**Not read — these totals leave out the public IPv4 addresses of:**\n\n");
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
    for a in with_way.iter().take(WAY_OUT_ROWS) {
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
    if with_way.len() > WAY_OUT_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more (CSV and JSON list all).",
            with_way.len() - WAY_OUT_ROWS
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
    out.push_str("\n## Every address\n\n| address | kind | holder | account | region | VPC | Name | $/month |\n| --- | --- | --- | --- | --- | --- | --- | ---: |\n");
    for a in &r.addresses {
        let p = &a.address;
        let name = p
            .tags
            .iter()
            .find(|(k, _)| k == "Name")
            .map(|(_, v)| cell(v))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            p.public_ip,
            p.kind.as_str(),
            cell(&p.holder.label()),
            p.account,
            p.region,
            p.vpc_id.as_deref().unwrap_or("—"),
            name,
            usd(a.monthly_cost_usd)
        );
    }
    out
}
