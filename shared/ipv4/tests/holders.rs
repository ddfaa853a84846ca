//! Every service that really carries public IPv4 addresses is named, with its
//! way out; an interface no rule knows says so, with its own description.
//! Input: fixtures/service-holders.json, hand-written in the documented
//! DescribeNetworkInterfaces shape (its `_comment` says where each
//! description comes from).

use std::collections::BTreeMap;

use vpcwarden_ipv4::{classify, parse_interfaces, report, HolderKind, Instance, Kind};

fn holders() -> vpcwarden_ipv4::Ipv4Report {
    let interfaces = parse_interfaces(include_str!("fixtures/service-holders.json")).unwrap();
    let mut instances = BTreeMap::new();
    instances.insert(
        "i-0bbb0000000000009".to_string(),
        Instance {
            state: Some("running".into()),
            tags: vec![("eks:cluster-name".into(), "payments".into())],
        },
    );
    let addresses = classify(
        "444455556666",
        "eu-west-1",
        &interfaces,
        &[],
        &[],
        &instances,
    );
    report(&addresses, None, "vpcwarden:keep")
}

#[test]
fn each_named_holder_comes_with_its_way_out() {
    let r = holders();
    let row = |ip: &str| {
        r.addresses
            .iter()
            .find(|a| a.address.public_ip == ip)
            .unwrap_or_else(|| panic!("{ip} missing"))
    };
    // (address, holder, words its way out must carry)
    let cases: [(&str, HolderKind, &[&str]); 9] = [
        (
            "34.240.10.1",
            HolderKind::EcsTask,
            &[
                "assignPublicIp DISABLED",
                "NAT gateway",
                "ecr.api",
                "ecr.dkr",
                "S3",
                "CloudWatch Logs",
            ],
        ),
        (
            "34.240.10.2",
            HolderKind::EcsTask,
            &["assignPublicIp DISABLED"],
        ),
        (
            "34.240.10.3",
            HolderKind::Redshift,
            &["PubliclyAccessible=false", "modify-cluster"],
        ),
        (
            "34.240.10.4",
            HolderKind::Dms,
            &["PubliclyAccessible=false", "cannot change it"],
        ),
        (
            "34.240.10.5",
            HolderKind::AmazonMq,
            &[
                "b-4d1f2e3a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
                "without public accessibility",
            ],
        ),
        (
            "34.240.10.6",
            HolderKind::WorkSpaces,
            &["EnableInternetAccess=false", "NAT gateway"],
        ),
        (
            "52.48.10.7",
            HolderKind::TransferServer,
            &["Transfer Family", "internal"],
        ),
        (
            "34.240.10.8",
            HolderKind::ClientVpn,
            &["cvpn-endpoint-0bbb00000000000008", "fewer subnets"],
        ),
        (
            "34.240.10.9",
            HolderKind::Instance,
            &["EKS node", "payments", "private subnets", "ecr.dkr"],
        ),
    ];
    for (ip, kind, words) in cases {
        let a = row(ip);
        assert_eq!(a.address.holder.kind, kind, "{ip}: {:?}", a.address.holder);
        let w = a
            .way_out
            .as_ref()
            .unwrap_or_else(|| panic!("{ip} ({kind:?}) has no way out"));
        for word in words {
            assert!(
                w.action.contains(word),
                "{ip}: {word:?} not in {:?}",
                w.action
            );
        }
        assert!(
            w.only_if.is_some(),
            "{ip}: each needs a fact the data lacks"
        );
        assert_eq!(w.saving_monthly_usd, 3.65, "{ip}");
    }
    // The ECS task is known by its attachment, and its address is AWS's.
    let ecs = row("34.240.10.1");
    assert_eq!(
        ecs.address.holder.id.as_deref(),
        Some("3f1c2a9e-7b4d-4c1e-9a55-0d2f6b8e1c42")
    );
    assert_eq!(ecs.address.kind, Kind::ServiceManaged);
    assert_eq!(row("52.48.10.7").address.kind, Kind::ElasticIp);
}

#[test]
fn an_unknown_service_is_named_unrecognised_with_its_description_and_no_way_out() {
    let r = holders();
    let a = r
        .addresses
        .iter()
        .find(|a| a.address.public_ip == "34.240.10.10")
        .unwrap();
    assert_eq!(a.address.holder.kind, HolderKind::OtherService);
    assert_eq!(
        a.address.holder.label(),
        "unrecognised service (\"Interface for a service vpcwarden has never seen\")"
    );
    assert!(a.way_out.is_none(), "no advice for what is not known");
    assert_eq!(a.monthly_cost_usd, 3.65, "still costed");
}

#[test]
fn each_holder_is_spelled_in_json_as_in_csv() {
    for a in holders().addresses {
        let kind = a.address.holder.kind;
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            kind.as_str(),
            "{kind:?}"
        );
    }
}

#[test]
fn an_elastic_ip_on_an_unseen_interface_keeps_the_holder_the_snapshot_names() {
    let eip = |n: u32, held_by: Option<&str>| -> vpcwarden_eip::SnapshotAddress {
        serde_json::from_value(serde_json::json!({
            "allocation_id": format!("eipalloc-0c0000000000000{n}"),
            "public_ip": format!("18.100.0.{n}"),
            "region": "eu-west-1",
            "account": "444455556666",
            "association_id": format!("eipassoc-0c0000000000000{n}"),
            "instance_id": null,
            "network_interface_id": format!("eni-0c0000000000000{n}"),
            "network_interface_owner_id": "amazon",
            "public_ipv4_pool": "amazon",
            "tags": [],
            "held_by": held_by,
        }))
        .unwrap()
    };
    let list = classify(
        "444455556666",
        "eu-west-1",
        &[],
        &[
            eip(1, Some("nat-0c00000000000001")),
            eip(2, Some("net/ingress/50dc6c495c0c9188")),
            eip(3, None),
        ],
        &[],
        &BTreeMap::new(),
    );
    let kind = |ip: &str| {
        let a = list.iter().find(|a| a.public_ip == ip).unwrap();
        (a.holder.kind, a.holder.id.clone().unwrap())
    };
    assert_eq!(
        kind("18.100.0.1"),
        (HolderKind::NatGateway, "nat-0c00000000000001".into())
    );
    assert_eq!(
        kind("18.100.0.2"),
        (
            HolderKind::LoadBalancer,
            "net/ingress/50dc6c495c0c9188".into()
        )
    );
    assert_eq!(
        kind("18.100.0.3"),
        (HolderKind::Interface, "eni-0c00000000000003".into())
    );
}
