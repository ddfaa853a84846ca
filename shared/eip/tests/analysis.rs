//! Ground truth by hand: a window of events and snapshots whose right answer
//! is worked out in the comments, covering NAT gateways, load balancers,
//! ENIs, a disassociation known only through an older snapshot, BYOIP, the
//! exclusion tag and a duplicated CloudTrail record.

mod common;

use common::*;
use vpcwarden_eip::{
    analyse, required_days, Coverage, CoverageReport, EventKind, Settings, SinceBasis, Status,
    Target,
};

#[test]
fn ground_truth_report() {
    let a = addr("eipalloc-a1", "3.0.0.1"); // idle: allocated 30 d ago, on an instance 29 d → 10 d ago
    let mut b = addr("eipalloc-b2", "3.0.0.2"); // NAT gateway since 20 d ago
    b.association_id = Some(assoc("eipassoc-b2"));
    b.network_interface_id = Some("eni-0b2".into());
    b.network_interface_owner_id = Some("123456789012".into());
    let c = addr("eipalloc-c3", "3.0.0.3"); // on an ENI since before the window; detached 3 d ago by association id only
    let mut d = addr("eipalloc-d4", "3.0.0.4"); // BYOIP, idle all window
    d.public_ipv4_pool = Some("ipv4pool-ec2-0123".into());
    let mut e = addr("eipalloc-e5", "3.0.0.5"); // idle all window, excluded by tag
    e.tags = vec![("vpcwarden:keep".into(), "dr-site".into())];
    let mut f = addr("eipalloc-f6", "3.0.0.6"); // network load balancer since 5 d ago
    f.association_id = Some(assoc("eipassoc-f6"));
    f.network_interface_id = Some("eni-0f6".into());
    f.network_interface_owner_id = Some("amazon-elb".into());

    let mut c_before = c.clone(); // an older snapshot: c attached to an ENI
    c_before.association_id = Some(assoc("eipassoc-c3"));
    c_before.network_interface_id = Some("eni-0c3".into());

    let associate_a = ev(
        "e2",
        29,
        EventKind::Associate {
            allocation: alloc("eipalloc-a1"),
            association: Some(assoc("eipassoc-a1")),
            target: Target::Instance("i-0a1".into()),
        },
    );
    let events = vec![
        ev(
            "e1",
            30,
            EventKind::Allocate {
                allocation: alloc("eipalloc-a1"),
                public_ip: Some("3.0.0.1".into()),
            },
        ),
        associate_a.clone(),
        associate_a, // CloudTrail can deliver a record twice: same event id
        ev(
            "e3",
            10,
            EventKind::Disassociate {
                association: assoc("eipassoc-a1"),
            },
        ),
        ev(
            "e4",
            20,
            EventKind::HoldCreate {
                holder: Target::NatGateway("nat-0b2".into()),
                allocations: vec![alloc("eipalloc-b2")],
            },
        ),
        ev(
            "e5",
            3,
            EventKind::Disassociate {
                association: assoc("eipassoc-c3"),
            },
        ),
        ev(
            "e6",
            5,
            EventKind::HoldCreate {
                holder: Target::LoadBalancer(
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/1"
                        .into(),
                ),
                allocations: vec![alloc("eipalloc-f6")],
            },
        ),
    ];
    let rows = analyse(
        &[a, b, c, d, e, f],
        &[c_before],
        &events,
        &covered(),
        &Settings::new(now()),
    );
    let get = |id: &str| {
        rows.iter()
            .find(|r| r.allocation_id.as_str() == id)
            .unwrap()
    };

    // a: idle since the detachment 10 d ago; idle 1 d (30→29) + 10 d = 11 d = 264 h of waste.
    let ra = get("eipalloc-a1");
    assert_eq!(ra.status, Status::Idle);
    assert_eq!(ra.idle_since, Some(ago(10)));
    assert!(close(ra.idle_days.unwrap(), 10.0));
    assert_eq!(ra.attachment_count, 1, "the duplicated record counts once");
    assert_eq!(ra.last_attached_at, Some(ago(29)));
    assert!(close(ra.waste_in_window_usd.unwrap(), 264.0 * 0.005));
    assert!(ra.flagged);

    // b: in use by the NAT gateway; idle for the 70 d of the window before it.
    let rb = get("eipalloc-b2");
    assert_eq!(rb.status, Status::InUse);
    assert_eq!(
        rb.attached_to.as_deref(),
        Some("network interface eni-0b2 (owner 123456789012)")
    );
    assert_eq!(rb.attachment_count, 1);
    assert!(close(rb.waste_in_window_usd.unwrap(), 70.0 * 24.0 * 0.005));
    assert!(!rb.flagged);

    // c: the disassociation maps through the older snapshot; idle 3 d, below the 7-d threshold.
    let rc = get("eipalloc-c3");
    assert_eq!(rc.idle_since, Some(ago(3)));
    assert_eq!(
        rc.attachment_count, 0,
        "the attachment began before the window"
    );
    assert!(close(rc.waste_in_window_usd.unwrap(), 72.0 * 0.005));
    assert!(!rc.flagged);

    // d: BYOIP costs nothing, but is idle since before the window and flagged.
    let rd = get("eipalloc-d4");
    assert_eq!(rd.idle_since_basis, SinceBasis::BeforeWindow);
    assert_eq!(
        rd.idle_since,
        Some(ago(90)),
        "the window start: idle at least since then"
    );
    assert!(close(rd.idle_days.unwrap(), 90.0));
    assert_eq!(
        (rd.monthly_cost_usd, rd.waste_in_window_usd),
        (0.0, Some(0.0))
    );
    assert!(rd.flagged);

    // e: idle all window (90 d = 2160 h) but excluded.
    let re = get("eipalloc-e5");
    assert!(re.excluded && !re.flagged);
    assert!(close(re.waste_in_window_usd.unwrap(), 2160.0 * 0.005));
    assert!(close(re.monthly_cost_usd, 3.65));

    // f: the load balancer holds it; 85 d idle before that.
    let rf = get("eipalloc-f6");
    assert_eq!(rf.status, Status::InUse);
    assert_eq!(
        rf.attached_to.as_deref(),
        Some("network interface eni-0f6 (owner amazon-elb)")
    );
    assert!(close(rf.waste_in_window_usd.unwrap(), 85.0 * 24.0 * 0.005));

    // Sorted by waste: e (10.80), f (10.20), b (8.40), a (1.32), c (0.36), d (0).
    let order: Vec<&str> = rows.iter().map(|r| r.allocation_id.as_str()).collect();
    assert_eq!(
        order,
        [
            "eipalloc-e5",
            "eipalloc-f6",
            "eipalloc-b2",
            "eipalloc-a1",
            "eipalloc-c3",
            "eipalloc-d4"
        ]
    );
}

#[test]
fn nat_gateway_deletion_detaches_its_addresses() {
    let g = addr("eipalloc-07", "3.0.0.7");
    let events = vec![
        ev(
            "n1",
            40,
            EventKind::HoldCreate {
                holder: Target::NatGateway("nat-07".into()),
                allocations: vec![alloc("eipalloc-07")],
            },
        ),
        ev(
            "n2",
            12,
            EventKind::HoldEnd {
                holder: Target::NatGateway("nat-07".into()),
            },
        ),
    ];
    let rows = analyse(&[g], &[], &events, &covered(), &Settings::new(now()));
    assert_eq!(rows[0].idle_since, Some(ago(12)));
    assert!(rows[0].flagged);
    // Idle 90-40 = 50 d before the NAT gateway and 12 d after.
    assert!(close(
        rows[0].waste_in_window_usd.unwrap(),
        62.0 * 24.0 * 0.005
    ));
}

#[test]
fn reassociation_moves_the_attachment_without_a_gap() {
    let mut h = addr("eipalloc-08", "3.0.0.8");
    h.association_id = Some(assoc("eipassoc-82"));
    h.instance_id = Some("i-2".into());
    let events = vec![
        ev(
            "r1",
            50,
            EventKind::Associate {
                allocation: alloc("eipalloc-08"),
                association: Some(assoc("eipassoc-81")),
                target: Target::Instance("i-1".into()),
            },
        ),
        ev(
            "r2",
            20,
            EventKind::Associate {
                allocation: alloc("eipalloc-08"),
                association: Some(assoc("eipassoc-82")),
                target: Target::Instance("i-2".into()),
            },
        ),
    ];
    let rows = analyse(&[h], &[], &events, &covered(), &Settings::new(now()));
    assert_eq!(rows[0].status, Status::InUse);
    assert_eq!(rows[0].attached_to.as_deref(), Some("instance i-2"));
    assert_eq!(rows[0].attachment_count, 2);
    assert_eq!(rows[0].last_attached_at, Some(ago(20)));
    assert!(
        close(rows[0].waste_in_window_usd.unwrap(), 40.0 * 24.0 * 0.005),
        "idle only before the first association"
    );
}

#[test]
fn totals_count_and_cost_the_same_rows_and_keep_their_tags() {
    let mut idle = addr("eipalloc-09", "3.0.0.9");
    idle.tags = vec![("Name".into(), "old, \"bastion\"".into())];
    let mut used = addr("eipalloc-0a", "3.0.0.10");
    used.instance_id = Some("i-0a".into());
    let rows = analyse(&[idle, used], &[], &[], &covered(), &Settings::new(now()));
    let s = vpcwarden_eip::summary(&rows);
    assert_eq!((s.addresses, s.idle, s.flagged), (2, 1, 1));
    assert!(close(s.flagged_monthly_usd, 3.65));
    let t = vpcwarden_eip::totals(&rows);
    let acct = &t.by_account["123456789012"];
    assert_eq!((acct.addresses, acct.idle, acct.flagged), (2, 1, 1));
    assert!(close(acct.idle_monthly_usd, 3.65));
    assert_eq!(t.by_region["us-east-1"].addresses, 2);
    let idle = rows
        .iter()
        .find(|r| r.allocation_id.as_str() == "eipalloc-09")
        .unwrap();
    assert_eq!(idle.tags["Name"], "old, \"bastion\"");
}

#[test]
fn a_free_address_in_a_scope_the_trail_misses_days_of_is_unknown_not_idle() {
    let free = addr("eipalloc-0b", "3.0.0.11");
    let mut used = addr("eipalloc-0c", "3.0.0.12");
    used.instance_id = Some("i-0c".into());
    let s = Settings::new(now());
    let required = required_days(s.window_start, now());
    let mut c = Coverage::default();
    // Every day but one in the middle of the window.
    c.add_days("123456789012", "us-east-1", required[0], required[40]);
    c.add_days(
        "123456789012",
        "us-east-1",
        required[42],
        *required.last().unwrap(),
    );
    let gap = CoverageReport::new(&c, [("123456789012", "us-east-1")], &required);
    assert!(!gap.complete);
    let rows = analyse(&[free, used], &[], &[], &gap, &s);
    let free = rows
        .iter()
        .find(|r| r.allocation_id.as_str() == "eipalloc-0b")
        .unwrap();
    assert_eq!(free.status, Status::Unknown);
    assert_eq!(
        (free.idle_since, free.idle_since_basis),
        (None, SinceBasis::Unknown)
    );
    assert!(!free.flagged && free.waste_in_window_usd.is_none());
    assert!(
        free.note.as_deref().unwrap().contains("on 1 of 90 days"),
        "{:?}",
        free.note
    );
    let used = rows
        .iter()
        .find(|r| r.allocation_id.as_str() == "eipalloc-0c")
        .unwrap();
    assert_eq!(
        used.status,
        Status::InUse,
        "the snapshot says so, whatever the trail"
    );
    let sum = vpcwarden_eip::summary(&rows);
    assert_eq!((sum.idle, sum.unknown, sum.flagged), (0, 1, 0));
    assert!(
        gap.gap_lines()
            .iter()
            .any(|l| l.contains("123456789012/us-east-1: no CloudTrail files on 1 of 90 days")),
        "{:?}",
        gap.gap_lines()
    );
}

#[test]
fn money_is_in_cents_and_every_field_has_one_json_type() {
    let idle = addr("eipalloc-0d", "3.0.0.13");
    let mut used = addr("eipalloc-0e", "3.0.0.14");
    used.instance_id = Some("i-0e".into());
    let rows = analyse(&[idle, used], &[], &[], &covered(), &Settings::new(now()));
    let v: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    for r in &v {
        assert_eq!(r["monthly_cost_usd"], serde_json::json!(3.65));
        assert!(r["idle_since_basis"].is_string() && r["status"].is_string());
    }
    let idle = v.iter().find(|r| r["status"] == "idle").unwrap();
    assert_eq!(idle["waste_in_window_usd"], serde_json::json!(10.8));
    assert!(idle["idle_since"].is_string() && idle["attached_to"].is_null());
    let used = v.iter().find(|r| r["status"] == "in_use").unwrap();
    assert_eq!(used["waste_in_window_usd"], serde_json::json!(0.0));
    assert!(used["idle_since"].is_null() && used["attached_to"].is_string());
}
