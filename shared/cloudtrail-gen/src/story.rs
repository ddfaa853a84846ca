//! The stories: what happens to each address, the records that tells, the
//! snapshots that see it, and the answer a correct report gives.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::record::{hex, record, request_id, Call, Failure};

/// One call in a story, `days` before now.
#[derive(Debug, Clone, Copy)]
enum Act {
    Allocate,
    AssociateInstance,
    AssociateEni,
    Disassociate,
    FailedAssociate,
    FailedDisassociate,
    Release,
    NatCreate,
    NatDelete,
    NlbCreate,
    NlbDelete,
    Terminate,
    Stop,
    Start,
    NatAddSecondary,
    NatRemoveSecondary,
    NlbDropSubnet,
    TransferCreate,
    TransferDelete,
}

/// What the latest snapshot shows the address attached to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Now {
    Idle,
    Instance,
    Eni,
    NatGateway,
    LoadBalancer,
    Released,
    /// On its instance, which is stopped (billed as idle).
    StoppedInstance,
}

/// When idleness began, by step index, as the story defines it.
#[derive(Debug, Clone, Copy)]
enum IdleSince {
    NotIdle,
    Step(usize),
    BeforeWindow,
    /// The `seen` observation with this index (the first snapshot that saw it free).
    Seen(usize),
}

/// A story: steps (days before now, call), and the answer.
pub struct Story {
    /// Name (in the truth file).
    pub name: &'static str,
    steps: &'static [(i64, Act)],
    now: Now,
    idle_since: IdleSince,
    /// Steps whose attachment began in the window.
    attachments: &'static [usize],
    byoip: bool,
    excluded: bool,
    /// The earlier snapshot (100 days ago) saw it attached through an
    /// association made before the trail begins.
    attached_before_trail: bool,
    /// Later snapshots (days before now, attached?) beside the earlier one.
    seen: &'static [(i64, bool)],
}

use Act::*;

/// The defaults the stories start from.
const STORY: Story = Story {
    name: "",
    steps: &[],
    now: Now::Idle,
    idle_since: IdleSince::NotIdle,
    attachments: &[],
    byoip: false,
    excluded: false,
    attached_before_trail: false,
    seen: &[],
};

/// The catalog; every account × region gets each story once.
pub const STORIES: &[Story] = &[
    Story {
        name: "detached-known-by-association-id",
        steps: &[(60, Allocate), (50, AssociateInstance), (20, Disassociate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "instance",
        steps: &[(40, Allocate), (39, AssociateInstance)],
        now: Now::Instance,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "nat-gateway",
        steps: &[(30, Allocate), (29, NatCreate)],
        now: Now::NatGateway,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "nat-gateway-deleted",
        steps: &[(80, Allocate), (79, NatCreate), (10, NatDelete)],
        now: Now::Idle,
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "network-load-balancer",
        steps: &[(25, Allocate), (24, NlbCreate)],
        now: Now::LoadBalancer,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "network-load-balancer-deleted",
        steps: &[(60, Allocate), (59, NlbCreate), (12, NlbDelete)],
        now: Now::Idle,
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "network-interface",
        steps: &[(15, Allocate), (14, AssociateEni)],
        now: Now::Eni,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "failed-associate-only",
        steps: &[(45, Allocate), (44, FailedAssociate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(0),
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "failed-disassociate",
        steps: &[
            (50, Allocate),
            (49, AssociateInstance),
            (10, FailedDisassociate),
        ],
        now: Now::Instance,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "allocated-before-window",
        steps: &[(95, Allocate)],
        now: Now::Idle,
        idle_since: IdleSince::BeforeWindow,
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "nat-gateway-before-window",
        steps: &[(150, Allocate), (140, NatCreate), (20, NatDelete)],
        now: Now::Idle,
        idle_since: IdleSince::Step(2),
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: true,
        seen: &[],
    },
    Story {
        name: "network-load-balancer-before-window",
        steps: &[(160, Allocate), (130, NlbCreate), (15, NlbDelete)],
        now: Now::Idle,
        idle_since: IdleSince::Step(2),
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: true,
        seen: &[],
    },
    Story {
        name: "attached-before-trail",
        steps: &[(5, Disassociate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(0),
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: true,
        seen: &[],
    },
    Story {
        name: "byoip",
        steps: &[(50, Allocate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(0),
        attachments: &[],
        byoip: true,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "excluded-by-tag",
        steps: &[(40, Allocate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(0),
        attachments: &[],
        byoip: false,
        excluded: true,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "released",
        steps: &[
            (30, Allocate),
            (29, AssociateInstance),
            (28, Disassociate),
            (27, Release),
        ],
        now: Now::Released,
        idle_since: IdleSince::NotIdle,
        attachments: &[1],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "re-associated",
        steps: &[
            (70, Allocate),
            (69, AssociateInstance),
            (30, Disassociate),
            (3, AssociateEni),
        ],
        now: Now::Eni,
        idle_since: IdleSince::NotIdle,
        attachments: &[1, 3],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    Story {
        name: "recently-allocated",
        steps: &[(3, Allocate)],
        now: Now::Idle,
        idle_since: IdleSince::Step(0),
        attachments: &[],
        byoip: false,
        excluded: false,
        attached_before_trail: false,
        seen: &[],
    },
    // Ended or idled without any DisassociateAddress.
    Story {
        name: "terminated-instance",
        steps: &[(60, Allocate), (50, AssociateInstance), (20, Terminate)],
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        ..STORY
    },
    Story {
        name: "stopped-instance",
        steps: &[(40, Allocate), (39, AssociateInstance), (25, Stop)],
        now: Now::StoppedInstance,
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        ..STORY
    },
    Story {
        name: "stopped-then-started",
        steps: &[
            (40, Allocate),
            (39, AssociateInstance),
            (25, Stop),
            (20, Start),
        ],
        now: Now::Instance,
        attachments: &[1],
        ..STORY
    },
    Story {
        name: "nat-gateway-secondary-address",
        steps: &[
            (50, Allocate),
            (45, NatAddSecondary),
            (15, NatRemoveSecondary),
        ],
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        ..STORY
    },
    Story {
        name: "network-load-balancer-subnet-dropped",
        steps: &[(60, Allocate), (59, NlbCreate), (12, NlbDropSubnet)],
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        ..STORY
    },
    Story {
        name: "transfer-server-deleted",
        steps: &[(70, Allocate), (65, TransferCreate), (9, TransferDelete)],
        idle_since: IdleSince::Step(2),
        attachments: &[1],
        ..STORY
    },
    Story {
        // Associated, then gone with no record of how (an instance that shut
        // itself down with terminate behaviour): daily snapshots bound the end.
        name: "unknown-detachment",
        steps: &[(50, Allocate), (40, AssociateInstance)],
        idle_since: IdleSince::Seen(1),
        attachments: &[1],
        seen: &[(30, true), (20, false), (10, false)],
        ..STORY
    },
];

/// The answer for one address, as a correct report states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    /// Which story.
    pub story: String,
    /// Allocation id.
    pub allocation_id: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// `in_use` or `idle`.
    pub status: String,
    /// RFC 3339, or `before_window`; absent when in use.
    pub idle_since: Option<String>,
    /// Attachments that began in the window.
    pub attachment_count: usize,
    /// Start of the last of them.
    pub last_attached_at: Option<DateTime<Utc>>,
    /// Monthly cost.
    pub monthly_cost_usd: f64,
    /// Carries the exclusion tag.
    pub excluded: bool,
    /// Idle at least the threshold and not excluded.
    pub flagged: bool,
}

/// The ground truth of a generated tree.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The report's "now".
    pub now: DateTime<Utc>,
    /// Window length in days.
    pub window_days: i64,
    /// Idle threshold in days.
    pub threshold_days: i64,
    /// Exclusion tag key.
    pub exclude_tag: String,
    /// One row per address in the latest snapshot.
    pub addresses: Vec<Expected>,
    /// Addresses released in the window (no row expected).
    pub released: Vec<String>,
}

/// What one story instance produced.
pub struct Told {
    /// Records with their time.
    pub records: Vec<(DateTime<Utc>, Value)>,
    /// Latest snapshot line (absent when released).
    pub latest: Option<Value>,
    /// Earlier snapshot lines (each with its own `snapshot_time`).
    pub earlier: Vec<Value>,
    /// The answer (absent when released).
    pub expected: Option<Expected>,
    /// Allocation id.
    pub allocation_id: String,
}

/// Parameters a story instance needs.
pub struct Setting<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub now: DateTime<Utc>,
    pub trail_days: i64,
    pub window_days: i64,
    pub threshold_days: i64,
    pub exclude_tag: &'a str,
    pub earlier_at: DateTime<Utc>,
}

impl Story {
    /// Plays the story for one address.
    pub fn tell(&self, rng: &mut StdRng, s: &Setting<'_>) -> Told {
        let allocation_id = format!("eipalloc-{}", hex(rng, 17));
        let public_ip = format!(
            "{}.{}.{}.{}",
            [3, 18, 34, 52, 54][rng.random_range(0..5)],
            rng.random_range(0..256),
            rng.random_range(0..256),
            rng.random_range(1..255)
        );
        // Same offset for every step keeps the order; steps are days apart.
        let jitter = Duration::seconds(rng.random_range(0..36_000));
        let at = |days: i64| s.now - Duration::days(days) + jitter;
        let pool = if self.byoip {
            format!("ipv4pool-ec2-{}", hex(rng, 17))
        } else {
            "amazon".into()
        };
        let mut assoc: Option<String> = None;
        let mut nat: Option<String> = None;
        let mut nlb: Option<String> = None;
        let mut server: Option<String> = None;
        let mut stopped_at: Option<DateTime<Utc>> = None;
        let mut records = Vec::new();
        let mut instance = format!("i-{}", hex(rng, 17));
        let mut eni = format!("eni-{}", hex(rng, 17));
        let mut eni_owner = s.account.to_string();
        let earlier_assoc = self
            .attached_before_trail
            .then(|| format!("eipassoc-{}", hex(rng, 17)));
        if let Some(a) = &earlier_assoc {
            assoc = Some(a.clone());
        }
        for (days, act) in self.steps {
            let time = at(*days);
            let ec2 = |name: &'static str, read_only: bool| Call {
                account: s.account,
                region: s.region,
                time,
                source: "ec2.amazonaws.com",
                name,
                read_only,
            };
            let transfer = |name: &'static str| Call {
                account: s.account,
                region: s.region,
                time,
                source: "transfer.amazonaws.com",
                name,
                read_only: false,
            };
            let elb = |name: &'static str| Call {
                account: s.account,
                region: s.region,
                time,
                source: "elasticloadbalancing.amazonaws.com",
                name,
                read_only: false,
            };
            let rid = request_id(rng);
            let instances = |instance: &str, state: (u8, &str), before: (u8, &str)| {
                json!({"requestId": rid, "instancesSet": {"items": [{"instanceId": instance,
                    "currentState": {"code": state.0, "name": state.1}, "previousState": {"code": before.0, "name": before.1}}]}})
            };
            let (call, req, resp, failure): (Call<'_>, Value, Value, Failure<'_>) = match act {
                Allocate => (
                    ec2("AllocateAddress", false),
                    json!({"domain": "vpc"}),
                    json!({"requestId": rid, "publicIp": public_ip, "domain": "vpc", "allocationId": allocation_id, "publicIpv4Pool": pool, "networkBorderGroup": s.region}),
                    None,
                ),
                AssociateInstance | AssociateEni => {
                    let a = format!("eipassoc-{}", hex(rng, 17));
                    assoc = Some(a.clone());
                    let req = if matches!(act, AssociateInstance) {
                        instance = format!("i-{}", hex(rng, 17));
                        json!({"allocationId": allocation_id, "instanceId": instance, "allowReassociation": false})
                    } else {
                        eni = format!("eni-{}", hex(rng, 17));
                        json!({"allocationId": allocation_id, "networkInterfaceId": eni, "allowReassociation": true})
                    };
                    (
                        ec2("AssociateAddress", false),
                        req,
                        json!({"requestId": rid, "_return": true, "associationId": a}),
                        None,
                    )
                }
                FailedAssociate => (
                    ec2("AssociateAddress", false),
                    json!({"allocationId": allocation_id, "instanceId": format!("i-{}", hex(rng, 17))}),
                    Value::Null,
                    Some((
                        "Client.InvalidInstanceID",
                        "The instance does not exist or is not in a valid state",
                    )),
                ),
                Disassociate => (
                    ec2("DisassociateAddress", false),
                    json!({"associationId": assoc.clone().expect("story associates before it disassociates")}),
                    json!({"requestId": rid, "_return": true}),
                    None,
                ),
                FailedDisassociate => (
                    ec2("DisassociateAddress", false),
                    json!({"associationId": assoc.clone().expect("story associates first")}),
                    Value::Null,
                    Some((
                        "Client.UnauthorizedOperation",
                        "You are not authorized to perform this operation.",
                    )),
                ),
                Release => (
                    ec2("ReleaseAddress", false),
                    json!({"allocationId": allocation_id}),
                    json!({"requestId": rid, "_return": true}),
                    None,
                ),
                NatCreate => {
                    let id = format!("nat-{}", hex(rng, 17));
                    nat = Some(id.clone());
                    let subnet = format!("subnet-{}", hex(rng, 17));
                    eni = format!("eni-{}", hex(rng, 17));
                    (
                        ec2("CreateNatGateway", false),
                        json!({"CreateNatGatewayRequest": {"SubnetId": subnet, "AllocationId": allocation_id, "ConnectivityType": "public", "ClientToken": hex(rng, 32)}}),
                        json!({"CreateNatGatewayResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": rid, "natGateway": {
                            "createTime": crate::record::time_text(time), "natGatewayAddressSet": {"item": {"allocationId": allocation_id, "isPrimary": true, "status": "associating"}},
                            "natGatewayId": id, "state": "pending", "subnetId": subnet, "vpcId": format!("vpc-{}", hex(rng, 17)), "connectivityType": "public"}}}),
                        None,
                    )
                }
                NatDelete => (
                    ec2("DeleteNatGateway", false),
                    json!({"DeleteNatGatewayRequest": {"NatGatewayId": nat.clone().expect("created first")}}),
                    json!({"DeleteNatGatewayResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": rid, "natGatewayId": nat.clone()}}),
                    None,
                ),
                NlbCreate => {
                    let name = format!("nlb-{}", hex(rng, 6));
                    let arn = format!(
                        "arn:aws:elasticloadbalancing:{}:{}:loadbalancer/net/{name}/{}",
                        s.region,
                        s.account,
                        hex(rng, 16)
                    );
                    nlb = Some(arn.clone());
                    eni = format!("eni-{}", hex(rng, 17));
                    eni_owner = "amazon-elb".into();
                    let subnet = format!("subnet-{}", hex(rng, 17));
                    (
                        elb("CreateLoadBalancer"),
                        json!({"name": name, "subnetMappings": [{"subnetId": subnet, "allocationId": allocation_id}], "scheme": "internet-facing", "type": "network", "ipAddressType": "ipv4"}),
                        json!({"loadBalancers": [{"loadBalancerArn": arn, "dNSName": format!("{name}-{}.elb.{}.amazonaws.com", hex(rng, 10), s.region), "createdTime": crate::record::time_text(time), "loadBalancerName": name, "scheme": "internet-facing", "vpcId": format!("vpc-{}", hex(rng, 17)), "state": {"code": "provisioning"}, "type": "network", "availabilityZones": [{"zoneName": format!("{}a", s.region), "subnetId": subnet, "loadBalancerAddresses": [{"ipAddress": public_ip, "allocationId": allocation_id}]}], "ipAddressType": "ipv4"}]}),
                        None,
                    )
                }
                NlbDelete => (
                    elb("DeleteLoadBalancer"),
                    json!({"loadBalancerArn": nlb.clone().expect("created first")}),
                    Value::Null,
                    None,
                ),
                // The instance calls name instances only; their shapes follow the EC2
                // API reference (no real record in ../shared/real-cloudtrail).
                Terminate => (
                    ec2("TerminateInstances", false),
                    json!({"instancesSet": {"items": [{"instanceId": instance}]}}),
                    instances(&instance, (32, "shutting-down"), (16, "running")),
                    None,
                ),
                Stop => {
                    stopped_at = Some(time);
                    (
                        ec2("StopInstances", false),
                        json!({"instancesSet": {"items": [{"instanceId": instance}]}, "force": false}),
                        instances(&instance, (64, "stopping"), (16, "running")),
                        None,
                    )
                }
                Start => {
                    stopped_at = None;
                    (
                        ec2("StartInstances", false),
                        json!({"instancesSet": {"items": [{"instanceId": instance}]}}),
                        instances(&instance, (0, "pending"), (80, "stopped")),
                        None,
                    )
                }
                // A secondary address of a NAT gateway whose creation is not this
                // story's; logged like CreateNatGateway (XML-converted wrappers).
                NatAddSecondary => {
                    let id = format!("nat-{}", hex(rng, 17));
                    nat = Some(id.clone());
                    eni = format!("eni-{}", hex(rng, 17));
                    let a = format!("eipassoc-{}", hex(rng, 17));
                    assoc = Some(a.clone());
                    (
                        ec2("AssociateNatGatewayAddress", false),
                        json!({"AssociateNatGatewayAddressRequest": {"NatGatewayId": id, "AllocationId": {"tag": 1, "content": allocation_id}}}),
                        json!({"AssociateNatGatewayAddressResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": rid, "natGatewayId": id,
                            "natGatewayAddressSet": {"item": {"allocationId": allocation_id, "associationId": a, "networkInterfaceId": eni, "isPrimary": false, "status": "associating"}}}}),
                        None,
                    )
                }
                NatRemoveSecondary => {
                    let id = nat.clone().expect("added first");
                    let a = assoc.clone().expect("added first");
                    (
                        ec2("DisassociateNatGatewayAddress", false),
                        json!({"DisassociateNatGatewayAddressRequest": {"NatGatewayId": id, "AssociationId": {"tag": 1, "content": a}}}),
                        json!({"DisassociateNatGatewayAddressResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": rid, "natGatewayId": id,
                            "natGatewayAddressSet": {"item": {"allocationId": allocation_id, "associationId": a, "isPrimary": false, "status": "disassociating"}}}}),
                        None,
                    )
                }
                // The balancer moves to another subnet (with another address): this one is dropped.
                NlbDropSubnet => {
                    let subnet = format!("subnet-{}", hex(rng, 17));
                    let other = format!("eipalloc-{}", hex(rng, 17));
                    (
                        elb("SetSubnets"),
                        json!({"loadBalancerArn": nlb.clone().expect("created first"), "subnetMappings": [{"subnetId": subnet, "allocationId": other}]}),
                        json!({"availabilityZones": [{"zoneName": format!("{}b", s.region), "subnetId": subnet, "loadBalancerAddresses": [{"ipAddress": "18.0.0.9", "allocationId": other}]}], "ipAddressType": "ipv4"}),
                        None,
                    )
                }
                TransferCreate => {
                    let id = format!("s-{}", hex(rng, 17));
                    server = Some(id.clone());
                    (
                        transfer("CreateServer"),
                        json!({"endpointType": "VPC", "endpointDetails": {"vpcId": format!("vpc-{}", hex(rng, 17)), "subnetIds": [format!("subnet-{}", hex(rng, 17))], "addressAllocationIds": [allocation_id]},
                               "protocols": ["SFTP"], "identityProviderType": "SERVICE_MANAGED"}),
                        json!({"serverId": id}),
                        None,
                    )
                }
                TransferDelete => (
                    transfer("DeleteServer"),
                    json!({"serverId": server.clone().expect("created first")}),
                    Value::Null,
                    None,
                ),
            };
            // Steps before the trail began were never delivered.
            if *days < s.trail_days {
                records.push((time, record(rng, &call, req, resp, failure)));
            }
        }

        let tags: Vec<(String, String)> = {
            let mut t = vec![(
                "Name".to_string(),
                format!("{}-{}", self.name, &allocation_id[9..13]),
            )];
            if self.excluded {
                t.push((s.exclude_tag.to_string(), "reserved for DR".into()));
            }
            t
        };
        let line = |taken: DateTime<Utc>, attached: Option<(&str, Option<&str>, &str, &str)>| {
            json!({
                "allocation_id": allocation_id,
                "public_ip": public_ip,
                "region": s.region,
                "account": s.account,
                "association_id": attached.map(|a| a.0),
                "instance_id": attached.and_then(|a| a.1),
                "network_interface_id": attached.map(|a| a.2),
                "network_interface_owner_id": attached.map(|a| a.3),
                "public_ipv4_pool": pool,
                "tags": tags,
                "private_ip": attached.map(|_| "10.0.1.23"),
                "domain": "vpc",
                "network_border_group": s.region,
                "snapshot_time": taken,
            })
        };
        // Managed attachments (NAT, NLB) have association ids that no AssociateAddress call names.
        let managed_assoc = format!("eipassoc-{}", hex(rng, 17));
        // What a NAT gateway's or NLB's interface description names (see vpcwarden-inventory).
        let held_by: Option<String> = nat.clone().or_else(|| {
            nlb.as_deref()
                .and_then(|a| a.split_once("loadbalancer/"))
                .map(|(_, r)| r.to_string())
        });
        let mut latest = match self.now {
            Now::Released => None,
            Now::Idle => Some(line(s.now, None)),
            Now::Instance | Now::StoppedInstance => {
                let mut l = line(
                    s.now,
                    Some((
                        assoc.as_deref().unwrap_or_default(),
                        Some(&instance),
                        &eni,
                        &eni_owner,
                    )),
                );
                // As DescribeInstances reports it: the state, and the stop time its reason gives.
                if self.now == Now::StoppedInstance {
                    l["instance_state"] = json!("stopped");
                    l["instance_state_since"] = json!(stopped_at);
                } else {
                    l["instance_state"] = json!("running");
                }
                Some(l)
            }
            Now::Eni => Some(line(
                s.now,
                Some((assoc.as_deref().unwrap_or_default(), None, &eni, &eni_owner)),
            )),
            Now::NatGateway | Now::LoadBalancer => {
                Some(line(s.now, Some((&managed_assoc, None, &eni, &eni_owner))))
            }
        };
        if matches!(self.now, Now::NatGateway | Now::LoadBalancer) {
            if let Some(l) = latest.as_mut() {
                l["held_by"] = json!(held_by);
            }
        }
        // Attached since before the trail began: by an instance, or held by a NAT gateway / NLB.
        let mut earlier: Vec<Value> = earlier_assoc
            .as_deref()
            .map(|a| {
                let on_instance = held_by.is_none().then_some(instance.as_str());
                let mut l = line(s.earlier_at, Some((a, on_instance, &eni, &eni_owner)));
                l["held_by"] = json!(held_by);
                l
            })
            .into_iter()
            .collect();
        for (days, attached) in self.seen {
            let a = assoc.as_deref().unwrap_or_default();
            earlier.push(line(
                at(*days),
                attached.then_some((a, Some(instance.as_str()), eni.as_str(), eni_owner.as_str())),
            ));
        }

        let step_time = |i: usize| at(self.steps[i].0);
        let window_start = s.now - Duration::days(s.window_days);
        let idle_since = match self.idle_since {
            IdleSince::NotIdle => None,
            IdleSince::BeforeWindow => Some(None),
            IdleSince::Step(i) => Some(Some(step_time(i))),
            IdleSince::Seen(i) => Some(Some(at(self.seen[i].0))),
        };
        let idle_days = idle_since
            .map(|since| (s.now - since.unwrap_or(window_start)).num_seconds() as f64 / 86_400.0);
        // Attachments that began in the window (the report's definition).
        let in_window = self
            .attachments
            .iter()
            .map(|i| step_time(*i))
            .filter(|t| *t >= window_start);
        let monthly = if self.byoip { 0.0 } else { 0.005 * 730.0 };
        let expected = (self.now != Now::Released).then(|| Expected {
            story: self.name.into(),
            allocation_id: allocation_id.clone(),
            account: s.account.into(),
            region: s.region.into(),
            status: if idle_since.is_some() {
                "idle"
            } else {
                "in_use"
            }
            .into(),
            idle_since: idle_since.map(|t| match t {
                Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                None => "before_window".into(),
            }),
            attachment_count: in_window.clone().count(),
            last_attached_at: in_window.max(),
            monthly_cost_usd: monthly,
            excluded: self.excluded,
            flagged: !self.excluded && idle_days.is_some_and(|d| d >= s.threshold_days as f64),
        });
        Told {
            records,
            latest,
            earlier,
            expected,
            allocation_id,
        }
    }
}
