//! The SDK adapter: one EC2 client per region from one shared configuration.

use aws_config::SdkConfig;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::types::Filter;
use vpcwarden_eip::{AllocationId, AssociationId, SnapshotAddress};

use crate::{AddressSource, Fut};

/// Reads addresses with the SDK.
#[derive(Debug, Clone)]
pub struct SdkAddresses {
    config: SdkConfig,
}

impl SdkAddresses {
    /// Over `config` (its region answers DescribeRegions).
    pub fn new(config: SdkConfig) -> Self {
        SdkAddresses { config }
    }

    fn client(&self, region: Option<&str>) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.config);
        if let Some(r) = region {
            b = b.region(Region::new(r.to_string()));
        }
        aws_sdk_ec2::Client::from_conf(b.build())
    }
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn caller_account(config: &SdkConfig) -> Result<String, String> {
    let out = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "sts:GetCallerIdentity: {}",
                aws_sdk_sts::error::DisplayErrorContext(&e)
            )
        })?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| "sts:GetCallerIdentity returned no account".into())
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
                .map_err(|e| vpcwarden_aws_setup::error_text(&e))?;
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
                .map_err(|e| vpcwarden_aws_setup::error_text(&e))?;
            let mut list = Vec::new();
            for a in out.addresses() {
                // EC2-Classic leftovers have no allocation id; they are not VPC addresses.
                let Some(Ok(allocation_id)) = a.allocation_id().map(AllocationId::parse) else {
                    continue;
                };
                list.push(SnapshotAddress {
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
                    tags: a
                        .tags()
                        .iter()
                        .map(|t| {
                            (
                                t.key().unwrap_or_default().to_string(),
                                t.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect(),
                    private_ip: non_empty(a.private_ip_address()),
                    domain: a.domain().map(|d| d.as_str().to_string()),
                    network_border_group: non_empty(a.network_border_group()),
                    snapshot_time: None,
                });
            }
            Ok(list)
        })
    }
}
