//! The lifecycle events of an Elastic IP, as both extraction engines emit them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AllocationId, AssociationId};

/// What an address is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `CreateNatGateway` with allocation ids.
    NatGatewayCreate {
        /// NAT gateway id.
        nat_gateway: String,
        /// Addresses it holds.
        allocations: Vec<AllocationId>,
    },
    /// `DeleteNatGateway`.
    NatGatewayDelete {
        /// NAT gateway id.
        nat_gateway: String,
    },
    /// ELBv2 `CreateLoadBalancer` with subnet mappings holding allocation ids.
    LoadBalancerCreate {
        /// Load balancer ARN.
        load_balancer: String,
        /// Addresses it holds.
        allocations: Vec<AllocationId>,
    },
    /// ELBv2 `DeleteLoadBalancer`.
    LoadBalancerDelete {
        /// Load balancer ARN.
        load_balancer: String,
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
