//! Per-address verdict: in use or idle, since when, what it costs.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::coverage::CoverageReport;
use crate::event::LifecycleEvent;
use crate::history::{reconstruct, History};
use crate::ids::AllocationId;
use crate::{non_empty, SnapshotAddress};

/// AWS's charge for a public IPv4 address, per hour.
pub const PRICE_PER_HOUR_USD: f64 = 0.005;
/// Hours in AWS's billing month.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Analysis parameters.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The report's "now" (the snapshot time).
    pub now: DateTime<Utc>,
    /// Start of the lookback window.
    pub window_start: DateTime<Utc>,
    /// Idle at least this long → flagged.
    pub idle_threshold: Duration,
    /// Addresses carrying this tag key are never flagged.
    pub exclude_tag: String,
    /// Price per hour.
    pub price_per_hour: f64,
}

impl Settings {
    /// Defaults: 90-day window, 7-day threshold, tag `vpcwarden:keep`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Settings {
            now,
            window_start: now - Duration::days(90),
            idle_threshold: Duration::days(7),
            exclude_tag: "vpcwarden:keep".into(),
            price_per_hour: PRICE_PER_HOUR_USD,
        }
    }
}

/// In use, idle, or not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Attached now (the snapshot says so; `attached_to` says to what).
    InUse,
    /// Not attached now, and the trail covers the whole window.
    Idle,
    /// Not attached now, but the trail misses days of the window for its
    /// account and region: since when is not known, so it is never flagged.
    Unknown,
}

impl Status {
    /// The JSON and CSV spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::InUse => "in_use",
            Status::Idle => "idle",
            Status::Unknown => "unknown",
        }
    }
}

/// What `idle_since` rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinceBasis {
    /// The last detachment recorded in the window.
    Detachment,
    /// The allocation, in the window, with no attachment after it.
    Allocation,
    /// Nothing in the window: idle at least since its start (`idle_since` is
    /// the window start, `idle_days` a lower bound).
    BeforeWindow,
    /// Not known (status `unknown`).
    Unknown,
    /// Not idle (status `in_use`).
    NotIdle,
}

impl SinceBasis {
    /// The JSON and CSV spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            SinceBasis::Detachment => "detachment",
            SinceBasis::Allocation => "allocation",
            SinceBasis::BeforeWindow => "before_window",
            SinceBasis::Unknown => "unknown",
            SinceBasis::NotIdle => "not_idle",
        }
    }
}

/// One row of the report. Every field has one JSON type (`null` where it
/// does not apply); money is rounded to cents (`docs/report.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressReport {
    /// Allocation id.
    pub allocation_id: AllocationId,
    /// Public IP.
    pub public_ip: String,
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// In use, idle, or unknown.
    pub status: Status,
    /// What it is attached to (in use only), as the snapshot says.
    pub attached_to: Option<String>,
    /// When idleness began (idle only; the window start when before it).
    pub idle_since: Option<DateTime<Utc>>,
    /// What `idle_since` rests on.
    pub idle_since_basis: SinceBasis,
    /// Days idle (idle only; a lower bound when idle since before the window).
    #[serde(serialize_with = "crate::money::ser_hundredths_opt")]
    pub idle_days: Option<f64>,
    /// Attachments that began in the window.
    pub attachment_count: usize,
    /// Start of the last attachment in the window.
    pub last_attached_at: Option<DateTime<Utc>>,
    /// What the address costs per month (0 for BYOIP).
    #[serde(serialize_with = "crate::money::ser_cents")]
    pub monthly_cost_usd: f64,
    /// Cost of its idle hours within the window (`null` when unknown).
    #[serde(serialize_with = "crate::money::ser_hundredths_opt")]
    pub waste_in_window_usd: Option<f64>,
    /// Carries the exclusion tag.
    pub excluded: bool,
    /// Idle for at least the threshold, not excluded, and fully covered.
    pub flagged: bool,
    /// Why the status is `unknown` (the trail's gap), else `null`.
    pub note: Option<String>,
}

/// Joins the latest snapshot with the events of the window. One row per
/// address in the latest snapshot (released addresses cost nothing any more),
/// sorted by waste, largest first. `earlier` snapshots only map association
/// ids of attachments made before the window.
///
/// `coverage` is what the trail held: an address that is free now in an
/// account and region the trail misses days of is `unknown`, never flagged.
pub fn analyse(
    snapshot: &[SnapshotAddress],
    earlier: &[SnapshotAddress],
    events: &[LifecycleEvent],
    coverage: &CoverageReport,
    settings: &Settings,
) -> Vec<AddressReport> {
    let rec = reconstruct(events, snapshot.iter().chain(earlier));
    let empty = History::default();
    let mut rows: Vec<AddressReport> = snapshot
        .iter()
        .map(|addr| {
            let h = rec.histories.get(&addr.allocation_id).unwrap_or(&empty);
            // A scope the report was not told about is a gap too.
            let gap = match coverage.scope(&addr.account, &addr.region) {
                Some(c) if c.complete() => None,
                Some(c) => Some(format!(
                    "the trail has no files for {}/{} on {} of {} days of the window; idle since unknown",
                    addr.account, addr.region, c.days_missing, coverage.required_days
                )),
                None => Some(format!(
                    "coverage of {}/{} was not computed; idle since unknown",
                    addr.account, addr.region
                )),
            };
            row(addr, h, gap, settings)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.waste_in_window_usd
            .unwrap_or(0.0)
            .total_cmp(&a.waste_in_window_usd.unwrap_or(0.0))
            .then_with(|| a.allocation_id.cmp(&b.allocation_id))
    });
    rows
}

fn row(addr: &SnapshotAddress, h: &History, gap: Option<String>, s: &Settings) -> AddressReport {
    let price = if addr.is_byoip() {
        0.0
    } else {
        s.price_per_hour
    };
    let status = match (addr.is_associated(), &gap) {
        (true, _) => Status::InUse,
        (false, None) => Status::Idle,
        (false, Some(_)) => Status::Unknown,
    };
    let (idle_since, basis) = match status {
        Status::InUse => (None, SinceBasis::NotIdle),
        Status::Unknown => (None, SinceBasis::Unknown),
        Status::Idle => match (h.last_detached_at(), h.allocated_at) {
            (Some(t), _) if t >= s.window_start => (Some(t), SinceBasis::Detachment),
            (None, Some(t)) if t >= s.window_start => (Some(t), SinceBasis::Allocation),
            _ => (Some(s.window_start), SinceBasis::BeforeWindow),
        },
    };
    let idle_days = idle_since.map(|from| hours(from, s.now) / 24.0);
    let attachment_count = h.attachments_since(s.window_start).count();
    let last_attached_at = h
        .attachments_since(s.window_start)
        .filter_map(|a| a.from)
        .max();
    let excluded = addr.tags.iter().any(|(k, _)| *k == s.exclude_tag);
    let flagged = status == Status::Idle
        && !excluded
        && idle_days.is_some_and(|d| d >= s.idle_threshold.num_seconds() as f64 / 86_400.0);
    AddressReport {
        allocation_id: addr.allocation_id.clone(),
        public_ip: addr.public_ip.clone(),
        region: addr.region.clone(),
        account: addr.account.clone(),
        status,
        attached_to: (status == Status::InUse).then(|| attached_to(addr)),
        idle_since,
        idle_since_basis: basis,
        idle_days,
        attachment_count,
        last_attached_at,
        monthly_cost_usd: price * HOURS_PER_MONTH,
        waste_in_window_usd: (status != Status::Unknown).then(|| idle_hours(addr, h, s) * price),
        excluded,
        flagged,
        note: gap.filter(|_| status == Status::Unknown),
    }
}

fn attached_to(addr: &SnapshotAddress) -> String {
    match (
        non_empty(&addr.instance_id),
        non_empty(&addr.network_interface_id),
    ) {
        (Some(i), _) => format!("instance {i}"),
        (None, Some(eni)) => match non_empty(&addr.network_interface_owner_id) {
            Some(owner) => format!("network interface {eni} (owner {owner})"),
            None => format!("network interface {eni}"),
        },
        (None, None) => "association without target".into(),
    }
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    ((to - from).num_seconds().max(0)) as f64 / 3600.0
}

/// Hours within the window (from allocation, if later) not covered by an attachment.
fn idle_hours(addr: &SnapshotAddress, h: &History, s: &Settings) -> f64 {
    let start = h
        .allocated_at
        .map_or(s.window_start, |a| a.max(s.window_start));
    let end = s.now;
    if h.attachments.is_empty() {
        // No event in the window: the present state held throughout.
        return if addr.is_associated() {
            0.0
        } else {
            hours(start, end)
        };
    }
    let attached: f64 = h
        .attachments
        .iter()
        .map(|a| {
            let from = a.from.unwrap_or(start).max(start);
            // Still open: attached until now if the snapshot agrees.
            let to =
                a.to.unwrap_or(if addr.is_associated() { end } else { from })
                    .min(end);
            hours(from, to)
        })
        .sum();
    (hours(start, end) - attached).max(0.0)
}
