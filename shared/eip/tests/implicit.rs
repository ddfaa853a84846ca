//! Attachments that end or idle without `DisassociateAddress`: terminated and
//! stopped instances, deleted interfaces, NAT gateway secondary addresses,
//! NLB subnet changes, Transfer servers, address transfers, and an end no
//! record tells. Each answer is worked out in the comments from the days given.

mod common;

use common::*;
use vpcwarden_eip::{
    analyse, AddressReport, EventKind, Settings, SinceBasis, SnapshotAddress, Status, Target,
};

fn report(
    latest: &[SnapshotAddress],
    earlier: &[SnapshotAddress],
    events: &[vpcwarden_eip::LifecycleEvent],
) -> Vec<AddressReport> {
    analyse(latest, earlier, events, &covered(), &Settings::new(now()))
}

fn days(h: f64) -> f64 {
    h * 24.0 * 0.005
}

fn associate(id: &str, days_ago: i64, a: &str, target: Target) -> vpcwarden_eip::LifecycleEvent {
    ev(
        id,
        days_ago,
        EventKind::Associate {
            allocation: alloc(a),
            association: Some(assoc(&format!("eipassoc-{}", &a[9..]))),
            target,
        },
    )
}

fn instances(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_terminated_instance_frees_its_address_at_the_termination() {
    let a = addr("eipalloc-a1", "3.0.0.1");
    let events = vec![
        associate("e1", 40, "eipalloc-a1", Target::Instance("i-0a".into())),
        ev(
            "e2",
            10,
            EventKind::InstancesTerminate {
                instances: instances(&["i-0b", "i-0a"]),
            },
        ),
    ];
    let r = &report(&[a], &[], &events)[0];
    assert_eq!(
        (r.status, r.idle_since, r.idle_since_basis),
        (Status::Idle, Some(ago(10)), SinceBasis::Detachment)
    );
    assert_eq!(
        r.last_attached_at,
        Some(ago(40)),
        "idle since is never before the last attachment"
    );
    assert!(r.flagged);
    // Free 90-40 = 50 days before the instance, 10 after.
    assert!(close(r.waste_in_window_usd.unwrap(), days(60.0)));
}

#[test]
fn termination_ends_an_attachment_only_a_snapshot_saw() {
    // On i-0c since before the window (the snapshot of 100 days ago), terminated 5 days ago.
    let a = addr("eipalloc-c3", "3.0.0.3");
    let mut before = a.clone();
    before.instance_id = Some("i-0c".into());
    before.association_id = Some(assoc("eipassoc-c3"));
    before.snapshot_time = Some(ago(100));
    let events = vec![ev(
        "t",
        5,
        EventKind::InstancesTerminate {
            instances: instances(&["i-0c"]),
        },
    )];
    let r = &report(&[a], &[before], &events)[0];
    assert_eq!(
        (r.idle_since, r.idle_since_basis),
        (Some(ago(5)), SinceBasis::Detachment)
    );
    assert!(!r.flagged, "5 days is under the 7-day threshold");
    assert!(close(r.waste_in_window_usd.unwrap(), days(5.0)));
}

#[test]
fn an_address_on_a_stopped_instance_is_idle_since_the_stop() {
    let mut a = addr("eipalloc-d4", "3.0.0.4");
    a.instance_id = Some("i-0d".into());
    a.association_id = Some(assoc("eipassoc-d4"));
    a.instance_state = Some("stopped".into());
    let events = vec![
        associate("e1", 30, "eipalloc-d4", Target::Instance("i-0d".into())),
        ev(
            "e2",
            20,
            EventKind::InstancesStop {
                instances: instances(&["i-0d"]),
            },
        ),
    ];
    let r = &report(&[a], &[], &events)[0];
    assert_eq!(
        (r.status, r.idle_since, r.idle_since_basis),
        (Status::Idle, Some(ago(20)), SinceBasis::Stop)
    );
    assert_eq!(r.attached_to.as_deref(), Some("instance i-0d (stopped)"));
    assert!(r.note.as_deref().unwrap().contains("i-0d, stopped since"));
    assert!(r.flagged);
    // 60 days free before the association, 20 days stopped.
    assert!(close(r.waste_in_window_usd.unwrap(), days(80.0)));
}

#[test]
fn stopped_then_started_is_in_use_and_the_stop_still_costs() {
    let mut a = addr("eipalloc-e5", "3.0.0.5");
    a.instance_id = Some("i-0e".into());
    a.association_id = Some(assoc("eipassoc-e5"));
    a.instance_state = Some("running".into());
    let events = vec![
        associate("e1", 30, "eipalloc-e5", Target::Instance("i-0e".into())),
        ev(
            "e2",
            20,
            EventKind::InstancesStop {
                instances: instances(&["i-0e"]),
            },
        ),
        ev(
            "e3",
            15,
            EventKind::InstancesStart {
                instances: instances(&["i-0e"]),
            },
        ),
    ];
    let r = &report(&[a], &[], &events)[0];
    assert_eq!(r.status, Status::InUse);
    assert!(!r.flagged);
    assert!(close(r.waste_in_window_usd.unwrap(), days(65.0)));
}

#[test]
fn a_stop_without_a_record_rests_on_the_instance_state_or_the_snapshots() {
    let mut a = addr("eipalloc-f6", "3.0.0.6");
    a.instance_id = Some("i-0f".into());
    a.association_id = Some(assoc("eipassoc-f6"));
    a.instance_state = Some("stopped".into());
    // The state transition reason dates the stop (an OS shutdown logs no StopInstances).
    let mut dated = a.clone();
    dated.instance_state_since = Some(ago(12));
    let r = &report(&[dated], &[], &[])[0];
    assert_eq!(
        (r.idle_since, r.idle_since_basis),
        (Some(ago(12)), SinceBasis::Stop)
    );
    assert!(r.flagged);
    // Undated: the oldest of the snapshots that saw it stopped, without a break, bounds it.
    let seen = |d: i64, state: &str| {
        let mut s = a.clone();
        s.snapshot_time = Some(ago(d));
        s.instance_state = Some(state.into());
        s
    };
    let earlier = [seen(30, "running"), seen(9, "stopped"), seen(8, "stopped")];
    let r = &report(&[a.clone()], &earlier, &[])[0];
    assert_eq!(
        (r.idle_since, r.idle_since_basis),
        (Some(ago(9)), SinceBasis::SnapshotUpperBound)
    );
    assert!(r.flagged, "at least 9 days idle");
    // Without any of that: idle at the latest since now, so not flagged.
    let r = &report(&[a], &[], &[])[0];
    assert_eq!(r.idle_since_basis, SinceBasis::SnapshotUpperBound);
    assert!(!r.flagged);
}

#[test]
fn an_end_no_record_tells_is_bounded_by_snapshots_never_before_the_attachment() {
    // Associated 40 days ago, free now, no event of its end (an instance gone
    // by an OS-initiated termination, say).
    let a = addr("eipalloc-0a", "3.0.0.10");
    let events = vec![associate(
        "e1",
        40,
        "eipalloc-0a",
        Target::Instance("i-10".into()),
    )];
    let mut attached = a.clone();
    attached.instance_id = Some("i-10".into());
    attached.association_id = Some(assoc("eipassoc-0a"));
    attached.snapshot_time = Some(ago(30));
    let mut free = a.clone();
    free.snapshot_time = Some(ago(20));
    let mut free_later = free.clone();
    free_later.snapshot_time = Some(ago(19));
    let r = &report(
        std::slice::from_ref(&a),
        &[attached.clone(), free, free_later],
        &events,
    )[0];
    assert_eq!(
        (r.status, r.idle_since, r.idle_since_basis),
        (Status::Idle, Some(ago(20)), SinceBasis::SnapshotUpperBound)
    );
    assert!(r.flagged);
    assert!(r.note.as_deref().unwrap().contains("no record of how"));
    // 50 days before the association; from then attached until the snapshot of 20 days ago.
    assert!(close(r.waste_in_window_usd.unwrap(), days(70.0)));

    // No snapshot saw it free: since unknown, not flagged, no waste claimed.
    let r = &report(
        std::slice::from_ref(&a),
        std::slice::from_ref(&attached),
        &events,
    )[0];
    assert_eq!(
        (r.status, r.idle_since, r.idle_since_basis),
        (Status::Idle, None, SinceBasis::Unknown)
    );
    assert!(!r.flagged && r.waste_in_window_usd.is_none() && r.idle_days.is_none());

    // Only a snapshot saw the attachment (no event at all): the same rule.
    let r = &report(&[a], &[attached], &[])[0];
    assert_eq!(
        r.idle_since_basis,
        SinceBasis::Unknown,
        "not `before_window`: a snapshot 30 days ago saw it attached"
    );
}

#[test]
fn a_deleted_network_interface_frees_its_address() {
    let a = addr("eipalloc-0b", "3.0.0.11");
    let events = vec![
        associate(
            "e1",
            30,
            "eipalloc-0b",
            Target::NetworkInterface("eni-0b".into()),
        ),
        ev(
            "e2",
            10,
            EventKind::NetworkInterfaceDelete {
                network_interface: "eni-0b".into(),
            },
        ),
    ];
    let r = &report(&[a], &[], &events)[0];
    assert_eq!(
        (r.idle_since, r.idle_since_basis),
        (Some(ago(10)), SinceBasis::Detachment)
    );
}

#[test]
fn nat_gateway_secondary_addresses_come_and_go() {
    let nat = || Target::NatGateway("nat-0c".into());
    let p = addr("eipalloc-c1", "3.0.1.1");
    let s = addr("eipalloc-c2", "3.0.1.2");
    let mut added = addr("eipalloc-c3", "3.0.1.3");
    let mut primary_now = p.clone();
    for x in [&mut primary_now, &mut added] {
        x.association_id = Some(assoc(&format!(
            "eipassoc-{}",
            &x.allocation_id.as_str()[9..]
        )));
        x.network_interface_id = Some("eni-0c".into());
    }
    // The secondary's managed association id, as a snapshot saw it while held.
    let mut s_held = s.clone();
    s_held.association_id = Some(assoc("eipassoc-77"));
    s_held.snapshot_time = Some(ago(25));
    let events = vec![
        ev(
            "n1",
            30,
            EventKind::HoldCreate {
                holder: nat(),
                allocations: vec![alloc("eipalloc-c1"), alloc("eipalloc-c2")],
            },
        ),
        ev(
            "n2",
            10,
            EventKind::HoldRemove {
                holder: nat(),
                allocations: vec![],
                associations: vec![assoc("eipassoc-77")],
            },
        ),
        ev(
            "n3",
            5,
            EventKind::HoldAdd {
                holder: nat(),
                allocations: vec![alloc("eipalloc-c3")],
            },
        ),
    ];
    let rows = report(&[primary_now, s, added], &[s_held], &events);
    let get = |id: &str| {
        rows.iter()
            .find(|r| r.allocation_id.as_str() == id)
            .unwrap()
    };
    assert_eq!(get("eipalloc-c1").status, Status::InUse);
    assert_eq!(
        (
            get("eipalloc-c2").idle_since,
            get("eipalloc-c2").idle_since_basis
        ),
        (Some(ago(10)), SinceBasis::Detachment)
    );
    assert_eq!(get("eipalloc-c3").last_attached_at, Some(ago(5)));
}

#[test]
fn subnet_changes_and_transfer_servers_hold_and_drop_addresses() {
    let lb = || {
        Target::LoadBalancer(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/edge/1".into(),
        )
    };
    let server = || Target::TransferServer("s-01234567890abcdef".into());
    let events = vec![
        ev(
            "l1",
            30,
            EventKind::HoldCreate {
                holder: lb(),
                allocations: vec![alloc("eipalloc-d1"), alloc("eipalloc-d2")],
            },
        ),
        ev(
            "l2",
            10,
            EventKind::HoldSet {
                holder: lb(),
                allocations: vec![alloc("eipalloc-d1")],
            },
        ),
        ev(
            "s1",
            40,
            EventKind::HoldCreate {
                holder: server(),
                allocations: vec![alloc("eipalloc-d3")],
            },
        ),
        ev("s2", 8, EventKind::HoldEnd { holder: server() }),
        ev(
            "x1",
            20,
            EventKind::TransferAccept {
                allocation: alloc("eipalloc-d4"),
                public_ip: Some("3.0.2.4".into()),
            },
        ),
    ];
    let mut kept = addr("eipalloc-d1", "3.0.2.1");
    kept.association_id = Some(assoc("eipassoc-d1"));
    kept.network_interface_id = Some("eni-0d".into());
    let rows = report(
        &[
            kept,
            addr("eipalloc-d2", "3.0.2.2"),
            addr("eipalloc-d3", "3.0.2.3"),
            addr("eipalloc-d4", "3.0.2.4"),
        ],
        &[],
        &events,
    );
    let get = |id: &str| {
        rows.iter()
            .find(|r| r.allocation_id.as_str() == id)
            .unwrap()
    };
    assert_eq!(get("eipalloc-d1").status, Status::InUse);
    assert_eq!(
        get("eipalloc-d1").attachment_count,
        1,
        "a subnet change that keeps it is no new attachment"
    );
    assert_eq!(get("eipalloc-d2").idle_since, Some(ago(10)));
    assert_eq!(get("eipalloc-d3").idle_since, Some(ago(8)));
    let d4 = get("eipalloc-d4");
    assert_eq!(
        (d4.idle_since, d4.idle_since_basis),
        (Some(ago(20)), SinceBasis::Allocation)
    );
    // In this account only since the transfer: 20 days of waste, not 90.
    assert!(close(d4.waste_in_window_usd.unwrap(), days(20.0)));
}

#[test]
fn a_subnet_change_keeps_a_hold_that_began_before_the_window() {
    // Held by the balancer since before the window (its interface's description
    // in the snapshot); a SetSubnets 10 days ago keeps it: no new attachment, no idle hour.
    let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/edge/2";
    let mut a = addr("eipalloc-e1", "3.0.3.1");
    a.association_id = Some(assoc("eipassoc-e1"));
    a.network_interface_id = Some("eni-0e".into());
    a.held_by = Some("net/edge/2".into());
    let events = vec![ev(
        "l1",
        10,
        EventKind::HoldSet {
            holder: Target::LoadBalancer(arn.into()),
            allocations: vec![alloc("eipalloc-e1")],
        },
    )];
    let r = &report(&[a], &[], &events)[0];
    assert_eq!((r.status, r.attachment_count), (Status::InUse, 0));
    assert!(close(r.waste_in_window_usd.unwrap(), 0.0), "{r:?}");
}
