//! Words and numbers every human-readable rendering says the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use vpcwarden_eip::money::cents;
use vpcwarden_eip::{AddressReport, SinceBasis, Status};

use crate::IdleEipReport;

/// What the answer rests on, in one line.
pub fn coverage_line(r: &IdleEipReport) -> String {
    let c = &r.coverage;
    if c.complete {
        format!(
            "trail coverage complete ({} days, every account and region of the snapshot)",
            c.required_days
        )
    } else {
        format!(
            "trail coverage has gaps in {} account/region(s)",
            c.incomplete_scopes
        )
    }
}

/// Groups largest first (by `by`), then by name.
pub fn sorted<T>(rows: &BTreeMap<String, T>, by: impl Fn(&T) -> f64) -> Vec<(&String, &T)> {
    let mut v: Vec<_> = rows.iter().collect();
    v.sort_by(|a, b| by(b.1).total_cmp(&by(a.1)).then(a.0.cmp(b.0)));
    v
}

/// `$1,234.56`.
pub fn usd(x: f64) -> String {
    let c = cents(x);
    let whole = c.trunc().abs() as u64;
    let frac = ((c.abs() - c.abs().trunc()) * 100.0).round() as u64;
    let mut digits = whole.to_string();
    let mut i = digits.len() as isize - 3;
    while i > 0 {
        digits.insert(i as usize, ',');
        i -= 3;
    }
    format!("{}${digits}.{frac:02}", if c < 0.0 { "-" } else { "" })
}

/// `2026-12-04 06:00 UTC`.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2026-12-04`, or `-`.
pub fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

/// When it became idle, as the basis allows saying it.
pub fn since(r: &AddressReport) -> String {
    match (r.idle_since_basis, r.idle_since) {
        (SinceBasis::BeforeWindow, _) => "before window".into(),
        (SinceBasis::Unknown, _) => "unknown".into(),
        // The first snapshot that saw it free: it became idle then or earlier.
        (SinceBasis::SnapshotUpperBound, Some(t)) => format!("by {}", t.format("%Y-%m-%d")),
        (_, Some(t)) => t.format("%Y-%m-%d").to_string(),
        (_, None) => String::new(),
    }
}

/// `idle`, `in use: instance i-…`, `unknown (trail gap)`.
pub fn status(r: &AddressReport) -> String {
    match (r.status, &r.attached_to) {
        (Status::InUse, Some(to)) => format!("in use: {to}"),
        (Status::InUse, None) => "in use".into(),
        (Status::Idle, Some(to)) => format!("idle: on {to}"),
        (Status::Idle, None) => "idle".into(),
        (Status::Unknown, _) => "unknown (trail gap)".into(),
    }
}

/// `release?`, `excluded` or nothing.
pub fn flag(r: &AddressReport) -> &'static str {
    if r.flagged {
        "release?"
    } else if r.excluded {
        "excluded"
    } else {
        ""
    }
}

/// `k=v;k=v`.
pub fn tags<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    tags.into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dollars_have_thousands_and_cents() {
        assert_eq!(super::usd(1234567.891), "$1,234,567.89");
        assert_eq!(super::usd(3.65), "$3.65");
        assert_eq!(super::usd(0.0), "$0.00");
        assert_eq!(super::usd(-10.5), "-$10.50");
        assert_eq!(super::usd(999.999), "$1,000.00");
    }
}
