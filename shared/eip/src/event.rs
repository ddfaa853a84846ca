//! The lifecycle events of an Elastic IP, as both extraction engines emit them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AllocationId, AssociationId};

/// What an address is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Target {
    /// An EC2 instance.
    Instance(String),
    /// A network interface.
    NetworkInterface(String),
    /// A NAT gateway (which holds the address through its own interface).
    NatGateway(String),
    /// A network load balancer (subnet mapping with an allocation id).
    LoadBalancer(String),
    /// An AWS Transfer Family server with a VPC endpoint (`AddressAllocationIds`).
    TransferServer(String),
}

impl Target {
    /// The id as logged (instance id, NAT gateway id, load balancer ARN, …).
    pub fn id(&self) -> &str {
        match self {
            Target::Instance(i)
            | Target::NetworkInterface(i)
            | Target::NatGateway(i)
            | Target::LoadBalancer(i)
            | Target::TransferServer(i) => i,
        }
    }

    /// The key a holder is known by in both events and snapshots.
    pub fn key(&self) -> &str {
        crate::holder_key(self.id())
    }
}

/// One successful API call that changes an address's attachment (calls with
/// an `errorCode` never become events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// `AllocateAddress`.
    Allocate {
        /// New address.
        allocation: AllocationId,
        /// Its IP.
        public_ip: Option<String>,
    },
    /// `AcceptAddressTransfer`: the address arrives in the accepting
    /// account; for that account its life begins here, like an allocation.
    TransferAccept {
        /// Address.
        allocation: AllocationId,
        /// Its IP.
        public_ip: Option<String>,
    },
    /// `AssociateAddress`.
    Associate {
        /// Address.
        allocation: AllocationId,
        /// From the response; a later `DisassociateAddress` names only this.
        association: Option<AssociationId>,
        /// What it was attached to.
        target: Target,
    },
    /// `DisassociateAddress` (carries only the association id).
    Disassociate {
        /// The association ended.
        association: AssociationId,
    },
    /// `ReleaseAddress`.
    Release {
        /// Address.
        allocation: AllocationId,
    },
    /// A new holder with its addresses: `CreateNatGateway` (primary and
    /// secondary), `CreateLoadBalancer` of a network load balancer,
    /// `CreateServer` of a Transfer server.
    HoldCreate {
        /// NAT gateway, load balancer or Transfer server.
        holder: Target,
        /// Addresses it holds.
        allocations: Vec<AllocationId>,
    },
    /// From now on `holder` holds exactly `allocations`: `SetSubnets` of a
    /// network load balancer, `UpdateServer` of a Transfer server.
    HoldSet {
        /// NAT gateway, load balancer or Transfer server.
        holder: Target,
        /// Every address it holds after the call.
        allocations: Vec<AllocationId>,
    },
    /// `AssociateNatGatewayAddress`: secondary addresses added.
    HoldAdd {
        /// The NAT gateway.
        holder: Target,
        /// Addresses added.
        allocations: Vec<AllocationId>,
    },
    /// `DisassociateNatGatewayAddress`: secondary addresses removed.
    HoldRemove {
        /// The NAT gateway.
        holder: Target,
        /// Addresses removed (from the response), if it names them.
        allocations: Vec<AllocationId>,
        /// Associations removed (from the request), mapped through snapshots.
        associations: Vec<AssociationId>,
    },
    /// `DeleteNatGateway`, `DeleteLoadBalancer`, `DeleteServer`: every
    /// address the holder held is free.
    HoldEnd {
        /// The holder deleted.
        holder: Target,
    },
    /// `TerminateInstances`: attachments to these instances end (EC2 logs no
    /// `DisassociateAddress` for them).
    InstancesTerminate {
        /// Instance ids.
        instances: Vec<String>,
    },
    /// `StopInstances`: addresses on them stay attached but serve nothing
    /// (billed as `PublicIPv4:IdleAddress`).
    InstancesStop {
        /// Instance ids.
        instances: Vec<String>,
    },
    /// `StartInstances`.
    InstancesStart {
        /// Instance ids.
        instances: Vec<String>,
    },
    /// `DeleteNetworkInterface`: an attachment to that interface ends.
    NetworkInterfaceDelete {
        /// The interface.
        network_interface: String,
    },
}

/// An event with where and when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// `eventTime`.
    pub time: DateTime<Utc>,
    /// Account (`recipientAccountId`).
    pub account: String,
    /// `awsRegion`.
    pub region: String,
    /// `eventID`, to order same-second events deterministically and deduplicate.
    pub event_id: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Puts events in time order, then by event id (same-second events in one
/// order whatever the engine or thread interleaving), each event once (a
/// file delivered twice, or read by two overlapping scans).
pub fn sort_events<E: std::borrow::Borrow<LifecycleEvent>>(events: &mut Vec<E>) {
    events.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    events.dedup_by(|a, b| a.borrow().event_id == b.borrow().event_id);
}
