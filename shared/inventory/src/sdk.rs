//! The SDK adapter: one EC2 client per region from one shared configuration.

use aws_config::SdkConfig;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::types::Filter;
use vpcwarden_aws_setup::aws_err;
use vpcwarden_eip::{AllocationId, AssociationId, SnapshotAddress};

use crate::{AddressSource, Fut};

/// Reads addresses with the SDK.
#[derive(Debug, Clone)]
pub struct SdkAddresses {
    config: SdkConfig,
    /// Credentials of a role assumed in another account, when reading one.
    assumed: Option<aws_sdk_ec2::config::SharedCredentialsProvider>,
}

impl SdkAddresses {
    /// Over `config` (its region answers DescribeRegions).
    pub fn new(config: SdkConfig) -> Self {
        SdkAddresses {
            config,
            assumed: None,
        }
    }

    /// In another account, through `role_arn` assumed with `config`'s
    /// credentials. Lazy: a role that cannot be assumed fails the first call.
    pub async fn assuming(config: SdkConfig, role_arn: &str) -> Self {
        let creds = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name("vpcwarden-snapshot")
            .configure(&config)
            .build()
            .await;
        SdkAddresses {
            config,
            assumed: Some(aws_sdk_ec2::config::SharedCredentialsProvider::new(creds)),
        }
    }

    fn client(&self, region: Option<&str>) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.config);
        if let Some(r) = region {
            b = b.region(Region::new(r.to_string()));
        }
        if let Some(c) = &self.assumed {
            b = b.credentials_provider(c.clone());
        }
        aws_sdk_ec2::Client::from_conf(b.build())
    }
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn caller_account(config: &SdkConfig) -> Result<String, vpcwarden_aws_setup::AwsError> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws_err("GetCallerIdentity", e))?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| vpcwarden_aws_setup::AwsError {
            operation: "GetCallerIdentity",
            code: "NoAccount".into(),
            message: "the answer names no account".into(),
            retryable: false,
            request_id: None,
        })
}

/// A tag as the snapshots keep it: (key, value).
fn tag_pair(t: &aws_sdk_ec2::types::Tag) -> (String, String) {
    (
        t.key().unwrap_or_default().to_string(),
        t.value().unwrap_or_default().to_string(),
    )
}

/// `running`, `stopped`, … as DescribeInstances says.
fn instance_state(i: &aws_sdk_ec2::types::Instance) -> Option<String> {
    i.state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_string())
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|v| !v.is_empty()).map(str::to_string)
}

impl AddressSource for SdkAddresses {
    fn regions(&self) -> Fut<'_, Vec<String>> {
        Box::pin(async move {
            let out = self
                .client(None)
                .describe_regions()
                .all_regions(false)
                .filters(
                    Filter::builder()
                        .name("opt-in-status")
                        .values("opt-in-not-required")
                        .values("opted-in")
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_err("DescribeRegions", e))?;
            Ok(out
                .regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_string))
                .collect())
        })
    }

    fn addresses<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<SnapshotAddress>> {
        Box::pin(async move {
            let out = self
                .client(Some(region))
                .describe_addresses()
                .send()
                .await
                .map_err(|e| aws_err("DescribeAddresses", e))?;
            let mut list: Vec<SnapshotAddress> = out
                .addresses()
                .iter()
                .filter_map(|a| snapshot_address(a, region))
                .collect();
            self.fill_holders(region, &mut list).await;
            self.fill_instance_states(region, &mut list).await;
            Ok(list)
        })
    }
}

/// One DescribeAddresses entry as a snapshot line (account, snapshot time and
/// holder are filled in later). `None` for EC2-Classic leftovers: they have no
/// allocation id and are not VPC addresses.
pub fn snapshot_address(a: &aws_sdk_ec2::types::Address, region: &str) -> Option<SnapshotAddress> {
    let allocation_id = AllocationId::parse(a.allocation_id()?).ok()?;
    Some(SnapshotAddress {
        allocation_id,
        public_ip: a.public_ip().unwrap_or_default().to_string(),
        region: region.to_string(),
        account: String::new(),
        association_id: a
            .association_id()
            .filter(|s| !s.is_empty())
            .and_then(|s| AssociationId::parse(s).ok()),
        instance_id: non_empty(a.instance_id()),
        network_interface_id: non_empty(a.network_interface_id()),
        network_interface_owner_id: non_empty(a.network_interface_owner_id()),
        public_ipv4_pool: non_empty(a.public_ipv4_pool()),
        tags: a.tags().iter().map(tag_pair).collect(),
        private_ip: non_empty(a.private_ip_address()),
        domain: a.domain().map(|d| d.as_str().to_string()),
        network_border_group: non_empty(a.network_border_group()),
        snapshot_time: None,
        held_by: None,
        instance_state: None,
        instance_state_since: None,
    })
}

/// The holder a managed network interface's description names: `nat-…` for
/// "Interface for NAT Gateway nat-…", `net/<name>/<id>` for "ELB net/<name>/<id>".
pub fn holder_from_description(description: &str) -> Option<String> {
    if let Some(rest) = description.strip_prefix("Interface for NAT Gateway ") {
        return Some(rest.trim().to_string()).filter(|n| n.starts_with("nat-"));
    }
    description
        .strip_prefix("ELB ")
        .filter(|r| r.starts_with("net/"))
        .map(|r| r.trim().to_string())
}

impl SdkAddresses {
    /// Reads the descriptions of the interfaces that hold addresses without an
    /// instance (NAT gateways, load balancers). Best effort: without them the
    /// snapshot is still complete, only less precise about holds that began
    /// before the report's window.
    async fn fill_holders(&self, region: &str, list: &mut [SnapshotAddress]) {
        let enis: Vec<String> = list
            .iter()
            .filter(|a| a.instance_id.is_none())
            .filter_map(|a| a.network_interface_id.clone())
            .collect();
        if enis.is_empty() {
            return;
        }
        // A filter (unlike NetworkInterfaceIds) does not fail on an interface deleted meanwhile.
        let got = self
            .client(Some(region))
            .describe_network_interfaces()
            .filters(
                Filter::builder()
                    .name("network-interface-id")
                    .set_values(Some(enis))
                    .build(),
            )
            .send()
            .await;
        let out = match got {
            Ok(out) => out,
            Err(e) => {
                tracing::warn!(region, error = %vpcwarden_aws_setup::error_text(&e), "interface descriptions not read");
                return;
            }
        };
        for ni in out.network_interfaces() {
            let (Some(id), Some(holder)) = (
                ni.network_interface_id(),
                ni.description().and_then(holder_from_description),
            ) else {
                continue;
            };
            for a in list
                .iter_mut()
                .filter(|a| a.network_interface_id.as_deref() == Some(id))
            {
                a.held_by = Some(holder.clone());
            }
        }
    }
}

/// When an instance entered its state, from its state transition reason:
/// `User initiated (2026-10-21 10:15:42 GMT)` (moto writes `UTC`). Reasons
/// without a time (`Client.InstanceInitiatedShutdown: …`) give `None`.
pub fn state_since_from_reason(reason: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let inner = reason.rsplit_once('(')?.1.split_once(')')?.0;
    let text = inner
        .strip_suffix(" GMT")
        .or_else(|| inner.strip_suffix(" UTC"))?;
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// DescribeInstances takes at most this many values in one filter.
const FILTER_VALUES: usize = 200;

impl SdkAddresses {
    /// Reads the state of the instances that hold addresses: an address on a
    /// stopped instance is billed as idle. Best effort like the holders: a
    /// failed read leaves the state unknown, and the report falls back on the
    /// trail's StopInstances / StartInstances.
    async fn fill_instance_states(&self, region: &str, list: &mut [SnapshotAddress]) {
        let ids: Vec<String> = list.iter().filter_map(|a| a.instance_id.clone()).collect();
        let found = match self.instances_by_id(region, ids).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(region, error = %e, "instance states not read");
                return;
            }
        };
        for i in &found {
            let Some(id) = i.instance_id() else { continue };
            let state = instance_state(i);
            let since = i
                .state_transition_reason()
                .and_then(state_since_from_reason);
            for a in list
                .iter_mut()
                .filter(|a| a.instance_id.as_deref() == Some(id))
            {
                a.instance_state = state.clone();
                a.instance_state_since = since;
            }
        }
    }

    /// DescribeInstances of `ids` (deduplicated), in filter-sized chunks.
    async fn instances_by_id(
        &self,
        region: &str,
        mut ids: Vec<String>,
    ) -> Result<Vec<aws_sdk_ec2::types::Instance>, String> {
        ids.sort();
        ids.dedup();
        let client = self.client(Some(region));
        let mut out = Vec::new();
        for chunk in ids.chunks(FILTER_VALUES) {
            // A filter (unlike InstanceIds) does not fail on an instance terminated meanwhile.
            let mut pages = client
                .describe_instances()
                .filters(
                    Filter::builder()
                        .name("instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| vpcwarden_aws_setup::error_text(&e))?;
                out.extend(
                    page.reservations()
                        .iter()
                        .flat_map(|r| r.instances())
                        .cloned(),
                );
            }
        }
        Ok(out)
    }
}

fn association(
    a: Option<&str>,
    owner: Option<&str>,
    alloc: Option<&str>,
    assoc: Option<&str>,
) -> vpcwarden_ipv4::interface::Association {
    vpcwarden_ipv4::interface::Association {
        public_ip: non_empty(a),
        ip_owner_id: non_empty(owner),
        allocation_id: non_empty(alloc),
        association_id: non_empty(assoc),
    }
}

/// One SDK interface in the documented shape the classifier reads.
pub fn interface(ni: &aws_sdk_ec2::types::NetworkInterface) -> vpcwarden_ipv4::NetworkInterface {
    use vpcwarden_ipv4::interface::{Attachment, PrivateIp, Tag};
    vpcwarden_ipv4::NetworkInterface {
        network_interface_id: ni.network_interface_id().unwrap_or_default().to_string(),
        interface_type: ni.interface_type().map(|t| t.as_str().to_string()),
        description: non_empty(ni.description()),
        requester_managed: ni.requester_managed(),
        requester_id: non_empty(ni.requester_id()),
        subnet_id: non_empty(ni.subnet_id()),
        vpc_id: non_empty(ni.vpc_id()),
        availability_zone: non_empty(ni.availability_zone()),
        owner_id: non_empty(ni.owner_id()),
        association: ni.association().map(|a| {
            association(
                a.public_ip(),
                a.ip_owner_id(),
                a.allocation_id(),
                a.association_id(),
            )
        }),
        attachment: ni.attachment().map(|a| Attachment {
            instance_id: non_empty(a.instance_id()),
            instance_owner_id: non_empty(a.instance_owner_id()),
        }),
        private_ip_addresses: ni
            .private_ip_addresses()
            .iter()
            .map(|p| PrivateIp {
                private_ip_address: non_empty(p.private_ip_address()),
                primary: p.primary(),
                association: p.association().map(|a| {
                    association(
                        a.public_ip(),
                        a.ip_owner_id(),
                        a.allocation_id(),
                        a.association_id(),
                    )
                }),
            })
            .collect(),
        tag_set: ni
            .tag_set()
            .iter()
            .map(|t| Tag {
                key: t.key().unwrap_or_default().to_string(),
                value: t.value().unwrap_or_default().to_string(),
            })
            .collect(),
        ipv6_addresses: ni
            .ipv6_addresses()
            .iter()
            .map(|a| serde_json::json!({"Ipv6Address": a.ipv6_address()}))
            .collect(),
    }
}

impl crate::InterfaceSource for SdkAddresses {
    fn interfaces<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<vpcwarden_ipv4::NetworkInterface>> {
        Box::pin(async move {
            let mut pages = self
                .client(Some(region))
                .describe_network_interfaces()
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| aws_err("DescribeNetworkInterfaces", e))?;
                out.extend(page.network_interfaces().iter().map(interface));
            }
            Ok(out)
        })
    }

    fn instances<'a>(
        &'a self,
        region: &'a str,
        ids: Vec<String>,
    ) -> Fut<'a, std::collections::BTreeMap<String, vpcwarden_ipv4::Instance>> {
        Box::pin(async move {
            // Best effort: without them the addresses are still recorded, with fewer tags.
            let found = match self.instances_by_id(region, ids).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(region, error = %e, "instance tags not read");
                    return Ok(Default::default());
                }
            };
            Ok(found
                .iter()
                .filter_map(|i| {
                    let info = vpcwarden_ipv4::Instance {
                        state: instance_state(i),
                        tags: i.tags().iter().map(tag_pair).collect(),
                    };
                    Some((i.instance_id()?.to_string(), info))
                })
                .collect())
        })
    }

    fn subnets<'a>(&'a self, region: &'a str) -> Fut<'a, Vec<vpcwarden_ipv4::Subnet>> {
        Box::pin(async move {
            let mut pages = self
                .client(Some(region))
                .describe_subnets()
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| aws_err("DescribeSubnets", e))?;
                out.extend(page.subnets().iter().filter_map(|s| {
                    Some(vpcwarden_ipv4::Subnet {
                        subnet_id: s.subnet_id()?.to_string(),
                        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
                    })
                }));
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{holder_from_description, state_since_from_reason};

    #[test]
    fn stop_times_from_state_transition_reasons() {
        let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            state_since_from_reason("User initiated (2026-10-21 10:15:42 GMT)"),
            Some(t("2026-10-21T10:15:42Z"))
        );
        assert_eq!(
            state_since_from_reason("User initiated (2026-10-21 10:15:42 UTC)"),
            Some(t("2026-10-21T10:15:42Z"))
        );
        assert_eq!(
            state_since_from_reason(
                "Client.InstanceInitiatedShutdown: Instance initiated shutdown"
            ),
            None
        );
        assert_eq!(state_since_from_reason(""), None);
    }

    #[test]
    fn holders_from_managed_interface_descriptions() {
        assert_eq!(
            holder_from_description("Interface for NAT Gateway nat-0a1b2c3d4e5f67890").as_deref(),
            Some("nat-0a1b2c3d4e5f67890")
        );
        assert_eq!(
            holder_from_description("ELB net/edge-nlb/50dc6c495c0c9188").as_deref(),
            Some("net/edge-nlb/50dc6c495c0c9188")
        );
        assert_eq!(
            holder_from_description("ELB app/web/50dc6c495c0c9188"),
            None,
            "ALBs hold no Elastic IP"
        );
        assert_eq!(holder_from_description("Primary network interface"), None);
    }
}
