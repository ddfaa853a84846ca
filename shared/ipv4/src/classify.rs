//! Interfaces + Elastic IPs + subnets → one row per public IPv4 address.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vpcwarden_eip::SnapshotAddress;

use crate::interface::NetworkInterface;

/// What kind of public address it is (what decides how it can go).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An Elastic IP from Amazon's pool (allocated, kept until released).
    ElasticIp,
    /// Assigned to an instance at launch (subnet auto-assign or the launch
    /// request); it goes with the instance.
    AutoAssigned,
    /// Assigned by an AWS service to an interface it manages (load balancers,
    /// RDS, Global Accelerator, …); it goes with the service's resource.
    ServiceManaged,
    /// An Elastic IP from your own address range (BYOIP): not billed.
    Byoip,
}

impl Kind {
    /// As written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ElasticIp => "elastic_ip",
            Kind::AutoAssigned => "auto_assigned",
            Kind::ServiceManaged => "service_managed",
            Kind::Byoip => "byoip",
        }
    }
}

/// What holds an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// An EC2 instance.
    Instance,
    /// A NAT gateway.
    NatGateway,
    /// An Elastic Load Balancing load balancer (application, network, classic).
    LoadBalancer,
    /// An interface VPC endpoint or Gateway Load Balancer endpoint.
    VpcEndpoint,
    /// A Lambda function's VPC interface.
    Lambda,
    /// An RDS database instance (publicly accessible).
    Rds,
    /// An AWS Global Accelerator.
    GlobalAccelerator,
    /// An Amazon ECS task (awsvpc network mode, Fargate or EC2) with a public
    /// IP: description `arn:aws:ecs:<region>:<account>:attachment/<id>`.
    EcsTask,
    /// An Amazon Redshift cluster that is publicly accessible
    /// (`RedshiftNetworkInterface`).
    Redshift,
    /// An AWS DMS replication instance that is publicly accessible
    /// (`DMSNetworkInterface`).
    Dms,
    /// An Amazon MQ broker that is publicly accessible
    /// (`Amazon MQ network interface for broker b-…`).
    AmazonMq,
    /// An Amazon WorkSpaces desktop in a directory with internet access
    /// (`Created By Amazon Workspaces for AWS Account ID …`).
    #[serde(rename = "workspaces")]
    WorkSpaces,
    /// An internet-facing AWS Transfer Family server: its VPC endpoint's
    /// interfaces carry the Elastic IPs (no other interface endpoint takes a
    /// public IPv4 address).
    TransferServer,
    /// An AWS Client VPN endpoint's interface in an associated subnet
    /// (its description names the `cvpn-endpoint-…`).
    ClientVpn,
    /// Another AWS service's interface that vpcwarden does not recognise: the
    /// id is the interface's description (else its type or requester).
    OtherService,
    /// An interface of your own with no instance attached.
    Interface,
    /// Nothing: an Elastic IP not associated with anything (idle).
    Nothing,
}

/// The holder, with its id when the data names one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Holder {
    /// What kind of thing.
    #[serde(rename = "type")]
    pub kind: HolderKind,
    /// Instance id, `nat-…`, `app/<name>/<id>`, `vpce-…`, the interface id, …
    pub id: Option<String>,
}

impl HolderKind {
    /// As written in reports (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Instance => "instance",
            HolderKind::NatGateway => "nat_gateway",
            HolderKind::LoadBalancer => "load_balancer",
            HolderKind::VpcEndpoint => "vpc_endpoint",
            HolderKind::Lambda => "lambda",
            HolderKind::Rds => "rds",
            HolderKind::GlobalAccelerator => "global_accelerator",
            HolderKind::EcsTask => "ecs_task",
            HolderKind::Redshift => "redshift",
            HolderKind::Dms => "dms",
            HolderKind::AmazonMq => "amazon_mq",
            HolderKind::WorkSpaces => "workspaces",
            HolderKind::TransferServer => "transfer_server",
            HolderKind::ClientVpn => "client_vpn",
            HolderKind::OtherService => "other_service",
            HolderKind::Interface => "interface",
            HolderKind::Nothing => "nothing",
        }
    }
}

impl Holder {
    /// "instance i-…", "NAT gateway nat-…", "nothing (idle Elastic IP)".
    pub fn label(&self) -> String {
        let what = match self.kind {
            HolderKind::Instance => "instance",
            HolderKind::NatGateway => "NAT gateway",
            HolderKind::LoadBalancer => "load balancer",
            HolderKind::VpcEndpoint => "VPC endpoint",
            HolderKind::Lambda => "Lambda",
            HolderKind::Rds => "RDS",
            HolderKind::GlobalAccelerator => "Global Accelerator",
            HolderKind::EcsTask => "ECS task",
            HolderKind::Redshift => "Redshift cluster",
            HolderKind::Dms => "DMS replication instance",
            HolderKind::AmazonMq => "Amazon MQ broker",
            HolderKind::WorkSpaces => "WorkSpaces desktop",
            HolderKind::TransferServer => "Transfer Family server endpoint",
            HolderKind::ClientVpn => "Client VPN endpoint",
            HolderKind::OtherService => "unrecognised service",
            HolderKind::Interface => "network interface",
            HolderKind::Nothing => return "nothing (idle Elastic IP)".into(),
        };
        match (&self.id, self.kind) {
            // The description is free text: quoted, so it reads as the service's own words.
            (Some(id), HolderKind::OtherService) => format!("{what} (\"{id}\")"),
            (Some(id), _) => format!("{what} {id}"),
            (None, _) => what.into(),
        }
    }
}

/// A subnet's public-IP setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-…`.
    pub subnet_id: String,
    /// `MapPublicIpOnLaunch`: instances launched here get a public IPv4 address.
    pub map_public_ip_on_launch: bool,
}

/// What the snapshot knows of an instance holding a public address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `running`, `stopped`, …
    pub state: Option<String>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

/// One public IPv4 address (one line of a public-IPv4 snapshot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicAddress {
    /// The address.
    pub public_ip: String,
    /// Account that pays for it.
    pub account: String,
    /// Region.
    pub region: String,
    /// Elastic IP, auto-assigned, service-managed or BYOIP.
    pub kind: Kind,
    /// What holds it.
    pub holder: Holder,
    /// The interface it is on (none for an idle Elastic IP).
    #[serde(default)]
    pub network_interface_id: Option<String>,
    /// The interface's type.
    #[serde(default)]
    pub interface_type: Option<String>,
    /// The interface's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Elastic IP allocation.
    #[serde(default)]
    pub allocation_id: Option<String>,
    /// `IpOwnerId` of the association.
    #[serde(default)]
    pub ip_owner_id: Option<String>,
    /// The Elastic IP's pool (`amazon`, or `ipv4pool-ec2-…` for BYOIP).
    #[serde(default)]
    pub public_ipv4_pool: Option<String>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Availability Zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// The subnet auto-assigns public IPv4 addresses at launch (None: not read).
    #[serde(default)]
    pub subnet_auto_assign: Option<bool>,
    /// The interface has IPv6 addresses (dual stack already).
    #[serde(default)]
    pub has_ipv6: bool,
    /// Tags of the holder: the instance's, the interface's and the Elastic IP's.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// An instance holder's state (`running`, `stopped`), when known.
    #[serde(default)]
    pub instance_state: Option<String>,
    /// When it was recorded.
    #[serde(default)]
    pub snapshot_time: Option<DateTime<Utc>>,
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Who holds an interface, from its type, description, requester and attachment.
pub fn holder_of(ni: &NetworkInterface) -> Holder {
    let kind_type = ni.interface_type.as_deref().unwrap_or("interface");
    let desc = ni.description.as_deref().unwrap_or_default();
    let managed = ni.requester_managed == Some(true);
    let requester = ni.requester_id.as_deref().unwrap_or_default();
    let h = |kind, id: Option<String>| Holder { kind, id };
    let word_after = |prefix: &str| {
        non_empty(desc.strip_prefix(prefix))
            .map(|s| s.split_whitespace().next().unwrap_or_default().to_string())
    };
    if matches!(kind_type, "nat_gateway" | "natGateway")
        || desc.starts_with("Interface for NAT Gateway ")
    {
        return h(
            HolderKind::NatGateway,
            word_after("Interface for NAT Gateway "),
        );
    }
    if let Some(lb) = desc.strip_prefix("ELB ") {
        return h(HolderKind::LoadBalancer, non_empty(Some(lb)));
    }
    if matches!(
        kind_type,
        "load_balancer" | "network_load_balancer" | "gateway_load_balancer"
    ) || requester == "amazon-elb"
    {
        return h(HolderKind::LoadBalancer, None);
    }
    if matches!(kind_type, "vpc_endpoint" | "gateway_load_balancer_endpoint")
        || desc.starts_with("VPC Endpoint Interface ")
    {
        return h(
            HolderKind::VpcEndpoint,
            word_after("VPC Endpoint Interface "),
        );
    }
    if kind_type == "lambda" || desc.starts_with("AWS Lambda VPC ENI") {
        return h(
            HolderKind::Lambda,
            non_empty(desc.strip_prefix("AWS Lambda VPC ENI-")),
        );
    }
    if let Some(rest) = desc.strip_prefix("arn:aws:ecs:") {
        // `<region>:<account>:attachment/<id>`: the attachment names the task's interface.
        let id = rest
            .rsplit_once(":attachment/")
            .map(|(_, id)| id.to_string());
        return h(HolderKind::EcsTask, id);
    }
    if desc == "RedshiftNetworkInterface" {
        return h(HolderKind::Redshift, None);
    }
    if desc == "DMSNetworkInterface" {
        return h(HolderKind::Dms, None);
    }
    if desc.starts_with("Amazon MQ network interface for broker ") {
        return h(
            HolderKind::AmazonMq,
            word_after("Amazon MQ network interface for broker "),
        );
    }
    if desc
        .to_ascii_lowercase()
        .starts_with("created by amazon workspaces")
    {
        return h(HolderKind::WorkSpaces, None);
    }
    if let Some(at) = desc.find("cvpn-endpoint-") {
        let id = desc[at..].split_whitespace().next().map(str::to_string);
        return h(HolderKind::ClientVpn, id);
    }
    if desc == "RDSNetworkInterface" || requester == "amazon-rds" {
        return h(HolderKind::Rds, None);
    }
    if kind_type == "global_accelerator_managed" {
        return h(HolderKind::GlobalAccelerator, None);
    }
    let instance = ni
        .attachment
        .as_ref()
        .and_then(|a| non_empty(a.instance_id.as_deref()));
    if let (Some(i), false) = (&instance, managed) {
        return h(HolderKind::Instance, Some(i.clone()));
    }
    if managed || kind_type != "interface" {
        // Unrecognised: say what the interface says of itself.
        let what = non_empty(Some(desc))
            .or(non_empty(ni.interface_type.as_deref()).filter(|t| t != "interface"))
            .or(non_empty(Some(requester)));
        return h(HolderKind::OtherService, what);
    }
    h(HolderKind::Interface, Some(ni.network_interface_id.clone()))
}

/// Every public IPv4 address of one account and region: each public IP on
/// `interfaces` (Elastic IPs among them joined with `eips` for pool and
/// tags), then every Elastic IP of `eips` on no interface (idle). Sorted by IP.
pub fn classify(
    account: &str,
    region: &str,
    interfaces: &[NetworkInterface],
    eips: &[SnapshotAddress],
    subnets: &[Subnet],
    instances: &BTreeMap<String, Instance>,
) -> Vec<PublicAddress> {
    let eip_by_ip: BTreeMap<&str, &SnapshotAddress> =
        eips.iter().map(|e| (e.public_ip.as_str(), e)).collect();
    let auto: BTreeMap<&str, bool> = subnets
        .iter()
        .map(|s| (s.subnet_id.as_str(), s.map_public_ip_on_launch))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for ni in interfaces {
        let mut holder = holder_of(ni);
        if holder.kind == HolderKind::VpcEndpoint {
            // Interface endpoints get no public IPv4 address; the endpoint of
            // an internet-facing Transfer Family server takes Elastic IPs.
            holder.kind = HolderKind::TransferServer;
        }
        for (assoc, _private) in ni.public_addresses() {
            let Some(ip) = non_empty(assoc.public_ip.as_deref()) else {
                continue;
            };
            if !seen.insert(ip.clone()) {
                continue;
            }
            let eip = eip_by_ip.get(ip.as_str()).copied();
            let allocation_id = non_empty(assoc.allocation_id.as_deref())
                .or_else(|| eip.map(|e| e.allocation_id.as_str().to_string()));
            let pool = eip.and_then(|e| e.public_ipv4_pool.clone());
            let kind = match (&allocation_id, pool.as_deref()) {
                (Some(_), Some(p)) if p != "amazon" => Kind::Byoip,
                (Some(_), _) => Kind::ElasticIp,
                (None, _) if holder.kind == HolderKind::Instance => Kind::AutoAssigned,
                (None, _) => Kind::ServiceManaged,
            };
            let mut tags: Vec<(String, String)> = ni
                .tag_set
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect();
            if let Some(e) = eip {
                tags.extend(e.tags.iter().cloned());
            }
            let instance = holder
                .id
                .as_ref()
                .filter(|_| holder.kind == HolderKind::Instance)
                .and_then(|i| instances.get(i));
            if let Some(i) = instance {
                tags.extend(i.tags.iter().cloned());
            }
            tags.sort();
            tags.dedup();
            out.push(PublicAddress {
                public_ip: ip,
                account: account.into(),
                region: region.into(),
                kind,
                instance_state: instance.and_then(|i| i.state.clone()),
                holder: holder.clone(),
                network_interface_id: Some(ni.network_interface_id.clone()),
                interface_type: ni.interface_type.clone(),
                description: non_empty(ni.description.as_deref()),
                allocation_id,
                ip_owner_id: assoc.ip_owner_id.clone(),
                public_ipv4_pool: pool,
                subnet_id: ni.subnet_id.clone(),
                vpc_id: ni.vpc_id.clone(),
                availability_zone: ni.availability_zone.clone(),
                subnet_auto_assign: ni.subnet_id.as_deref().and_then(|s| auto.get(s).copied()),
                has_ipv6: !ni.ipv6_addresses.is_empty(),
                tags,
                snapshot_time: None,
            });
        }
    }
    for e in eips {
        if seen.contains(&e.public_ip) {
            continue;
        }
        let byoip = e.public_ipv4_pool.as_deref().is_some_and(|p| p != "amazon");
        // An Elastic IP on an interface this read did not see (another
        // account's, or created meanwhile) is held by that interface — or by
        // the NAT gateway or load balancer the snapshot says holds it.
        let held_by = e.held_by.as_deref().filter(|h| !h.is_empty());
        let holder = match (&e.instance_id, &e.network_interface_id, held_by) {
            (Some(i), _, _) => Holder {
                kind: HolderKind::Instance,
                id: Some(i.clone()),
            },
            (None, _, Some(h)) if h.starts_with("nat-") => Holder {
                kind: HolderKind::NatGateway,
                id: Some(h.to_string()),
            },
            (None, _, Some(h)) => Holder {
                kind: HolderKind::LoadBalancer,
                id: Some(h.to_string()),
            },
            (None, Some(n), None) => Holder {
                kind: HolderKind::Interface,
                id: Some(n.clone()),
            },
            (None, None, None) => Holder {
                kind: HolderKind::Nothing,
                id: None,
            },
        };
        out.push(PublicAddress {
            public_ip: e.public_ip.clone(),
            account: account.into(),
            region: region.into(),
            kind: if byoip { Kind::Byoip } else { Kind::ElasticIp },
            instance_state: e.instance_state.clone(),
            holder,
            network_interface_id: e.network_interface_id.clone(),
            interface_type: None,
            description: None,
            allocation_id: Some(e.allocation_id.as_str().to_string()),
            ip_owner_id: None,
            public_ipv4_pool: e.public_ipv4_pool.clone(),
            subnet_id: None,
            vpc_id: None,
            availability_zone: None,
            subnet_auto_assign: None,
            has_ipv6: false,
            tags: e.tags.clone(),
            snapshot_time: None,
        });
    }
    out.sort_by(|a, b| a.public_ip.cmp(&b.public_ip));
    out
}
