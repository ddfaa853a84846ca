//! Network interfaces as `DescribeNetworkInterfaces` documents them (the
//! fields this crate reads; names as in the API's JSON), so a hand-written
//! fixture, a file of `aws ec2 describe-network-interfaces` output and the
//! SDK adapter's conversion are the same type.

use serde::{Deserialize, Serialize};

/// One interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    /// `eni-…`.
    pub network_interface_id: String,
    /// `interface`, `nat_gateway`, `network_load_balancer`, `vpc_endpoint`, `lambda`, …
    #[serde(default)]
    pub interface_type: Option<String>,
    /// Set by the service that created it ("Interface for NAT Gateway nat-…", "ELB app/…").
    #[serde(default)]
    pub description: Option<String>,
    /// Created and managed by an AWS service.
    #[serde(default)]
    pub requester_managed: Option<bool>,
    /// Who created it (`amazon-elb`, `amazon-rds`, an account, …).
    #[serde(default)]
    pub requester_id: Option<String>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Availability Zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Owner account.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The primary private IP's public address.
    #[serde(default)]
    pub association: Option<Association>,
    /// The instance it is attached to.
    #[serde(default)]
    pub attachment: Option<Attachment>,
    /// Every private IP, each with its own public address if any.
    #[serde(default)]
    pub private_ip_addresses: Vec<PrivateIp>,
    /// The interface's tags.
    #[serde(default)]
    pub tag_set: Vec<Tag>,
    /// IPv6 addresses (a dual-stack interface has some).
    #[serde(default)]
    pub ipv6_addresses: Vec<serde_json::Value>,
}

/// A public address on a private IP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Association {
    /// The public IPv4 address.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// `amazon` for an address from Amazon's pool, else the owning account.
    #[serde(default)]
    pub ip_owner_id: Option<String>,
    /// Set when the address is an Elastic IP.
    #[serde(default)]
    pub allocation_id: Option<String>,
    /// Set when the address is an Elastic IP.
    #[serde(default)]
    pub association_id: Option<String>,
}

/// The instance an interface is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attachment {
    /// Instance id (absent for service-managed attachments).
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Instance owner (`amazon-aws` for some managed services).
    #[serde(default)]
    pub instance_owner_id: Option<String>,
}

/// One private IP of an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateIp {
    /// The address.
    #[serde(default)]
    pub private_ip_address: Option<String>,
    /// The primary one.
    #[serde(default)]
    pub primary: Option<bool>,
    /// Its public address.
    #[serde(default)]
    pub association: Option<Association>,
}

/// A tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
}

/// A file of interfaces that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("not DescribeNetworkInterfaces output ({{\"NetworkInterfaces\": [...]}}): {0}")]
pub struct InterfacesError(String);

/// Reads `aws ec2 describe-network-interfaces` output (`{"NetworkInterfaces": [...]}`).
pub fn parse_interfaces(text: &str) -> Result<Vec<NetworkInterface>, InterfacesError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out {
        network_interfaces: Vec<NetworkInterface>,
    }
    serde_json::from_str::<Out>(text)
        .map(|o| o.network_interfaces)
        .map_err(|e| InterfacesError(e.to_string()))
}

impl NetworkInterface {
    /// Each public address on the interface with the private IP it sits on
    /// (the top-level `Association` is the primary private IP's: counted once).
    pub fn public_addresses(&self) -> Vec<(&Association, Option<&str>)> {
        let mut out: Vec<(&Association, Option<&str>)> = Vec::new();
        for p in &self.private_ip_addresses {
            if let Some(a) = p.association.as_ref().filter(|a| a.public_ip.is_some()) {
                out.push((a, p.private_ip_address.as_deref()));
            }
        }
        if let Some(a) = self.association.as_ref().filter(|a| a.public_ip.is_some()) {
            if !out.iter().any(|(b, _)| b.public_ip == a.public_ip) {
                let primary = self
                    .private_ip_addresses
                    .iter()
                    .find(|p| p.primary == Some(true))
                    .and_then(|p| p.private_ip_address.as_deref());
                out.insert(0, (a, primary));
            }
        }
        out
    }
}
