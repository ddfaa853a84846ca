//! The public-IPv4 report over a hand-written DescribeNetworkInterfaces
//! fixture (fixtures/describe-network-interfaces.json: holders moto does not
//! model — NAT gateways, load balancers, RDS — in the documented shape) and a
//! hand-written Elastic IP snapshot. Expected figures are worked out by hand:
//! 11 addresses, 10 billed at $3.65 a month.

use std::collections::BTreeMap;

use vpcwarden_eip::SnapshotAddress;
use vpcwarden_ipv4::{
    classify, parse_interfaces, report, HolderKind, Instance, Kind, PublicAddress, Subnet,
};

const ACCOUNT: &str = "111122223333";

fn eip(n: u32, ip: &str, pool: &str, eni: Option<&str>, instance: Option<&str>) -> SnapshotAddress {
    serde_json::from_value(serde_json::json!({
        "allocation_id": format!("eipalloc-0a00000000000000{n}"),
        "public_ip": ip,
        "region": "us-east-1",
        "account": ACCOUNT,
        "association_id": null,
        "instance_id": instance,
        "network_interface_id": eni,
        "network_interface_owner_id": null,
        "public_ipv4_pool": pool,
        "tags": [["Name", format!("eip-{n}")]],
        "private_ip": null,
        "domain": "vpc",
        "network_border_group": "us-east-1",
        "snapshot_time": "2026-11-30T06:00:00Z"
    }))
    .unwrap()
}

fn addresses() -> Vec<PublicAddress> {
    let interfaces =
        parse_interfaces(include_str!("fixtures/describe-network-interfaces.json")).unwrap();
    let eips = vec![
        eip(
            1,
            "54.10.0.1",
            "amazon",
            Some("eni-0a000000000000002"),
            Some("i-0aaa00000000000a2"),
        ),
        eip(
            2,
            "54.10.0.2",
            "amazon",
            Some("eni-0a000000000000002"),
            Some("i-0aaa00000000000a2"),
        ),
        eip(
            3,
            "54.10.0.3",
            "amazon",
            Some("eni-0a000000000000003"),
            None,
        ),
        eip(
            4,
            "54.10.0.4",
            "amazon",
            Some("eni-0a000000000000004"),
            None,
        ),
        eip(
            5,
            "54.10.0.5",
            "amazon",
            Some("eni-0a000000000000008"),
            None,
        ),
        eip(
            6,
            "198.51.100.7",
            "ipv4pool-ec2-0123456789abcdef0",
            Some("eni-0a00000000000000a"),
            Some("i-0aaa00000000000a3"),
        ),
        eip(9, "54.10.0.9", "amazon", None, None),
    ];
    let subnets = vec![
        Subnet {
            subnet_id: "subnet-0aaa0000000000001".into(),
            map_public_ip_on_launch: true,
        },
        Subnet {
            subnet_id: "subnet-0aaa0000000000002".into(),
            map_public_ip_on_launch: false,
        },
    ];
    let instances = BTreeMap::from([(
        "i-0aaa00000000000a2".to_string(),
        Instance {
            state: Some("running".into()),
            tags: vec![("team".into(), "web".into())],
        },
    )]);
    classify(
        ACCOUNT,
        "us-east-1",
        &interfaces,
        &eips,
        &subnets,
        &instances,
    )
}

fn by_ip(list: &[PublicAddress]) -> BTreeMap<&str, &PublicAddress> {
    list.iter().map(|a| (a.public_ip.as_str(), a)).collect()
}

#[test]
fn every_public_address_has_its_kind_and_holder() {
    let list = addresses();
    let a = by_ip(&list);
    assert_eq!(list.len(), 11, "{:?}", a.keys());
    let check = |ip: &str, kind: Kind, holder: HolderKind, id: Option<&str>| {
        let x = a[ip];
        assert_eq!(
            (x.kind, x.holder.kind, x.holder.id.as_deref()),
            (kind, holder, id),
            "{ip}"
        );
    };
    check(
        "3.80.0.1",
        Kind::AutoAssigned,
        HolderKind::Instance,
        Some("i-0aaa00000000000a1"),
    );
    check(
        "54.10.0.1",
        Kind::ElasticIp,
        HolderKind::Instance,
        Some("i-0aaa00000000000a2"),
    );
    check(
        "54.10.0.2",
        Kind::ElasticIp,
        HolderKind::Instance,
        Some("i-0aaa00000000000a2"),
    );
    check(
        "54.10.0.3",
        Kind::ElasticIp,
        HolderKind::NatGateway,
        Some("nat-0aaa0000000000001"),
    );
    check(
        "54.10.0.4",
        Kind::ElasticIp,
        HolderKind::NatGateway,
        Some("nat-0aaa0000000000002"),
    );
    check(
        "44.200.0.5",
        Kind::ServiceManaged,
        HolderKind::LoadBalancer,
        Some("net/ingress/50dc6c495c0c9188"),
    );
    check(
        "44.200.0.6",
        Kind::ServiceManaged,
        HolderKind::LoadBalancer,
        Some("app/api/2a3b4c5d6e7f8a9b"),
    );
    check("44.200.0.7", Kind::ServiceManaged, HolderKind::Rds, None);
    check(
        "54.10.0.5",
        Kind::ElasticIp,
        HolderKind::Interface,
        Some("eni-0a000000000000008"),
    );
    check(
        "198.51.100.7",
        Kind::Byoip,
        HolderKind::Instance,
        Some("i-0aaa00000000000a3"),
    );
    check("54.10.0.9", Kind::ElasticIp, HolderKind::Nothing, None);
    assert_eq!(a["3.80.0.1"].subnet_auto_assign, Some(true));
    assert!(a["54.10.0.1"].has_ipv6 && !a["3.80.0.1"].has_ipv6);
    assert_eq!(a["54.10.0.1"].instance_state.as_deref(), Some("running"));
    assert!(
        a["54.10.0.1"]
            .tags
            .contains(&("team".to_string(), "web".to_string())),
        "the instance's tags: {:?}",
        a["54.10.0.1"].tags
    );
    assert_eq!(
        a["54.10.0.5"].tags,
        [
            ("Name".to_string(), "eip-5".to_string()),
            ("team".into(), "payments".into())
        ],
        "the interface's tags and the Elastic IP's"
    );
}

#[test]
fn costs_totals_and_ways_out() {
    let r = report(&addresses(), None, "vpcwarden:keep");
    let t = &r.totals.all;
    assert_eq!(t.addresses, 11);
    assert!(
        (t.monthly_usd - 10.0 * 3.65).abs() < 1e-9,
        "BYOIP is not billed: {}",
        t.monthly_usd
    );
    assert!(
        (t.certain_savings_monthly_usd - 3.65).abs() < 1e-9,
        "the idle Elastic IP"
    );
    assert!(
        (t.possible_savings_monthly_usd - 8.0 * 3.65).abs() < 1e-9,
        "{}",
        t.possible_savings_monthly_usd
    );
    assert_eq!(r.totals.by_kind["elastic_ip"].addresses, 6);
    assert_eq!(r.totals.by_kind["service_managed"].addresses, 3);
    assert_eq!(r.totals.by_kind["byoip"].monthly_usd, 0.0);
    assert_eq!(r.totals.by_vpc["vpc-0aaa0000000000001"].addresses, 7);
    assert_eq!(r.totals.by_vpc["(none)"].addresses, 1);

    let row = |ip: &str| {
        r.addresses
            .iter()
            .find(|a| a.address.public_ip == ip)
            .unwrap()
    };
    // The largest saving that needs nothing confirmed comes first.
    assert_eq!(r.addresses[0].address.public_ip, "54.10.0.9");
    assert_eq!(r.addresses[0].way_out.as_ref().unwrap().only_if, None);
    let auto = row("3.80.0.1").way_out.clone().unwrap();
    assert!(
        auto.action
            .contains("turn off auto-assign public IPv4 on subnet-0aaa0000000000001"),
        "{}",
        auto.action
    );
    assert!(
        auto.action.contains("EC2 Instance Connect Endpoint")
            && auto.action.contains("egress-only")
    );
    assert!(auto.only_if.is_some(), "traffic is not in the data");
    // Two NAT gateways in one VPC: the second one's address could go, the first stays.
    assert!(row("54.10.0.3").way_out.is_none());
    assert!(row("54.10.0.4")
        .way_out
        .as_ref()
        .unwrap()
        .action
        .contains("2 NAT gateways in vpc-0aaa0000000000001"));
    assert!(row("44.200.0.6")
        .way_out
        .as_ref()
        .unwrap()
        .action
        .contains("internal scheme"));
    assert!(row("198.51.100.7").way_out.is_none(), "BYOIP costs nothing");
}

#[test]
fn the_change_since_an_earlier_snapshot_counts_new_and_gone() {
    let mut then = addresses();
    then.retain(|a| a.public_ip != "54.10.0.4");
    // A billed address that went (then[0] is the BYOIP one: it costs nothing).
    let mut old = then[1].clone();
    old.public_ip = "3.90.0.9".into();
    then.push(old);
    let r = report(&addresses(), Some(&then), "vpcwarden:keep");
    let t = &r.totals.all;
    let cents = vpcwarden_eip::money::cents;
    assert_eq!((t.addresses, cents(t.monthly_usd)), (11, 36.5));
    assert_eq!(
        (
            cents(t.certain_savings_monthly_usd),
            cents(t.possible_savings_monthly_usd)
        ),
        (3.65, 29.2)
    );
    let c = r.change.as_ref().unwrap();
    assert_eq!(
        (c.addresses_then, cents(c.monthly_usd_then), c.new, c.gone),
        (11, 36.5, 1, 1)
    );
    // Largest saving first: the idle Elastic IP before an instance's address.
    let pos = |ip: &str| {
        r.addresses
            .iter()
            .position(|a| a.address.public_ip == ip)
            .unwrap()
    };
    assert!(pos("54.10.0.9") < pos("3.80.0.1"));
    assert!(r.cannot_tell.iter().any(|c| c.contains("DNS: which names")));
}

#[test]
fn an_address_tagged_to_keep_is_costed_but_never_offered_a_way_out() {
    let mut list = addresses();
    for a in list.iter_mut().filter(|a| a.public_ip == "54.10.0.9") {
        a.tags
            .push(("vpcwarden:keep".into(), "disaster recovery".into()));
    }
    let r = report(&list, None, "vpcwarden:keep");
    let row = r
        .addresses
        .iter()
        .find(|a| a.address.public_ip == "54.10.0.9")
        .unwrap();
    assert!(row.kept && row.way_out.is_none());
    assert_eq!(r.totals.all.certain_savings_monthly_usd, 0.0);
    assert!(
        (r.totals.all.monthly_usd - 10.0 * 3.65).abs() < 1e-9,
        "still paid for"
    );
}
