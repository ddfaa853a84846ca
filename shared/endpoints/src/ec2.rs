//! [`Ec2Port`] over the AWS SDK's EC2 client.

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    Filter, ResourceType, Tag, TagSpecification, VpcEndpoint, VpcEndpointType,
};
use aws_sdk_ec2::Client;

use crate::error::{aws_err, AwsError};
use crate::port::{Ec2Port, EndpointInfo, EndpointQuery, NewEndpoint};

/// EC2 adapter: holds the client, built once per process.
#[derive(Debug, Clone)]
pub struct Ec2Endpoints {
    client: Client,
}

impl Ec2Endpoints {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn to_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn info(e: &VpcEndpoint) -> EndpointInfo {
    EndpointInfo {
        id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
        vpc_id: e.vpc_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        state: e
            .state()
            .map(|s| s.as_str().to_ascii_lowercase())
            .unwrap_or_default(),
        policy: e.policy_document().map(str::to_string),
        tags: e
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        created_ms: e
            .creation_timestamp()
            .map(|t| t.to_millis().unwrap_or(0))
            .unwrap_or(0),
    }
}

impl Ec2Port for Ec2Endpoints {
    async fn subnet_vpcs(&self, subnet_ids: &[String]) -> Result<Vec<(String, String)>, AwsError> {
        // A filter (unlike SubnetIds) answers with what exists instead of failing on the first unknown id.
        let out = self
            .client
            .describe_subnets()
            .filters(
                Filter::builder()
                    .name("subnet-id")
                    .set_values(Some(subnet_ids.to_vec()))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_err("DescribeSubnets", e))?;
        Ok(out
            .subnets()
            .iter()
            .map(|s| {
                (
                    s.subnet_id().unwrap_or_default().to_string(),
                    s.vpc_id().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }

    async fn find_endpoints(&self, query: &EndpointQuery) -> Result<Vec<EndpointInfo>, AwsError> {
        let mut filters = vec![Filter::builder()
            .name("vpc-endpoint-state")
            .set_values(Some(
                ["pendingAcceptance", "pending", "available"]
                    .map(String::from)
                    .to_vec(),
            ))
            .build()];
        if let Some(vpc) = &query.vpc_id {
            filters.push(Filter::builder().name("vpc-id").values(vpc).build());
        }
        if let Some(service) = &query.service_name {
            filters.push(
                Filter::builder()
                    .name("service-name")
                    .values(service)
                    .build(),
            );
        }
        for (k, v) in &query.tags {
            filters.push(Filter::builder().name(format!("tag:{k}")).values(v).build());
        }
        let mut pages = self
            .client
            .describe_vpc_endpoints()
            .set_filters(Some(filters))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_err("DescribeVpcEndpoints", e))?;
            out.extend(
                page.vpc_endpoints()
                    .iter()
                    .map(info)
                    .filter(EndpointInfo::is_live),
            );
        }
        Ok(out)
    }

    async fn get_endpoint(&self, id: &str) -> Result<Option<EndpointInfo>, AwsError> {
        match self
            .client
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.vpc_endpoints().first().map(info)),
            Err(e) if e.code() == Some("InvalidVpcEndpointId.NotFound") => Ok(None),
            Err(e) => Err(aws_err("DescribeVpcEndpoints", e)),
        }
    }

    async fn create_endpoint(&self, new: &NewEndpoint) -> Result<EndpointInfo, AwsError> {
        let out = self
            .client
            .create_vpc_endpoint()
            .vpc_endpoint_type(VpcEndpointType::Interface)
            .vpc_id(&new.vpc_id)
            .service_name(&new.service_name)
            .set_subnet_ids(Some(new.subnet_ids.clone()))
            .set_security_group_ids(Some(new.security_group_ids.clone()))
            // MWAA's database and web server services are PrivateLink services without private DNS names.
            .private_dns_enabled(false)
            .client_token(&new.client_token)
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::VpcEndpoint)
                    .set_tags(Some(to_tags(&new.tags)))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_err("CreateVpcEndpoint", e))?;
        out.vpc_endpoint().map(info).ok_or_else(|| AwsError {
            operation: "CreateVpcEndpoint",
            code: "EmptyResponse".into(),
            message: "the response has no endpoint".into(),
            retryable: true,
            request_id: None,
        })
    }

    async fn delete_endpoints(&self, ids: &[String]) -> Result<(), AwsError> {
        if ids.is_empty() {
            return Ok(());
        }
        let out = self
            .client
            .delete_vpc_endpoints()
            .set_vpc_endpoint_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(|e| aws_err("DeleteVpcEndpoints", e))?;
        // Per-endpoint failures come back as data, not as an error; an endpoint already gone is success.
        if let Some(item) = out
            .unsuccessful()
            .iter()
            .find(|u| u.error().and_then(|e| e.code()) != Some("InvalidVpcEndpoint.NotFound"))
        {
            let err = item.error();
            return Err(AwsError {
                operation: "DeleteVpcEndpoints",
                code: err.and_then(|e| e.code()).unwrap_or("Unknown").to_string(),
                message: format!(
                    "{}: {}",
                    item.resource_id().unwrap_or_default(),
                    err.and_then(|e| e.message()).unwrap_or_default()
                ),
                retryable: false,
                request_id: None,
            });
        }
        Ok(())
    }

    async fn put_policy(&self, id: &str, policy: &str) -> Result<(), AwsError> {
        self.client
            .modify_vpc_endpoint()
            .vpc_endpoint_id(id)
            .policy_document(policy)
            .send()
            .await
            .map_err(|e| aws_err("ModifyVpcEndpoint", e))?;
        Ok(())
    }

    async fn put_tags(&self, id: &str, tags: &[(String, String)]) -> Result<(), AwsError> {
        self.client
            .create_tags()
            .resources(id)
            .set_tags(Some(to_tags(tags)))
            .send()
            .await
            .map_err(|e| aws_err("CreateTags", e))?;
        Ok(())
    }

    async fn delete_tag_if(&self, id: &str, key: &str, value: &str) -> Result<(), AwsError> {
        self.client
            .delete_tags()
            .resources(id)
            .tags(Tag::builder().key(key).value(value).build())
            .send()
            .await
            .map_err(|e| aws_err("DeleteTags", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::error::{ErrorMetadata, SdkError};
    use aws_sdk_ec2::operation::modify_vpc_endpoint::ModifyVpcEndpointError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn denied() -> SdkError<ModifyVpcEndpointError, Response> {
        let meta = ErrorMetadata::builder()
            .code("UnauthorizedOperation")
            .message("You are not authorized to perform this operation.")
            .custom("aws_request_id", "7f8e9d0c-1b2a-4c3d-9e8f-a1b2c3d4e5f6")
            .build();
        SdkError::service_error(
            ModifyVpcEndpointError::generic(meta),
            Response::new(StatusCode::try_from(403).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn an_aws_error_is_one_readable_line_with_code_message_and_request_id() {
        let e = aws_err("ModifyVpcEndpoint", denied());
        assert!(!e.retryable);
        assert_eq!(
            e.to_string(),
            "ModifyVpcEndpoint failed: UnauthorizedOperation: You are not authorized to perform this operation. (request id 7f8e9d0c-1b2a-4c3d-9e8f-a1b2c3d4e5f6)"
        );
        assert_eq!(
            vpcwarden_aws_setup::error_text(&denied()),
            "UnauthorizedOperation: You are not authorized to perform this operation. (request id 7f8e9d0c-1b2a-4c3d-9e8f-a1b2c3d4e5f6)"
        );
    }
}
