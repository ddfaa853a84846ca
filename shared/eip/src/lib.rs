//! Idle Elastic IP analysis: from lifecycle events (extracted from CloudTrail
//! by an engine) and the latest snapshot of addresses, each address's
//! attachment history, whether it is idle, since when, and what it costs.
//!
//! This crate is pure: no AWS call, no I/O. The engines that read CloudTrail
//! (Athena, or local files) produce [`LifecycleEvent`]s; the snapshot function
//! produces [`SnapshotAddress`]es; [`analyse`] joins them.
#![deny(missing_docs)]

mod classify;
pub mod coverage;
mod daily;
mod event;
pub mod extract;
mod history;
mod ids;
pub mod money;
mod snapshot_file;
pub mod summary;

pub use classify::{
    analyse, AddressReport, Settings, SinceBasis, Status, HOURS_PER_MONTH, PRICE_PER_HOUR_USD,
};
pub use coverage::{required_days, Coverage, CoverageReport, DayRange, ScopeCoverage};
pub use daily::{idle_history, taken_at, IdlePoint};
pub use event::{sort_events, EventKind, LifecycleEvent, Target};
pub use extract::{extract, ExtractError};
pub use history::{reconstruct, Attachment, History, Reconstruction, Stop};
pub use summary::{summary, totals, GroupTotal, Summary, Totals};

pub use ids::{AllocationId, AssociationId, IdError};
pub use snapshot_file::{parse_snapshot, FileDefaults, SnapshotFileError};

/// One address as the snapshot function recorded it (DescribeAddresses).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotAddress {
    /// Allocation id.
    pub allocation_id: AllocationId,
    /// The public IPv4 address.
    pub public_ip: String,
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// Current association, if any.
    pub association_id: Option<AssociationId>,
    /// Instance it is attached to, if any.
    pub instance_id: Option<String>,
    /// Network interface it is attached to, if any.
    pub network_interface_id: Option<String>,
    /// Owner of that interface (an account id, or `amazon-elb` and the like for managed ENIs).
    pub network_interface_owner_id: Option<String>,
    /// `amazon` for AWS-provided addresses; a BYOIP pool id otherwise.
    pub public_ipv4_pool: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Private IP it maps to, when associated.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// `vpc` (or `standard` for EC2-Classic leftovers).
    #[serde(default)]
    pub domain: Option<String>,
    /// Network border group (a region, or a Local Zone group).
    #[serde(default)]
    pub network_border_group: Option<String>,
    /// When the snapshot function saw it.
    #[serde(default)]
    pub snapshot_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The NAT gateway (`nat-…`) or network load balancer (`net/<name>/<id>`)
    /// holding it, read from its network interface's description. Lets a
    /// deletion in the window end a hold that began before it.
    #[serde(default)]
    pub held_by: Option<String>,
    /// State of the instance it is on (`running`, `stopped`, …), from
    /// DescribeInstances: an address on a stopped instance is billed as idle.
    #[serde(default)]
    pub instance_state: Option<String>,
    /// When the instance entered that state, when its state transition
    /// reason says (`User initiated (2026-10-21 10:15:42 GMT)`).
    #[serde(default)]
    pub instance_state_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The key a holder is known by in both events and snapshots: a NAT gateway
/// id as is; a load balancer ARN reduced to its `net/<name>/<id>` part.
pub fn holder_key(holder: &str) -> &str {
    holder
        .split_once("loadbalancer/")
        .map_or(holder, |(_, rest)| rest)
}

impl SnapshotAddress {
    /// Attached to something now.
    pub fn is_associated(&self) -> bool {
        self.association_id.is_some()
            || non_empty(&self.instance_id).is_some()
            || non_empty(&self.network_interface_id).is_some()
    }

    /// Brought-your-own-IP addresses carry no public IPv4 charge.
    pub fn is_byoip(&self) -> bool {
        self.public_ipv4_pool
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p != "amazon")
    }
}

/// moto (and some SDK versions) report `""` for absent values: empty is absent.
pub(crate) fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}
