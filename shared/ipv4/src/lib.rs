//! Every public IPv4 address the accounts pay for (since February 2024 AWS
//! bills each one $0.005 an hour, attached or not; BYOIP excepted), not only
//! idle Elastic IPs.
//!
//! - [`interface`]: network interfaces in the documented
//!   `DescribeNetworkInterfaces` shape (the SDK adapter fills it; a file of
//!   `aws ec2 describe-network-interfaces` output parses into it).
//! - [`classify`]: interfaces + the Elastic IP snapshot + subnets → one
//!   [`PublicAddress`] per public IP: its kind (Elastic IP, auto-assigned,
//!   service-managed, BYOIP) and its holder (instance, NAT gateway, load
//!   balancer, …). Elastic IPs on no interface are there too (idle).
//! - [`report`]: cost per address, totals per account, region, VPC and
//!   kind, the change since an earlier snapshot, and for each address a way
//!   out where one applies, with its saving — and what the data cannot tell.
//!
//! The renderings (JSON, CSV, Markdown, HTML) are `vpcwarden-report`'s.
#![deny(missing_docs)]

pub mod classify;
pub mod interface;
pub mod report;

pub use classify::{
    classify, holder_of, Holder, HolderKind, Instance, Kind, PublicAddress, Subnet,
};
pub use interface::{parse_interfaces, NetworkInterface};
pub use report::{report, Ipv4Report, WayOut};

/// Where public-IPv4 snapshots live: `public-ipv4/dt=YYYY-MM-DD/HHMMSS.jsonl`.
pub const SNAPSHOTS: &str = "public-ipv4/";

/// JSON Lines, one address per line (what the snapshot writes and `vpcwarden ipv4 report` reads).
pub fn to_jsonl(addresses: &[PublicAddress]) -> String {
    let mut out = String::new();
    for a in addresses {
        out.push_str(&serde_json::to_string(a).expect("addresses serialize"));
        out.push('\n');
    }
    out
}

/// A snapshot line that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SnapshotError {
    /// 1-based line number.
    pub line: usize,
    /// The parser's message (it names the field).
    pub message: String,
}

/// Reads [`to_jsonl`]'s output (blank lines skipped).
pub fn parse_snapshot(text: &str) -> Result<Vec<PublicAddress>, SnapshotError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| SnapshotError {
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}
