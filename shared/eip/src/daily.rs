//! Idle addresses and their monthly cost day by day, from the dated
//! snapshots: what the reports draw as a line over the window.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::classify::saw_stopped;
use crate::money::ser_cents;
use crate::{SnapshotAddress, HOURS_PER_MONTH, PRICE_PER_HOUR_USD};

/// What one day's last snapshot saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdlePoint {
    /// The day (UTC).
    pub day: NaiveDate,
    /// The snapshot read for it (the day's last).
    pub snapshot_time: DateTime<Utc>,
    /// Elastic IPs in it.
    pub addresses: usize,
    /// Of them free (on nothing, or on a stopped instance: billed as idle).
    pub idle: usize,
    /// What those cost per month (BYOIP costs nothing).
    #[serde(serialize_with = "ser_cents")]
    pub idle_monthly_usd: f64,
}

/// One point per day from `from` on, from the last snapshot of each day.
/// Each snapshot is one file as eip-snapshot wrote it: the time it was taken
/// and its addresses. A day without a snapshot has no point: the line says
/// what was seen, never an interpolation.
pub fn idle_history(
    snapshots: &[(DateTime<Utc>, &[SnapshotAddress])],
    from: NaiveDate,
) -> Vec<IdlePoint> {
    let mut by_day: BTreeMap<NaiveDate, (DateTime<Utc>, &[SnapshotAddress])> = BTreeMap::new();
    for (t, addrs) in snapshots {
        let slot = by_day.entry(t.date_naive()).or_insert((*t, addrs));
        if *t >= slot.0 {
            *slot = (*t, addrs);
        }
    }
    by_day
        .into_iter()
        .filter(|(day, _)| *day >= from)
        .map(|(day, (t, addrs))| {
            // One line per address: the same address seen twice counts once.
            let mut seen = std::collections::BTreeSet::new();
            let addrs: Vec<_> = addrs
                .iter()
                .filter(|a| seen.insert(a.allocation_id.as_str()))
                .collect();
            let idle: Vec<_> = addrs
                .iter()
                .filter(|a| !a.is_associated() || saw_stopped(a))
                .collect();
            IdlePoint {
                day,
                snapshot_time: t,
                addresses: addrs.len(),
                idle: idle.len(),
                idle_monthly_usd: idle
                    .iter()
                    .filter(|a| !a.is_byoip())
                    .map(|_| PRICE_PER_HOUR_USD * HOURS_PER_MONTH)
                    .sum(),
            }
        })
        .collect()
}

/// When a snapshot file was taken: its lines' newest `snapshot_time`.
pub fn taken_at(snapshot: &[SnapshotAddress]) -> Option<DateTime<Utc>> {
    snapshot.iter().filter_map(|a| a.snapshot_time).max()
}
