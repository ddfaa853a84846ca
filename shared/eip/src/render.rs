//! The report for people (Markdown), spreadsheets (CSV) and machines (JSON).

use serde::Serialize;

use crate::classify::{AddressReport, SinceBasis, Status};
use crate::coverage::CoverageReport;
use crate::money::cents;

/// Totals over a report; [`summary`] rounds the money to cents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Addresses in the report.
    pub addresses: usize,
    /// Idle now, with the whole window covered.
    pub idle: usize,
    /// Free now, but the trail misses days of their account and region.
    pub unknown: usize,
    /// Idle past the threshold and not excluded.
    pub flagged: usize,
    /// What the idle addresses cost per month.
    pub idle_monthly_usd: f64,
    /// What the flagged addresses cost per month (what releasing them saves).
    pub flagged_monthly_usd: f64,
    /// Idle cost accrued within the window, addresses with a known history.
    pub waste_in_window_usd: f64,
}

/// Totals.
pub fn summary(rows: &[AddressReport]) -> Summary {
    let idle = rows.iter().filter(|r| r.status == Status::Idle);
    Summary {
        addresses: rows.len(),
        idle: idle.clone().count(),
        unknown: rows.iter().filter(|r| r.status == Status::Unknown).count(),
        flagged: rows.iter().filter(|r| r.flagged).count(),
        idle_monthly_usd: cents(idle.map(|r| r.monthly_cost_usd).sum()),
        flagged_monthly_usd: cents(
            rows.iter()
                .filter(|r| r.flagged)
                .map(|r| r.monthly_cost_usd)
                .sum(),
        ),
        waste_in_window_usd: cents(rows.iter().filter_map(|r| r.waste_in_window_usd).sum()),
    }
}

fn since(r: &AddressReport) -> String {
    match (r.idle_since_basis, r.idle_since) {
        (SinceBasis::BeforeWindow, _) => "before window".into(),
        (SinceBasis::Unknown, _) => "unknown".into(),
        // The first snapshot that saw it free: it became idle then or earlier.
        (SinceBasis::SnapshotUpperBound, Some(t)) => format!("by {}", t.format("%Y-%m-%d %H:%M")),
        (_, Some(t)) => t.format("%Y-%m-%d %H:%M").to_string(),
        (_, None) => String::new(),
    }
}

fn status(r: &AddressReport) -> String {
    match (r.status, &r.attached_to) {
        (Status::InUse, Some(to)) => format!("in use: {to}"),
        (Status::InUse, None) => "in use".into(),
        (Status::Idle, Some(to)) => format!("idle: on {to}"),
        (Status::Idle, None) => "idle".into(),
        (Status::Unknown, _) => "unknown (trail gap)".into(),
    }
}

/// Markdown: a summary line, what the answer rests on (the trail's
/// coverage and its gaps), and a table sorted by waste.
pub fn markdown(rows: &[AddressReport], coverage: &CoverageReport) -> String {
    let s = summary(rows);
    let unknown = if s.unknown > 0 {
        format!(
            "; **{} unknown** (free now, but the trail has gaps: not flagged)",
            s.unknown
        )
    } else {
        String::new()
    };
    // A window the trail cannot answer is said before anything else.
    let mut out = coverage
        .shorter_window_line()
        .map(|l| format!("{l}\n\n"))
        .unwrap_or_default();
    out.push_str(&format!(
        "**{} of {} Elastic IPs idle** (${:.2}/month); **{} flagged** for release (${:.2}/month){unknown}; idle cost in the window ${:.2}.\n\n",
        s.idle, s.addresses, s.idle_monthly_usd, s.flagged, s.flagged_monthly_usd, s.waste_in_window_usd
    ));
    if coverage.complete {
        out.push_str(&format!(
            "Trail coverage: complete, {} days ({} to {}) for every account and region of the snapshot.\n\n",
            coverage.required_days,
            day_text(coverage.first_day),
            day_text(coverage.last_day)
        ));
    } else {
        out.push_str(&format!(
            "**Trail coverage has gaps**: {} free address(es) are `unknown` and not flagged, because the trail misses days of their account and region (window {} to {}):\n\n",
            s.unknown,
            day_text(coverage.first_day),
            day_text(coverage.last_day)
        ));
        for line in coverage.gap_lines() {
            out.push_str(&format!("- {line}\n"));
        }
        out.push('\n');
    }
    out.push_str("| allocation | public IP | region | account | status | idle since | idle days | attachments | last attached | $/month | waste in window | flag |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | --- |\n");
    for r in rows {
        let flag = if r.flagged {
            "release?"
        } else if r.excluded {
            "excluded"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} |\n",
            r.allocation_id,
            r.public_ip,
            r.region,
            r.account,
            status(r).replace('|', "/"),
            since(r),
            r.idle_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
            r.attachment_count,
            r.last_attached_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            cents(r.monthly_cost_usd),
            r.waste_in_window_usd
                .map(|w| format!("{:.2}", cents(w)))
                .unwrap_or_else(|| "unknown".into()),
            flag
        ));
    }
    out
}

fn day_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

/// CSV with a header row; fields quoted when they need it (RFC 4180).
pub fn csv(rows: &[AddressReport]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("allocation_id,public_ip,region,account,status,attached_to,idle_since,idle_since_basis,idle_days,attachment_count,last_attached_at,monthly_cost_usd,waste_in_window_usd,excluded,flagged,note\n");
    for r in rows {
        let fields = [
            r.allocation_id.to_string(),
            r.public_ip.clone(),
            r.region.clone(),
            r.account.clone(),
            r.status.as_str().into(),
            r.attached_to.clone().unwrap_or_default(),
            r.idle_since.map(|t| t.to_rfc3339()).unwrap_or_default(),
            r.idle_since_basis.as_str().into(),
            r.idle_days
                .map(|d| format!("{:.2}", cents(d)))
                .unwrap_or_default(),
            r.attachment_count.to_string(),
            r.last_attached_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            format!("{:.2}", cents(r.monthly_cost_usd)),
            r.waste_in_window_usd
                .map(|w| format!("{:.2}", cents(w)))
                .unwrap_or_default(),
            r.excluded.to_string(),
            r.flagged.to_string(),
            r.note.clone().unwrap_or_default(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| quote(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}
