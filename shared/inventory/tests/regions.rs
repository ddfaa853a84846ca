//! A region that fails (an SCP denying it, retries exhausted) is reported and
//! the others are still recorded. moto cannot deny one region, so the
//! `AddressSource` here is a hand-written fake; the SDK adapter itself runs
//! against moto in tests/tests/eip_functions.rs.

use std::future::Future;
use std::pin::Pin;

use chrono::{TimeZone, Utc};
use vpcwarden_eip::{AllocationId, SnapshotAddress};
use vpcwarden_inventory::{take, AddressSource, AwsError};

struct Fake;

fn address(id: &str) -> SnapshotAddress {
    SnapshotAddress {
        allocation_id: AllocationId::parse(id).unwrap(),
        public_ip: "203.0.113.9".into(),
        region: String::new(),
        account: String::new(),
        association_id: None,
        instance_id: None,
        network_interface_id: None,
        network_interface_owner_id: None,
        public_ipv4_pool: Some("amazon".into()),
        tags: vec![],
        private_ip: None,
        domain: Some("vpc".into()),
        network_border_group: None,
        snapshot_time: None,
        held_by: None,
        instance_state: None,
        instance_state_since: None,
    }
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'a>>;

impl AddressSource for Fake {
    fn regions(&self) -> Fut<'_, Vec<String>> {
        Box::pin(async {
            Ok(vec![
                "us-east-1".into(),
                "me-south-1".into(),
                "eu-west-1".into(),
            ])
        })
    }

    fn addresses<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<SnapshotAddress>> {
        Box::pin(async move {
            match region {
                "me-south-1" => Err(AwsError {
                    operation: "DescribeAddresses",
                    code: "UnauthorizedOperation".into(),
                    message: "explicit deny in a service control policy".into(),
                    retryable: false,
                    request_id: None,
                }),
                "us-east-1" => Ok(vec![address("eipalloc-0b"), address("eipalloc-0a")]),
                _ => Ok(vec![address("eipalloc-0c")]),
            }
        })
    }
}

#[test]
fn a_failing_region_is_reported_and_the_others_recorded() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let inv = rt.block_on(take(&Fake, "111122223333", None, now)).unwrap();
    assert_eq!(inv.regions_read, ["eu-west-1", "us-east-1"]);
    assert_eq!(inv.region_failures.len(), 1);
    assert_eq!(inv.region_failures[0].0, "me-south-1");
    assert!(inv.region_failures[0].1.contains("UnauthorizedOperation"));
    assert!(inv.region_failures[0].1.contains("service control policy"));
    let ids: Vec<(&str, &str)> = inv
        .addresses
        .iter()
        .map(|a| (a.region.as_str(), a.allocation_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("eu-west-1", "eipalloc-0c"),
            ("us-east-1", "eipalloc-0a"),
            ("us-east-1", "eipalloc-0b")
        ]
    );
    assert!(inv
        .addresses
        .iter()
        .all(|a| a.account == "111122223333" && a.snapshot_time == Some(now)));
    let jsonl = inv.to_jsonl();
    let back: Vec<SnapshotAddress> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        back, inv.addresses,
        "one JSON line per address, read back as written"
    );

    // Only some regions, when asked.
    let only = ["eu-west-1".to_string()];
    let inv = rt
        .block_on(take(&Fake, "111122223333", Some(&only), now))
        .unwrap();
    assert_eq!((inv.regions_read.len(), inv.addresses.len()), (1, 1));
}

impl vpcwarden_inventory::InterfaceSource for Fake {
    fn interfaces<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<vpcwarden_ipv4::NetworkInterface>> {
        Box::pin(async move {
            match region {
                "eu-west-1" => Err(AwsError {
                    operation: "DescribeNetworkInterfaces",
                    code: "RequestLimitExceeded".into(),
                    message: "retries exhausted".into(),
                    retryable: true,
                    request_id: None,
                }),
                _ => Ok(vec![]),
            }
        })
    }

    fn subnets<'a>(&'a self, _region: &'a str) -> Fut<'a, Vec<vpcwarden_ipv4::Subnet>> {
        Box::pin(async { Ok(vec![]) })
    }

    fn instances<'a>(
        &'a self,
        _region: &'a str,
        _ids: Vec<String>,
    ) -> Fut<'a, std::collections::BTreeMap<String, vpcwarden_ipv4::Instance>> {
        Box::pin(async { Ok(Default::default()) })
    }
}

#[test]
fn a_region_whose_interfaces_fail_is_reported_and_the_others_kept() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let inv = rt.block_on(take(&Fake, "111122223333", None, now)).unwrap();
    let p = rt.block_on(vpcwarden_inventory::take_public_ipv4(&Fake, &inv, now));
    assert_eq!(p.region_failures.len(), 1);
    assert_eq!(p.region_failures[0].0, "eu-west-1");
    assert!(p.region_failures[0].1.contains("RequestLimitExceeded"));
    // us-east-1's two idle Elastic IPs are there (same IP in the fake: one line per IP).
    assert!(p.addresses.iter().all(|a| a.region == "us-east-1"));
    assert!(!p.addresses.is_empty());
    assert!(p.addresses.iter().all(|a| a.snapshot_time == Some(now)));
}
