//! Dated keys: history is kept, and Athena can read snapshots by day.

use chrono::{DateTime, Utc};

/// Snapshots live under this prefix.
pub const SNAPSHOTS: &str = "snapshots/";
/// Reports live under this prefix.
pub const REPORTS: &str = "reports/";

/// `snapshots/dt=YYYY-MM-DD/HHMMSS.jsonl`: sorts by time, partitions by day.
pub fn snapshot_key(at: DateTime<Utc>) -> String {
    format!("{SNAPSHOTS}{}", at.format("dt=%Y-%m-%d/%H%M%S.jsonl"))
}

/// Public-IPv4 snapshots live under this prefix.
pub const PUBLIC_IPV4: &str = "public-ipv4/";

/// `public-ipv4/dt=YYYY-MM-DD/HHMMSS.jsonl`: every public IPv4 address, same layout as snapshots.
pub fn public_ipv4_key(at: DateTime<Utc>) -> String {
    format!("{PUBLIC_IPV4}{}", at.format("dt=%Y-%m-%d/%H%M%S.jsonl"))
}

/// From every public-IPv4 snapshot key: the newest, and the newest at least
/// `days` days older than it (else the oldest) for the change over that time.
pub fn pick_public_ipv4(keys: &[String], days: i64) -> Option<(String, Option<String>)> {
    let mut keys: Vec<&String> = keys.iter().filter(|k| k.ends_with(".jsonl")).collect();
    keys.sort();
    let latest = keys.pop()?.clone();
    let day_of = |k: &str| {
        k.split('/')
            .find_map(|p| p.strip_prefix("dt="))
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let earlier = day_of(&latest).and_then(|last| {
        let cutoff = last - chrono::Duration::days(days);
        keys.iter()
            .rev()
            .find(|k| day_of(k).is_some_and(|d| d <= cutoff))
            .or(keys.first())
            .map(|k| (*k).clone())
    });
    Some((latest, earlier))
}

/// `reports/dt=YYYY-MM-DD/HHMMSS-<report>.<extension>` (`idle-eips`,
/// `public-ipv4`; one per format).
pub fn report_key(at: DateTime<Utc>, report: &str, extension: &str) -> String {
    format!(
        "{REPORTS}{}-{report}.{extension}",
        at.format("dt=%Y-%m-%d/%H%M%S")
    )
}

/// The snapshots a report reads, from every snapshot key (any order): the
/// newest, and as earlier ones the last of each day since `window_start_day`
/// plus the last one before it (the state when the window began) — at most
/// `max_earlier`, newest first. Associations made before the window and ended
/// inside it are mapped through these; one per day is enough, because an
/// association stays visible in every snapshot until it ends.
pub fn pick_snapshots(
    keys: &[String],
    window_start_day: chrono::NaiveDate,
    max_earlier: usize,
) -> Option<(String, Vec<String>)> {
    let mut keys: Vec<&String> = keys.iter().filter(|k| k.ends_with(".jsonl")).collect();
    keys.sort();
    let latest = keys.pop()?.clone();
    let day_of = |k: &str| {
        k.split('/')
            .find_map(|p| p.strip_prefix("dt="))
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let mut earlier: Vec<String> = Vec::new();
    let mut last_day = None;
    for k in keys.iter().rev() {
        let Some(day) = day_of(k) else { continue };
        if last_day == Some(day) {
            continue;
        }
        last_day = Some(day);
        earlier.push((*k).clone());
        if day < window_start_day {
            break;
        }
    }
    earlier.truncate(max_earlier);
    Some((latest, earlier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn one_snapshot_per_day_in_the_window_and_the_one_before_it() {
        let keys: Vec<String> = [
            "snapshots/dt=2026-07-01/000000.jsonl", // older than the one before the window: not read
            "snapshots/dt=2026-08-20/060000.jsonl",
            "snapshots/dt=2026-08-20/180000.jsonl", // last before the window
            "snapshots/dt=2026-09-01/060000.jsonl",
            "snapshots/dt=2026-09-01/120000.jsonl", // last of its day
            "snapshots/dt=2026-11-22/060000.jsonl",
            "snapshots/dt=2026-11-22/120000.jsonl", // the newest
            "snapshots/README.txt",
        ]
        .map(String::from)
        .to_vec();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 8, 24).unwrap();
        let (latest, earlier) = pick_snapshots(&keys, start, 100).unwrap();
        assert_eq!(latest, "snapshots/dt=2026-11-22/120000.jsonl");
        assert_eq!(
            earlier,
            [
                "snapshots/dt=2026-11-22/060000.jsonl",
                "snapshots/dt=2026-09-01/120000.jsonl",
                "snapshots/dt=2026-08-20/180000.jsonl"
            ]
        );
        assert_eq!(pick_snapshots(&keys, start, 1).unwrap().1.len(), 1);
        assert_eq!(pick_snapshots(&[], start, 10), None);
    }

    #[test]
    fn public_ipv4_snapshots_pair_the_newest_with_one_a_month_older() {
        let keys: Vec<String> = [
            "public-ipv4/dt=2026-09-01/060000.jsonl",
            "public-ipv4/dt=2026-10-30/060000.jsonl",
            "public-ipv4/dt=2026-10-31/060000.jsonl",
            "public-ipv4/dt=2026-11-29/060000.jsonl",
            "public-ipv4/dt=2026-11-30/060000.jsonl",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            pick_public_ipv4(&keys, 30),
            Some((
                "public-ipv4/dt=2026-11-30/060000.jsonl".into(),
                Some("public-ipv4/dt=2026-10-31/060000.jsonl".into())
            ))
        );
        // Younger than a month: the oldest one stands in.
        assert_eq!(
            pick_public_ipv4(&keys[3..], 30).unwrap().1.as_deref(),
            Some("public-ipv4/dt=2026-11-29/060000.jsonl")
        );
        assert_eq!(pick_public_ipv4(&keys[4..], 30).unwrap().1, None);
        assert_eq!(pick_public_ipv4(&[], 30), None);
    }

    #[test]
    fn keys_sort_by_time() {
        let a = Utc.with_ymd_and_hms(2026, 11, 2, 9, 5, 7).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 11, 10, 0, 0, 0).unwrap();
        assert_eq!(snapshot_key(a), "snapshots/dt=2026-11-02/090507.jsonl");
        assert!(snapshot_key(a) < snapshot_key(b));
        assert_eq!(
            report_key(a, "idle-eips", "md"),
            "reports/dt=2026-11-02/090507-idle-eips.md"
        );
    }
}
