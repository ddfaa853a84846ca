//! Helpers shared by the analysis tests: one account and region, a trail
//! covering the whole default window, events and addresses built by hand.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use vpcwarden_eip::{
    required_days, AllocationId, AssociationId, Coverage, CoverageReport, EventKind,
    LifecycleEvent, Settings, SnapshotAddress,
};

/// A trail that held files for every day of the default window, for the one
/// account and region these addresses live in: "no event" then means nothing happened.
pub fn covered() -> CoverageReport {
    let s = Settings::new(now());
    let required = required_days(s.window_start, now());
    let mut c = Coverage::default();
    c.add_days(
        "123456789012",
        "us-east-1",
        required[0],
        *required.last().unwrap(),
    );
    CoverageReport::new(&c, [("123456789012", "us-east-1")], &required)
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()
}

pub fn ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

pub fn alloc(s: &str) -> AllocationId {
    AllocationId::parse(s).unwrap()
}

pub fn assoc(s: &str) -> AssociationId {
    AssociationId::parse(s).unwrap()
}

pub fn ev(id: &str, days_ago: i64, kind: EventKind) -> LifecycleEvent {
    LifecycleEvent {
        time: ago(days_ago),
        account: "123456789012".into(),
        region: "us-east-1".into(),
        event_id: id.into(),
        kind,
    }
}

pub fn addr(id: &str, ip: &str) -> SnapshotAddress {
    SnapshotAddress {
        allocation_id: alloc(id),
        public_ip: ip.into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        association_id: None,
        instance_id: None,
        network_interface_id: None,
        network_interface_owner_id: None,
        public_ipv4_pool: Some("amazon".into()),
        tags: vec![],
        private_ip: None,
        domain: Some("vpc".into()),
        network_border_group: Some("us-east-1".into()),
        snapshot_time: None,
        held_by: None,
        instance_state: None,
        instance_state_since: None,
    }
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
