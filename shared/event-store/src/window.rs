//! A report's window, read from stored days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vpcwarden_eip::{Coverage, LifecycleEvent};

use crate::day::StoredDay;

/// The day folders a report over `from..to` reads: the window's days with a
/// day of slack either side (delivery lag, UTC folders) — the same folders
/// the full scan and the Athena query read.
pub fn needed_days(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let first = (from - Duration::days(1)).date_naive();
    let last = (to + Duration::days(1)).date_naive();
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// What the stored days give a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowEvents {
    /// Events with `from <= time < to`, in time order, each once.
    pub events: Vec<LifecycleEvent>,
    /// Accounts, regions and days with files, all of them read.
    pub coverage: Coverage,
    /// Malformed records of those days.
    pub malformed: Vec<String>,
    /// Unreadable files of those days.
    pub unreadable: Vec<String>,
    /// Events in the days read (any time).
    pub events_in_store: usize,
}

/// The window `from..to` from `days` (the days [`needed_days`] names).
pub fn window<'a>(
    days: impl IntoIterator<Item = &'a StoredDay>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> WindowEvents {
    let mut out = WindowEvents::default();
    for d in days {
        out.events_in_store += d.events.len();
        out.events.extend(
            d.events
                .iter()
                .filter(|e| e.time >= from && e.time < to)
                .cloned(),
        );
        for s in &d.header.covered {
            out.coverage.add(&s.account, &s.region, d.header.day);
        }
        for s in d.header.quiet.iter().flatten() {
            out.coverage.add_quiet(&s.account, &s.region, d.header.day);
        }
        out.malformed.extend(d.header.malformed.iter().cloned());
        out.unreadable.extend(d.header.unreadable.iter().cloned());
    }
    vpcwarden_eip::sort_events(&mut out.events);
    out.malformed.sort();
    out.unreadable.sort();
    out
}
