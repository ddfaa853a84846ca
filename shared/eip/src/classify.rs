//! Per-address verdict: in use or idle, since when, what it costs.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::coverage::CoverageReport;
use crate::event::LifecycleEvent;
use crate::history::{reconstruct, History, Reconstruction};
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
    /// Not attached now, or attached to a stopped instance (AWS bills that
    /// address as `PublicIPv4:IdleAddress`), and the trail covers the whole window.
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
    /// The allocation (or the acceptance of a transfer), in the window, with no attachment after it.
    Allocation,
    /// The stop of the instance it sits on: `StopInstances` in the window, or
    /// the time the instance's state transition reason gives.
    Stop,
    /// No event records how its last attachment ended (or when its instance
    /// stopped): `idle_since` is the first snapshot that saw it free (or
    /// stopped), so idle at the latest since then and `idle_days` a lower bound.
    SnapshotUpperBound,
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
            SinceBasis::Stop => "stop",
            SinceBasis::SnapshotUpperBound => "snapshot_upper_bound",
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
    /// Why: the trail's gap (status `unknown`), the stopped instance, or an
    /// attachment whose end no event records; else `null`.
    pub note: Option<String>,
    /// The address's tags as the snapshot saw them (`Name`, owner, keep, …).
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
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
    // What earlier snapshots saw of each address, oldest first.
    let mut seen: HashMap<&AllocationId, Vec<&SnapshotAddress>> = HashMap::new();
    for e in earlier.iter().filter(|e| e.snapshot_time.is_some()) {
        seen.entry(&e.allocation_id).or_default().push(e);
    }
    for list in seen.values_mut() {
        list.sort_by_key(|e| e.snapshot_time);
    }
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
            let earlier = seen
                .get(&addr.allocation_id)
                .map_or(&[][..], |v| v.as_slice());
            row(addr, h, earlier, &rec, gap, settings)
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

/// When idleness began, what that rests on, and why (for the note).
struct Since {
    at: Option<DateTime<Utc>>,
    basis: SinceBasis,
    why: Option<String>,
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The instance the address sits on, when that instance is stopped now: the
/// snapshot's instance state is the authority; without one (older
/// snapshots), the trail's last StopInstances / StartInstances.
fn stopped_instance<'a>(addr: &'a SnapshotAddress, rec: &Reconstruction) -> Option<&'a str> {
    let instance = non_empty(&addr.instance_id)?;
    let stopped = match non_empty(&addr.instance_state) {
        Some(_) => saw_stopped(addr),
        None => rec.stopped_instances.contains_key(instance),
    };
    stopped.then_some(instance)
}

/// The snapshot saw the instance holding the address stopped (or stopping).
pub(crate) fn saw_stopped(a: &SnapshotAddress) -> bool {
    non_empty(&a.instance_state).is_some_and(|st| matches!(st, "stopped" | "stopping"))
}

fn stopped_since(
    addr: &SnapshotAddress,
    instance: &str,
    h: &History,
    earlier: &[&SnapshotAddress],
    rec: &Reconstruction,
    s: &Settings,
) -> Since {
    // Never before the attachment to this instance began.
    let attached_from = h.open_attachment().and_then(|a| a.from);
    let exact = h
        .open_stop()
        .filter(|st| st.instance == instance)
        .and_then(|st| st.from)
        .or_else(|| rec.stopped_instances.get(instance).copied())
        .or(addr.instance_state_since)
        .map(|t| attached_from.map_or(t, |f| t.max(f)));
    if let Some(t) = exact {
        return bounded(t, SinceBasis::Stop, s).with_why(format!(
            "on {instance}, stopped since {}: AWS bills it as an idle address",
            day(t)
        ));
    }
    // The oldest snapshot of the unbroken run, up to now, that saw it on this instance stopped.
    let mut first = addr.snapshot_time.unwrap_or(s.now);
    for e in earlier.iter().rev() {
        let same = non_empty(&e.instance_id) == Some(instance) && saw_stopped(e);
        match (same, e.snapshot_time) {
            (true, Some(t)) => first = t,
            _ => break,
        }
    }
    bounded(first, SinceBasis::SnapshotUpperBound, s).with_why(format!(
        "on {instance}, stopped; no record of the stop: idle at the latest since the snapshot of {}",
        day(first)
    ))
}

/// Idle since `t` on `basis`, or since before the window when `t` is earlier.
fn bounded(t: DateTime<Utc>, basis: SinceBasis, s: &Settings) -> Since {
    if t < s.window_start {
        Since {
            at: Some(s.window_start),
            basis: SinceBasis::BeforeWindow,
            why: None,
        }
    } else {
        Since {
            at: Some(t),
            basis,
            why: None,
        }
    }
}

impl Since {
    fn with_why(mut self, why: String) -> Self {
        self.why = Some(why);
        self
    }
}

fn free_since(h: &History, earlier: &[&SnapshotAddress], s: &Settings) -> Since {
    // The last time anything says it was attached: an attachment no event
    // ended, or an earlier snapshot that saw it attached.
    let open = h.open_attachment();
    let seen_attached = earlier
        .iter()
        .filter(|e| e.is_associated())
        .filter_map(|e| e.snapshot_time)
        .max();
    let evidence = open.and_then(|a| a.from).max(seen_attached);
    let known_end = h.last_detached_at();
    let unrecorded_end =
        open.is_some() || evidence.is_some_and(|e| known_end.is_none_or(|k| k < e));
    if unrecorded_end {
        let what = open
            .and_then(|a| a.target.as_ref())
            .map(|t| format!("{} {}", target_kind(t), t.id()))
            .unwrap_or_else(|| "its last holder".into());
        let since = evidence.map_or(String::new(), |e| format!(" (attached on {})", day(e)));
        let first_free = earlier
            .iter()
            .filter(|e| e.snapshot_time > evidence && !e.is_associated())
            .find_map(|e| e.snapshot_time);
        return match first_free {
            Some(t) => bounded(t, SinceBasis::SnapshotUpperBound, s).with_why(format!(
                "detached from {what}{since} with no record of how: idle at the latest since the snapshot of {}",
                day(t)
            )),
            None => Since {
                at: None,
                basis: SinceBasis::Unknown,
                why: Some(format!(
                    "detached from {what}{since} with no record of how, and no earlier snapshot saw it free: idle since unknown, not flagged"
                )),
            },
        };
    }
    match (known_end, h.allocated_at) {
        (Some(t), _) if t >= s.window_start => Since {
            at: Some(t),
            basis: SinceBasis::Detachment,
            why: None,
        },
        (None, Some(t)) if t >= s.window_start => Since {
            at: Some(t),
            basis: SinceBasis::Allocation,
            why: None,
        },
        _ => Since {
            at: Some(s.window_start),
            basis: SinceBasis::BeforeWindow,
            why: None,
        },
    }
}

fn target_kind(t: &crate::event::Target) -> &'static str {
    use crate::event::Target;
    match t {
        Target::Instance(_) => "instance",
        Target::NetworkInterface(_) => "network interface",
        Target::NatGateway(_) => "NAT gateway",
        Target::LoadBalancer(_) => "load balancer",
        Target::TransferServer(_) => "Transfer server",
    }
}

fn row(
    addr: &SnapshotAddress,
    h: &History,
    earlier: &[&SnapshotAddress],
    rec: &Reconstruction,
    gap: Option<String>,
    s: &Settings,
) -> AddressReport {
    let price = if addr.is_byoip() {
        0.0
    } else {
        s.price_per_hour
    };
    let stopped = stopped_instance(addr, rec);
    let in_use = addr.is_associated() && stopped.is_none();
    let status = match (in_use, &gap) {
        (true, _) => Status::InUse,
        (false, None) => Status::Idle,
        (false, Some(_)) => Status::Unknown,
    };
    let since = match (status, stopped) {
        (Status::InUse, _) => Since {
            at: None,
            basis: SinceBasis::NotIdle,
            why: None,
        },
        (Status::Unknown, _) => Since {
            at: None,
            basis: SinceBasis::Unknown,
            why: gap.clone(),
        },
        (Status::Idle, Some(instance)) => stopped_since(addr, instance, h, earlier, rec, s),
        (Status::Idle, None) => free_since(h, earlier, s),
    };
    let idle_days = since.at.map(|from| hours(from, s.now) / 24.0);
    let attachment_count = h.attachments_since(s.window_start).count();
    let last_attached_at = h
        .attachments_since(s.window_start)
        .filter_map(|a| a.from)
        .max();
    let excluded = addr.tags.iter().any(|(k, _)| *k == s.exclude_tag);
    let flagged = status == Status::Idle
        && !excluded
        && idle_days.is_some_and(|d| d >= s.idle_threshold.num_seconds() as f64 / 86_400.0);
    let waste = match status {
        Status::Unknown => None,
        _ => idle_hours(addr, h, s, since.at, stopped.is_some()).map(|hrs| hrs * price),
    };
    AddressReport {
        allocation_id: addr.allocation_id.clone(),
        public_ip: addr.public_ip.clone(),
        region: addr.region.clone(),
        account: addr.account.clone(),
        status,
        attached_to: addr
            .is_associated()
            .then(|| attached_to(addr, stopped.is_some())),
        idle_since: since.at,
        idle_since_basis: since.basis,
        idle_days,
        attachment_count,
        last_attached_at,
        monthly_cost_usd: price * HOURS_PER_MONTH,
        waste_in_window_usd: waste,
        excluded,
        flagged,
        note: since.why,
        tags: addr.tags.iter().cloned().collect(),
    }
}

fn attached_to(addr: &SnapshotAddress, stopped: bool) -> String {
    match (
        non_empty(&addr.instance_id),
        non_empty(&addr.network_interface_id),
    ) {
        (Some(i), _) if stopped => format!("instance {i} (stopped)"),
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

/// Hours within the window (from allocation, if later) that the address
/// served nothing: free, or on a stopped instance. `None` when the free
/// period's start is unknown.
fn idle_hours(
    addr: &SnapshotAddress,
    h: &History,
    s: &Settings,
    idle_since: Option<DateTime<Utc>>,
    stopped_now: bool,
) -> Option<f64> {
    let start = h
        .allocated_at
        .map_or(s.window_start, |a| a.max(s.window_start));
    let end = s.now;
    // Attached (and serving) up to `until`: the free period starts there.
    let until = if addr.is_associated() {
        end
    } else {
        idle_since?.max(start)
    };
    let clip = |from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>, open_end| {
        let from = from.unwrap_or(start).max(start);
        let to = to.unwrap_or(open_end).min(until);
        hours(from, to)
    };
    let attached: f64 = if h.attachments.is_empty() && addr.is_associated() {
        // No event in the window: the present attachment held throughout.
        hours(start, end)
    } else {
        h.attachments
            .iter()
            .map(|a| clip(a.from, a.to, until))
            .sum()
    };
    // Stops the events closed; a stop still in effect counts from `idle_since`.
    let mut stopped: f64 = h
        .stops
        .iter()
        .filter(|st| st.to.is_some())
        .map(|st| clip(st.from, st.to, until))
        .sum();
    if stopped_now {
        stopped += hours(idle_since.unwrap_or(end).max(start), end);
    }
    Some((hours(start, end) - attached + stopped).clamp(0.0, hours(start, end)))
}
