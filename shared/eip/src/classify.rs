//! Per-address verdict: in use or idle, since when, what it costs.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

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

/// In use or not, now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Attached now.
    InUse {
        /// What to, as the snapshot says (instance, interface and its owner).
        attached_to: String,
    },
    /// Not attached.
    Idle,
}

/// When idleness began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// At this time (last detachment, else allocation).
    At(DateTime<Utc>),
    /// Before the window began: idle for at least the window.
    BeforeWindow,
}

/// One row of the report.
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
    /// Now.
    #[serde(flatten)]
    pub status: Status,
    /// When idleness began (idle addresses only).
    pub idle_since: Option<Since>,
    /// Days idle (a lower bound when idle since before the window).
    pub idle_days: Option<f64>,
    /// Attachments that began in the window.
    pub attachment_count: usize,
    /// Start of the last attachment in the window.
    pub last_attached_at: Option<DateTime<Utc>>,
    /// What the address costs per month (0 for BYOIP).
    pub monthly_cost_usd: f64,
    /// Cost of its idle hours within the window.
    pub waste_in_window_usd: f64,
    /// Carries the exclusion tag.
    pub excluded: bool,
    /// Idle for at least the threshold and not excluded.
    pub flagged: bool,
}

/// Joins the latest snapshot with the events of the window. One row per
/// address in the latest snapshot (released addresses cost nothing any more),
/// sorted by waste, largest first. `earlier` snapshots only map association
/// ids of attachments made before the window.
pub fn analyse(
    snapshot: &[SnapshotAddress],
    earlier: &[SnapshotAddress],
    events: &[LifecycleEvent],
    settings: &Settings,
) -> Vec<AddressReport> {
    let rec = reconstruct(events, snapshot.iter().chain(earlier));
    let empty = History::default();
    let mut rows: Vec<AddressReport> = snapshot
        .iter()
        .map(|addr| {
            row(
                addr,
                rec.histories.get(&addr.allocation_id).unwrap_or(&empty),
                settings,
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        b.waste_in_window_usd
            .total_cmp(&a.waste_in_window_usd)
            .then_with(|| a.allocation_id.cmp(&b.allocation_id))
    });
    rows
}

fn row(addr: &SnapshotAddress, h: &History, s: &Settings) -> AddressReport {
    let price = if addr.is_byoip() {
        0.0
    } else {
        s.price_per_hour
    };
    let status = if addr.is_associated() {
        Status::InUse {
            attached_to: attached_to(addr),
        }
    } else {
        Status::Idle
    };
    let idle = status == Status::Idle;
    let idle_since = idle.then(|| {
        match h
            .last_detached_at()
            .or(h.allocated_at)
            .filter(|t| *t >= s.window_start)
        {
            Some(t) => Since::At(t),
            None => Since::BeforeWindow,
        }
    });
    let idle_days = idle_since.as_ref().map(|since| {
        let from = match since {
            Since::At(t) => *t,
            Since::BeforeWindow => s.window_start,
        };
        hours(from, s.now) / 24.0
    });
    let attachment_count = h.attachments_since(s.window_start).count();
    let last_attached_at = h
        .attachments_since(s.window_start)
        .filter_map(|a| a.from)
        .max();
    let excluded = addr.tags.iter().any(|(k, _)| *k == s.exclude_tag);
    let flagged = idle
        && !excluded
        && idle_days.is_some_and(|d| d >= s.idle_threshold.num_seconds() as f64 / 86_400.0);
    AddressReport {
        allocation_id: addr.allocation_id.clone(),
        public_ip: addr.public_ip.clone(),
        region: addr.region.clone(),
        account: addr.account.clone(),
        status,
        idle_since,
        idle_days,
        attachment_count,
        last_attached_at,
        monthly_cost_usd: price * HOURS_PER_MONTH,
        waste_in_window_usd: idle_hours(addr, h, s) * price,
        excluded,
        flagged,
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
