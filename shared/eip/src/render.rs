//! The report for people (Markdown), spreadsheets (CSV) and machines (JSON).

use serde::Serialize;

use crate::classify::{AddressReport, Since, Status};

/// Totals over a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Addresses in the report.
    pub addresses: usize,
    /// Idle now.
    pub idle: usize,
    /// Idle past the threshold and not excluded.
    pub flagged: usize,
    /// What the idle addresses cost per month.
    pub idle_monthly_usd: f64,
    /// What the flagged addresses cost per month (what releasing them saves).
    pub flagged_monthly_usd: f64,
    /// Idle cost accrued within the window, all addresses.
    pub waste_in_window_usd: f64,
}

/// Totals.
pub fn summary(rows: &[AddressReport]) -> Summary {
    let idle = rows.iter().filter(|r| r.status == Status::Idle);
    Summary {
        addresses: rows.len(),
        idle: idle.clone().count(),
        flagged: rows.iter().filter(|r| r.flagged).count(),
        idle_monthly_usd: idle.map(|r| r.monthly_cost_usd).sum(),
        flagged_monthly_usd: rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| r.monthly_cost_usd)
            .sum(),
        waste_in_window_usd: rows.iter().map(|r| r.waste_in_window_usd).sum(),
    }
}

fn since(r: &AddressReport) -> String {
    match &r.idle_since {
        Some(Since::At(t)) => t.format("%Y-%m-%d %H:%M").to_string(),
        Some(Since::BeforeWindow) => "before window".into(),
        None => String::new(),
    }
}

fn status(r: &AddressReport) -> String {
    match &r.status {
        Status::InUse { attached_to } => format!("in use: {attached_to}"),
        Status::Idle => "idle".into(),
    }
}

/// Markdown: a summary line and a table sorted by waste.
pub fn markdown(rows: &[AddressReport]) -> String {
    let s = summary(rows);
    let mut out = format!(
        "**{} of {} Elastic IPs idle** (${:.2}/month); **{} flagged** for release (${:.2}/month); idle cost in the window ${:.2}.\n\n",
        s.idle, s.addresses, s.idle_monthly_usd, s.flagged, s.flagged_monthly_usd, s.waste_in_window_usd
    );
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
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {} |\n",
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
            r.monthly_cost_usd,
            r.waste_in_window_usd,
            flag
        ));
    }
    out
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
    let mut out = String::from("allocation_id,public_ip,region,account,status,attached_to,idle_since,idle_days,attachment_count,last_attached_at,monthly_cost_usd,waste_in_window_usd,excluded,flagged\n");
    for r in rows {
        let (st, to) = match &r.status {
            Status::InUse { attached_to } => ("in_use", attached_to.as_str()),
            Status::Idle => ("idle", ""),
        };
        let fields = [
            r.allocation_id.to_string(),
            r.public_ip.clone(),
            r.region.clone(),
            r.account.clone(),
            st.into(),
            to.into(),
            match &r.idle_since {
                Some(Since::At(t)) => t.to_rfc3339(),
                Some(Since::BeforeWindow) => "before_window".into(),
                None => String::new(),
            },
            r.idle_days.map(|d| format!("{d:.3}")).unwrap_or_default(),
            r.attachment_count.to_string(),
            r.last_attached_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            format!("{:.4}", r.monthly_cost_usd),
            format!("{:.4}", r.waste_in_window_usd),
            r.excluded.to_string(),
            r.flagged.to_string(),
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
