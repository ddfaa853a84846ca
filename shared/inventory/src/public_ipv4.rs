//! Every public IPv4 address, not only Elastic IPs: each region's network
//! interfaces and subnets, joined with the Elastic IPs the inventory read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use vpcwarden_ipv4::{
    classify, holder_of, HolderKind, Instance, NetworkInterface, PublicAddress, Subnet,
};

use crate::{AwsError, Fut, Inventory, REGION_CONCURRENCY};

/// One region's interfaces, subnets, and the instances holding public addresses.
type RegionRead = (
    Vec<NetworkInterface>,
    Vec<Subnet>,
    BTreeMap<String, Instance>,
);

/// The two EC2 reads behind the public-IPv4 snapshot (moto, a mock, or AWS).
pub trait InterfaceSource: Send + Sync {
    /// Every network interface in `region` (the documented shape).
    fn interfaces<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<NetworkInterface>>;
    /// Every subnet in `region` with its auto-assign setting.
    fn subnets<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<Subnet>>;
    /// State and tags of the instances `ids` (those holding public addresses).
    fn instances<'a>(
        &'a self,
        region: &'a str,
        ids: Vec<String>,
    ) -> Fut<'a, BTreeMap<String, Instance>>;
}

/// Every public IPv4 address of the regions the inventory read.
#[derive(Debug, Clone, Default)]
pub struct PublicIpv4 {
    /// Addresses, by region then IP.
    pub addresses: Vec<PublicAddress>,
    /// Regions whose interfaces could not be read (region, reason): their
    /// addresses are missing, and the report says so.
    pub region_failures: Vec<(String, String)>,
}

/// Reads interfaces, subnets and instance tags of every region `inv` read and classifies
/// each public address; a failed region is reported, the others kept.
pub async fn take_public_ipv4(
    source: &dyn InterfaceSource,
    inv: &Inventory,
    now: DateTime<Utc>,
) -> PublicIpv4 {
    let results: Vec<(String, Result<RegionRead, AwsError>)> =
        stream::iter(inv.regions_read.clone())
            .map(|r| async move {
                let got = async {
                    let interfaces = source.interfaces(&r).await?;
                    // The instances behind public addresses: their state and tags.
                    let holders: Vec<String> = interfaces
                        .iter()
                        .filter(|ni| !ni.public_addresses().is_empty())
                        .map(holder_of)
                        .filter(|h| h.kind == HolderKind::Instance)
                        .filter_map(|h| h.id)
                        .collect();
                    let instances = source.instances(&r, holders).await?;
                    Ok((interfaces, source.subnets(&r).await?, instances))
                }
                .await;
                (r, got)
            })
            .buffer_unordered(REGION_CONCURRENCY)
            .collect()
            .await;
    let mut out = PublicIpv4::default();
    for (region, got) in results {
        match got {
            Ok((interfaces, subnets, mut instances)) => {
                let eips: Vec<_> = inv
                    .addresses
                    .iter()
                    .filter(|a| a.region == region)
                    .cloned()
                    .collect();
                // The Elastic IP snapshot's states of their instances, where DescribeInstances said none.
                for a in &eips {
                    if let (Some(i), Some(state)) = (&a.instance_id, &a.instance_state) {
                        let e = instances.entry(i.clone()).or_default();
                        e.state.get_or_insert_with(|| state.clone());
                    }
                }
                out.addresses.extend(
                    classify(
                        &inv.account,
                        &region,
                        &interfaces,
                        &eips,
                        &subnets,
                        &instances,
                    )
                    .into_iter()
                    .map(|mut a| {
                        a.snapshot_time = Some(now);
                        a
                    }),
                );
            }
            Err(e) => {
                tracing::warn!(region = %region, error = %e, "public IPv4 addresses not read");
                out.region_failures.push((region, e.to_string()));
            }
        }
    }
    out.addresses
        .sort_by(|a, b| (&a.region, &a.public_ip).cmp(&(&b.region, &b.public_ip)));
    out.region_failures.sort();
    out
}
