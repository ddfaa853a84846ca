//! Totals over a report's rows: overall, and per account and region.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::{AddressReport, Status};
use crate::money::{cents, ser_cents};

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

/// Count and cost of one account's or one region's addresses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupTotal {
    /// Addresses.
    pub addresses: usize,
    /// Idle now, with the whole window covered.
    pub idle: usize,
    /// Free now, since when not known (trail gaps).
    pub unknown: usize,
    /// Flagged for release.
    pub flagged: usize,
    /// What the idle addresses cost per month.
    #[serde(serialize_with = "ser_cents")]
    pub idle_monthly_usd: f64,
    /// What the flagged addresses cost per month.
    #[serde(serialize_with = "ser_cents")]
    pub flagged_monthly_usd: f64,
}

impl GroupTotal {
    fn add(&mut self, r: &AddressReport) {
        self.addresses += 1;
        match r.status {
            Status::Idle => {
                self.idle += 1;
                self.idle_monthly_usd += r.monthly_cost_usd;
            }
            Status::Unknown => self.unknown += 1,
            Status::InUse => {}
        }
        if r.flagged {
            self.flagged += 1;
            self.flagged_monthly_usd += r.monthly_cost_usd;
        }
    }
}

/// Totals per account and per region.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Per account.
    pub by_account: BTreeMap<String, GroupTotal>,
    /// Per region.
    pub by_region: BTreeMap<String, GroupTotal>,
}

/// Totals per account and region.
pub fn totals(rows: &[AddressReport]) -> Totals {
    let mut t = Totals::default();
    for r in rows {
        t.by_account.entry(r.account.clone()).or_default().add(r);
        t.by_region.entry(r.region.clone()).or_default().add(r);
    }
    t
}
