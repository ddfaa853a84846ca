//! Cost per address, totals, the change since an earlier snapshot, and a
//! way out for each address where one applies.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_eip::money::ser_cents;
use vpcwarden_eip::{HOURS_PER_MONTH, PRICE_PER_HOUR_USD};

use crate::classify::{HolderKind, Kind, PublicAddress};

/// A concrete change that would remove an address, and what it saves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WayOut {
    /// What to do.
    pub action: String,
    /// What it saves a month (the address's cost).
    #[serde(serialize_with = "ser_cents")]
    pub saving_monthly_usd: f64,
    /// What must be true first that the data cannot see (traffic, clients);
    /// `None`: the address serves nothing.
    pub only_if: Option<String>,
}

/// One address with its cost and way out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressRow {
    /// The address.
    #[serde(flatten)]
    pub address: PublicAddress,
    /// What it costs a month (0 for BYOIP).
    #[serde(serialize_with = "ser_cents")]
    pub monthly_cost_usd: f64,
    /// Tagged to be kept (the exclusion tag, `vpcwarden:keep` by default): no way out offered.
    pub kept: bool,
    /// How it could go.
    pub way_out: Option<WayOut>,
}

/// Count and cost of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Total {
    /// Addresses.
    pub addresses: usize,
    /// Their monthly cost.
    #[serde(serialize_with = "ser_cents")]
    pub monthly_usd: f64,
    /// Savings of their ways out that need nothing confirmed.
    #[serde(serialize_with = "ser_cents")]
    pub certain_savings_monthly_usd: f64,
    /// Savings of their ways out that need a fact the data lacks confirmed.
    #[serde(serialize_with = "ser_cents")]
    pub possible_savings_monthly_usd: f64,
}

impl Total {
    fn add(&mut self, r: &AddressRow) {
        self.addresses += 1;
        self.monthly_usd += r.monthly_cost_usd;
        if let Some(w) = &r.way_out {
            match w.only_if {
                None => self.certain_savings_monthly_usd += w.saving_monthly_usd,
                Some(_) => self.possible_savings_monthly_usd += w.saving_monthly_usd,
            }
        }
    }
}

/// Totals per group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Everything.
    pub all: Total,
    /// Per kind.
    pub by_kind: BTreeMap<String, Total>,
    /// Per account.
    pub by_account: BTreeMap<String, Total>,
    /// Per region.
    pub by_region: BTreeMap<String, Total>,
    /// Per VPC (`(none)`: idle Elastic IPs).
    pub by_vpc: BTreeMap<String, Total>,
}

/// Then and now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// When the earlier snapshot was taken.
    pub since: Option<DateTime<Utc>>,
    /// Addresses then.
    pub addresses_then: usize,
    /// Monthly cost then.
    #[serde(serialize_with = "ser_cents")]
    pub monthly_usd_then: f64,
    /// Addresses now that were not there then.
    pub new: usize,
    /// Addresses then that are gone now.
    pub gone: usize,
    /// Per kind: addresses then.
    pub by_kind_then: BTreeMap<String, usize>,
}

/// The public-IPv4 report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv4Report {
    /// When the latest snapshot was taken.
    pub snapshot_time: Option<DateTime<Utc>>,
    /// Totals.
    pub totals: Totals,
    /// Since the earlier snapshot, when one was given.
    pub change: Option<Change>,
    /// What the data cannot tell.
    pub cannot_tell: Vec<&'static str>,
    /// Accounts and regions the snapshot could not read, with the reason (the
    /// caller fills it from the snapshot's coverage): the totals leave them out.
    pub not_read: Vec<String>,
    /// Every address, largest saving first, then by account, region and IP.
    pub addresses: Vec<AddressRow>,
}

/// What this report never sees, said in every rendering.
pub const CANNOT_TELL: [&str; 4] = [
    "traffic: whether anything on the internet connects to an address, or how much a NAT gateway carries (VPC Flow Logs and CloudWatch would tell)",
    "DNS: which names (Route 53 or elsewhere) point at an address; check before removing one",
    "addresses in accounts or regions the snapshot did not read (see the snapshot's region failures)",
    "prices other than $0.005 per hour per public IPv4 address (BYOIP addresses are not billed; AWS's free tier is not subtracted)",
];

const LINK_IN: &str = "reach it through EC2 Instance Connect Endpoint or Session Manager";
const LINK_OUT: &str =
    "reach out through a NAT gateway, or dual-stack with IPv6 and an egress-only internet gateway";

/// How a workload without a public address still pulls images and writes logs.
const EGRESS_FOR_IMAGES: &str = "reach out through a NAT gateway, or through VPC endpoints for ECR (ecr.api, ecr.dkr), S3 (gateway endpoint) and CloudWatch Logs when pulling images and writing logs is all it needs";

/// The EKS cluster an instance is a node of, from the tags EKS and its
/// node groups put on nodes.
fn eks_cluster(a: &PublicAddress) -> Option<&str> {
    a.tags.iter().find_map(|(k, v)| match k.as_str() {
        "eks:cluster-name" | "aws:eks:cluster-name" => Some(v.as_str()),
        _ => k.strip_prefix("kubernetes.io/cluster/"),
    })
}

fn way_out(
    a: &PublicAddress,
    cost: f64,
    nat_rank: &BTreeMap<String, (usize, usize)>,
) -> Option<WayOut> {
    let w = |action: String, only_if: Option<&str>| {
        Some(WayOut {
            action,
            saving_monthly_usd: cost,
            only_if: only_if.map(str::to_string),
        })
    };
    let id = a.holder.id.clone().unwrap_or_default();
    match (a.kind, a.holder.kind) {
        (Kind::Byoip, _) => None,
        (_, HolderKind::Nothing) => w(
            "release the Elastic IP: it is associated with nothing (the idle Elastic IP report says since when)".into(),
            None,
        ),
        (Kind::ElasticIp, HolderKind::Instance) if a.instance_state.as_deref() == Some("stopped") => w(
            format!("instance {id} is stopped: release the Elastic IP, or start using the instance"),
            None,
        ),
        (Kind::AutoAssigned, HolderKind::Instance) if eks_cluster(a).is_some() => w(
            format!(
                "EKS node {id} of cluster {}: run the node group in private subnets (or with auto-assign public IPv4 off) and {EGRESS_FOR_IMAGES} plus the EKS API; expose services through a load balancer",
                eks_cluster(a).unwrap_or_default()
            ),
            Some("nothing on the internet connects to the node directly"),
        ),
        (Kind::AutoAssigned, HolderKind::Instance) => {
            let first = match (a.subnet_auto_assign, &a.subnet_id) {
                (Some(true), Some(s)) => format!("turn off auto-assign public IPv4 on {s} and launch {id} again without a public IP"),
                _ => format!("launch {id} again without a public IP (AssociatePublicIpAddress=false)"),
            };
            w(format!("{first}; {LINK_IN}; {LINK_OUT}"), Some("nothing on the internet connects to the instance"))
        }
        (Kind::ElasticIp, HolderKind::Instance) => w(
            format!("release the Elastic IP of {id}: serve internal clients through an internal load balancer or PrivateLink; {LINK_IN}; {LINK_OUT}"),
            Some("only internal clients reach the instance"),
        ),
        (_, HolderKind::LoadBalancer) => w(
            format!("recreate load balancer {} with the internal scheme (or expose it through PrivateLink): an internet-facing one holds an address in each Availability Zone", if id.is_empty() { "(unnamed)" } else { &id }),
            Some("its clients are internal"),
        ),
        (_, HolderKind::NatGateway) => {
            let vpc = a.vpc_id.clone().unwrap_or_default();
            match nat_rank.get(&a.public_ip) {
                Some((gw_rank, gws)) if *gw_rank > 0 => w(
                    format!("{gws} NAT gateways in {vpc}: route the VPC through one (cross-AZ data charges apply, and one Availability Zone's outage cuts egress), removing {id} and its hourly charge; or dual-stack the VPC (IPv6 and an egress-only internet gateway) for IPv6-capable destinations"),
                    Some("the VPC's outbound traffic is low"),
                ),
                _ => None,
            }
        }
        (_, HolderKind::Interface) => w(
            format!("interface {id} has no instance: disassociate and release the Elastic IP"),
            Some("nothing uses the interface"),
        ),
        (_, HolderKind::EcsTask) => w(
            format!("ECS task (attachment {id}): run the service with assignPublicIp DISABLED in private subnets and {EGRESS_FOR_IMAGES}; put a load balancer in front for inbound traffic"),
            Some("nothing on the internet connects to the task directly"),
        ),
        (_, HolderKind::Redshift) => w(
            "modify the cluster with PubliclyAccessible=false (aws redshift modify-cluster --no-publicly-accessible): its public address goes".into(),
            Some("its clients are in the VPC or connected to it (VPN, Direct Connect, a Redshift-managed VPC endpoint)"),
        ),
        (_, HolderKind::Dms) => w(
            "create the replication instance again with PubliclyAccessible=false (DMS cannot change it on an existing instance) and move the tasks to it".into(),
            Some("its source and target endpoints are reachable from the VPC"),
        ),
        (_, HolderKind::AmazonMq) => w(
            format!("create broker {} again without public accessibility (Amazon MQ cannot change it on an existing broker)", if id.is_empty() { "(unnamed)" } else { &id }),
            Some("its clients are in the VPC or connected to it"),
        ),
        (_, HolderKind::WorkSpaces) => w(
            "turn off Internet access in the WorkSpaces directory (EnableInternetAccess=false) and route the desktops' subnets through a NAT gateway".into(),
            Some("enough desktops share the NAT gateway to pay for it (it has its own address and hourly charge)"),
        ),
        (_, HolderKind::TransferServer) => w(
            "make the Transfer Family server's VPC endpoint internal (no Elastic IPs) and reach it over VPN, Direct Connect or a load balancer you already pay for".into(),
            Some("its clients are internal or come through such a link"),
        ),
        (_, HolderKind::ClientVpn) => w(
            format!("associate Client VPN endpoint {} with fewer subnets: each associated subnet's interface holds a public address", if id.is_empty() { "(unnamed)" } else { &id }),
            Some("fewer Availability Zones carry the VPN's users well enough"),
        ),
        (_, HolderKind::Rds) => w(
            "set the database's PubliclyAccessible to false".into(),
            Some("its clients are in the VPC or connected to it"),
        ),
        _ => None,
    }
}

/// For each NAT gateway address: (rank of its gateway in its VPC, gateways in the VPC).
fn nat_ranks(addresses: &[PublicAddress]) -> BTreeMap<String, (usize, usize)> {
    let mut per_vpc: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in addresses
        .iter()
        .filter(|a| a.holder.kind == HolderKind::NatGateway)
    {
        let key = format!(
            "{}/{}/{}",
            a.account,
            a.region,
            a.vpc_id.clone().unwrap_or_default()
        );
        per_vpc
            .entry(key)
            .or_default()
            .push(a.holder.id.clone().unwrap_or_else(|| a.public_ip.clone()));
    }
    for v in per_vpc.values_mut() {
        v.sort();
        v.dedup();
    }
    addresses
        .iter()
        .filter(|a| a.holder.kind == HolderKind::NatGateway)
        .map(|a| {
            let key = format!(
                "{}/{}/{}",
                a.account,
                a.region,
                a.vpc_id.clone().unwrap_or_default()
            );
            let gws = &per_vpc[&key];
            let me = a.holder.id.clone().unwrap_or_else(|| a.public_ip.clone());
            let rank = gws.iter().position(|g| *g == me).unwrap_or(0);
            (a.public_ip.clone(), (rank, gws.len()))
        })
        .collect()
}

/// The report over `latest` (and the change since `earlier`, when given).
/// Addresses tagged `keep_tag` (on the Elastic IP or the interface) are kept
/// on purpose: costed and counted, never offered a way out.
pub fn report(
    latest: &[PublicAddress],
    earlier: Option<&[PublicAddress]>,
    keep_tag: &str,
) -> Ipv4Report {
    let price = PRICE_PER_HOUR_USD * HOURS_PER_MONTH;
    let ranks = nat_ranks(latest);
    let mut rows: Vec<AddressRow> = latest
        .iter()
        .map(|a| {
            let cost = if a.kind == Kind::Byoip { 0.0 } else { price };
            let kept = a.tags.iter().any(|(k, _)| k == keep_tag);
            AddressRow {
                way_out: if kept { None } else { way_out(a, cost, &ranks) },
                kept,
                monthly_cost_usd: cost,
                address: a.clone(),
            }
        })
        .collect();
    let saving = |r: &AddressRow| r.way_out.as_ref().map_or(0.0, |w| w.saving_monthly_usd);
    let certain = |r: &AddressRow| r.way_out.as_ref().is_some_and(|w| w.only_if.is_none());
    rows.sort_by(|a, b| {
        saving(b)
            .total_cmp(&saving(a))
            .then_with(|| certain(b).cmp(&certain(a)))
            .then_with(|| {
                (&a.address.account, &a.address.region, &a.address.public_ip).cmp(&(
                    &b.address.account,
                    &b.address.region,
                    &b.address.public_ip,
                ))
            })
    });
    let mut totals = Totals::default();
    for r in &rows {
        let a = &r.address;
        totals.all.add(r);
        totals
            .by_kind
            .entry(a.kind.as_str().into())
            .or_default()
            .add(r);
        totals
            .by_account
            .entry(a.account.clone())
            .or_default()
            .add(r);
        totals.by_region.entry(a.region.clone()).or_default().add(r);
        totals
            .by_vpc
            .entry(a.vpc_id.clone().unwrap_or_else(|| "(none)".into()))
            .or_default()
            .add(r);
    }
    let change = earlier.map(|then| {
        let now_ips: std::collections::BTreeSet<_> =
            latest.iter().map(|a| (&a.account, &a.public_ip)).collect();
        let then_ips: std::collections::BTreeSet<_> =
            then.iter().map(|a| (&a.account, &a.public_ip)).collect();
        let mut by_kind_then = BTreeMap::new();
        for a in then {
            *by_kind_then.entry(a.kind.as_str().to_string()).or_insert(0) += 1;
        }
        Change {
            since: then.iter().filter_map(|a| a.snapshot_time).min(),
            addresses_then: then.len(),
            monthly_usd_then: then.iter().filter(|a| a.kind != Kind::Byoip).count() as f64 * price,
            new: now_ips.difference(&then_ips).count(),
            gone: then_ips.difference(&now_ips).count(),
            by_kind_then,
        }
    });
    Ipv4Report {
        snapshot_time: latest.iter().filter_map(|a| a.snapshot_time).max(),
        totals,
        change,
        cannot_tell: CANNOT_TELL.to_vec(),
        not_read: Vec::new(),
        addresses: rows,
    }
}
