//! The adapters: EC2 and Route 53 through the SDK (in the hub account with
//! its own credentials, elsewhere through the member release role), and the
//! data bucket for marks and evidence.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_ec2::config::{Credentials, Region, SharedCredentialsProvider};
use aws_sdk_ec2::types::{AddressAttributeName, Filter, ResourceType, Tag, TagSpecification};
use vpcwarden_aws_setup::{aws_err, error_code, AwsError};
use vpcwarden_inventory::snapshot_address;
use vpcwarden_store::ObjectStore;

use crate::evidence::Evidence;
use crate::marks::{MarkRecord, MARKS};
use crate::ports::{
    AccountOps, Accounts, DnsRecord, Fut, Live, OpenError, RecordError, Records, ReleaseRefusal,
    SgRule,
};
use crate::restore::RestorePort;

/// Opens the hub account with its own credentials and every other account
/// through `arn:<partition>:iam::<account>:role/<role_name>`.
#[derive(Debug, Clone)]
pub struct SdkAccounts {
    config: SdkConfig,
    own_account: String,
    role_name: String,
}

impl SdkAccounts {
    /// `own_account` is the account `config`'s credentials belong to.
    pub fn new(config: SdkConfig, own_account: String, role_name: String) -> Self {
        SdkAccounts {
            config,
            own_account,
            role_name,
        }
    }
}

impl Accounts for SdkAccounts {
    fn open<'a>(&'a self, account: &'a str) -> Fut<'a, Result<Arc<dyn AccountOps>, OpenError>> {
        Box::pin(async move {
            if account == self.own_account {
                return Ok(
                    Arc::new(SdkAccountOps::new(self.config.clone(), None)) as Arc<dyn AccountOps>
                );
            }
            let role = format!("arn:aws:iam::{account}:role/{}", self.role_name);
            let creds = assume(&self.config, &role, "vpcwarden-release")
                .await
                .map_err(|e| match e.code.as_str() {
                    "AccessDenied" | "AccessDeniedException" | "NoSuchEntity" => {
                        OpenError::NoRole {
                            account: account.to_string(),
                            detail: format!("cannot assume {role}: {}", e.message),
                        }
                    }
                    _ => OpenError::Failed {
                        account: account.to_string(),
                        message: e.to_string(),
                    },
                })?;
            Ok(
                Arc::new(SdkAccountOps::new(self.config.clone(), Some(creds)))
                    as Arc<dyn AccountOps>,
            )
        })
    }
}

/// Credentials of `role_arn`, assumed now (so a missing role is known at once).
pub async fn assume(
    config: &SdkConfig,
    role_arn: &str,
    session: &str,
) -> Result<SharedCredentialsProvider, AwsError> {
    let out = aws_sdk_sts::Client::new(config)
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(session)
        .send()
        .await
        .map_err(|e| aws_err("AssumeRole", e))?;
    let c = out.credentials().ok_or_else(|| AwsError {
        operation: "AssumeRole",
        code: "NoCredentials".into(),
        message: "the answer carries no credentials".into(),
        retryable: false,
        request_id: None,
    })?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    Ok(SharedCredentialsProvider::new(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "vpcwarden-assumed",
    )))
}

/// EC2 and Route 53 calls in one account.
#[derive(Debug, Clone)]
pub struct SdkAccountOps {
    config: SdkConfig,
    creds: Option<SharedCredentialsProvider>,
}

impl SdkAccountOps {
    /// Over `config`, with `creds` when acting in another account.
    pub fn new(config: SdkConfig, creds: Option<SharedCredentialsProvider>) -> Self {
        SdkAccountOps { config, creds }
    }

    fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        if let Some(c) = &self.creds {
            b = b.credentials_provider(c.clone());
        }
        aws_sdk_ec2::Client::from_conf(b.build())
    }

    fn route53(&self) -> aws_sdk_route53::Client {
        // Route 53 is global: its endpoint is in us-east-1 (aws partition).
        let mut b = aws_sdk_route53::config::Builder::from(&self.config)
            .region(aws_sdk_route53::config::Region::new("us-east-1"));
        if let Some(c) = &self.creds {
            b = b.credentials_provider(c.clone());
        }
        aws_sdk_route53::Client::from_conf(b.build())
    }
}

impl AccountOps for SdkAccountOps {
    fn live<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
    ) -> Fut<'a, Result<Option<Live>, AwsError>> {
        Box::pin(async move {
            match self
                .ec2(region)
                .describe_addresses()
                .allocation_ids(allocation_id)
                .send()
                .await
            {
                // Read as the snapshot reads it, so "attached" means the same to both.
                Ok(out) => Ok(out
                    .addresses()
                    .first()
                    .and_then(|a| snapshot_address(a, region))
                    .map(|s| Live {
                        associated: s.is_associated(),
                        public_ip: s.public_ip,
                        tags: s.tags,
                    })),
                Err(e) if error_code(&e) == Some("InvalidAllocationID.NotFound") => Ok(None),
                Err(e) => Err(aws_err("DescribeAddresses", e)),
            }
        })
    }

    fn reverse_dns<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>> {
        Box::pin(async move {
            let out = self
                .ec2(region)
                .describe_addresses_attribute()
                .allocation_ids(allocation_id)
                .attribute(AddressAttributeName::DomainName)
                .send()
                .await
                .map_err(|e| aws_err("DescribeAddressesAttribute", e))?;
            Ok(out
                .addresses()
                .iter()
                .filter_map(|a| a.ptr_record())
                .find(|p| !p.is_empty())
                .map(str::to_string))
        })
    }

    fn dns_records(&self) -> Fut<'_, Result<Vec<DnsRecord>, AwsError>> {
        Box::pin(async move {
            let client = self.route53();
            let mut zones = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let page = client
                    .list_hosted_zones()
                    .set_marker(marker.clone())
                    .send()
                    .await
                    .map_err(|e| aws_err("ListHostedZones", e))?;
                zones.extend(page.hosted_zones().iter().cloned());
                match page.next_marker() {
                    Some(m) if page.is_truncated() => marker = Some(m.to_string()),
                    _ => break,
                }
            }
            let mut out = Vec::new();
            for z in zones {
                let private = z.config().is_some_and(|c| c.private_zone());
                let mut start: Option<(String, aws_sdk_route53::types::RrType, Option<String>)> =
                    None;
                loop {
                    let mut req = client.list_resource_record_sets().hosted_zone_id(z.id());
                    if let Some((name, kind, ident)) = start.take() {
                        req = req
                            .start_record_name(name)
                            .start_record_type(kind)
                            .set_start_record_identifier(ident);
                    }
                    let page = req
                        .send()
                        .await
                        .map_err(|e| aws_err("ListResourceRecordSets", e))?;
                    for rrs in page.resource_record_sets() {
                        let kind = rrs.r#type().as_str();
                        if !matches!(kind, "A" | "AAAA" | "CNAME") {
                            continue;
                        }
                        let (kind, values) = match rrs.alias_target() {
                            Some(a) => (format!("{kind} alias"), vec![a.dns_name().to_string()]),
                            None => (
                                kind.to_string(),
                                rrs.resource_records()
                                    .iter()
                                    .map(|v| v.value().to_string())
                                    .collect(),
                            ),
                        };
                        out.push(DnsRecord {
                            zone: z.name().to_string(),
                            private,
                            name: rrs.name().to_string(),
                            kind,
                            values,
                        });
                    }
                    match (
                        page.is_truncated(),
                        page.next_record_name(),
                        page.next_record_type(),
                    ) {
                        (true, Some(n), Some(t)) => {
                            start = Some((
                                n.to_string(),
                                t.clone(),
                                page.next_record_identifier().map(str::to_string),
                            ))
                        }
                        _ => break,
                    }
                }
            }
            Ok(out)
        })
    }

    fn security_group_rules<'a>(
        &'a self,
        region: &'a str,
    ) -> Fut<'a, Result<Vec<SgRule>, AwsError>> {
        Box::pin(async move {
            let client = self.ec2(region);
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = client
                    .describe_security_group_rules()
                    .set_next_token(token.clone())
                    .max_results(1000)
                    .send()
                    .await
                    .map_err(|e| aws_err("DescribeSecurityGroupRules", e))?;
                out.extend(page.security_group_rules().iter().filter_map(|r| {
                    Some(SgRule {
                        group_id: r.group_id()?.to_string(),
                        rule_id: r.security_group_rule_id().unwrap_or_default().to_string(),
                        cidr: r.cidr_ipv4()?.to_string(),
                        egress: r.is_egress().unwrap_or(false),
                    })
                }));
                match page.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Ok(out)
        })
    }

    fn set_tags<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<(), AwsError>> {
        Box::pin(async move {
            self.ec2(region)
                .create_tags()
                .resources(allocation_id)
                .set_tags(Some(
                    tags.into_iter()
                        .map(|(k, v)| Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .send()
                .await
                .map_err(|e| aws_err("CreateTags", e))?;
            Ok(())
        })
    }

    fn remove_tags<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        keys: Vec<String>,
    ) -> Fut<'a, Result<(), AwsError>> {
        Box::pin(async move {
            self.ec2(region)
                .delete_tags()
                .resources(allocation_id)
                .set_tags(Some(
                    keys.into_iter()
                        .map(|k| Tag::builder().key(k).build())
                        .collect(),
                ))
                .send()
                .await
                .map_err(|e| aws_err("DeleteTags", e))?;
            Ok(())
        })
    }

    fn release<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        dry_run: bool,
    ) -> Fut<'a, Result<(), ReleaseRefusal>> {
        Box::pin(async move {
            match self
                .ec2(region)
                .release_address()
                .allocation_id(allocation_id)
                .dry_run(dry_run)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                // EC2's answer to a dry run that would have succeeded.
                Err(e) if dry_run && error_code(&e) == Some("DryRunOperation") => Ok(()),
                Err(e) if error_code(&e) == Some("InvalidAddress.PtrSet") => {
                    Err(ReleaseRefusal::PtrSet(aws_err("ReleaseAddress", e).message))
                }
                Err(e) => Err(ReleaseRefusal::Aws(aws_err("ReleaseAddress", e))),
            }
        })
    }
}

impl RestorePort for SdkAccountOps {
    fn find<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>> {
        Box::pin(async move {
            let out = self
                .ec2(region)
                .describe_addresses()
                .filters(Filter::builder().name("public-ip").values(ip).build())
                .send()
                .await
                .map_err(|e| aws_err("DescribeAddresses", e))?;
            Ok(out
                .addresses()
                .iter()
                .filter(|a| a.public_ip() == Some(ip))
                .find_map(|a| a.allocation_id().map(str::to_string)))
        })
    }

    fn allocate<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<String, AwsError>> {
        Box::pin(async move {
            let mut req = self
                .ec2(region)
                .allocate_address()
                .domain(aws_sdk_ec2::types::DomainType::Vpc)
                .address(ip);
            if !tags.is_empty() {
                req = req.tag_specifications(
                    TagSpecification::builder()
                        .resource_type(ResourceType::ElasticIp)
                        .set_tags(Some(
                            tags.into_iter()
                                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                                .collect(),
                        ))
                        .build(),
                );
            }
            let out = req
                .send()
                .await
                .map_err(|e| aws_err("AllocateAddress", e))?;
            Ok(out.allocation_id().unwrap_or_default().to_string())
        })
    }
}

/// Marks and evidence in the data bucket.
#[derive(Debug, Clone)]
pub struct BucketRecords<S> {
    bucket: S,
}

impl<S: ObjectStore> BucketRecords<S> {
    /// In `bucket` (the data bucket, or any object store).
    pub fn new(bucket: S) -> Self {
        BucketRecords { bucket }
    }
}

impl<S: ObjectStore> Records for BucketRecords<S> {
    fn marks(&self) -> Fut<'_, Result<Vec<MarkRecord>, RecordError>> {
        Box::pin(async move {
            let keys = self
                .bucket
                .list(MARKS)
                .await
                .map_err(|e| RecordError(e.to_string()))?;
            let mut out = Vec::new();
            for (key, _) in keys.iter().filter(|(k, _)| k.ends_with(".json")) {
                let body = self
                    .bucket
                    .get(key)
                    .await
                    .map_err(|e| RecordError(e.to_string()))?;
                let mark: MarkRecord = serde_json::from_slice(&body).map_err(|e| {
                    RecordError(format!(
                        "s3://{}/{key}: not a mark record: {e}",
                        self.bucket.name()
                    ))
                })?;
                out.push(mark);
            }
            Ok(out)
        })
    }

    fn put_mark<'a>(&'a self, mark: &'a MarkRecord) -> Fut<'a, Result<(), RecordError>> {
        Box::pin(async move {
            let body = serde_json::to_vec_pretty(mark).expect("a mark serializes");
            self.bucket
                .put(&mark.key(), body, "application/json")
                .await
                .map_err(|e| RecordError(e.to_string()))
        })
    }

    fn put_evidence<'a>(
        &'a self,
        key: &'a str,
        record: &'a Evidence,
    ) -> Fut<'a, Result<(), RecordError>> {
        Box::pin(async move {
            let body = serde_json::to_vec_pretty(record).expect("evidence serializes");
            self.bucket
                .put(key, body, "application/json")
                .await
                .map_err(|e| RecordError(e.to_string()))
        })
    }
}
