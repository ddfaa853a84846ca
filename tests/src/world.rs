//! Realistic MWAA networking laid out in moto, MWAA events (MWAA itself is not
//! emulated: events are built here to the documented `Environment` shape), and
//! state snapshots for "nothing changed" assertions.

use aws_sdk_ec2::types::{Filter, VpcEndpointType};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

/// Account moto uses.
pub const ACCOUNT: &str = "123456789012";

/// The SQS endpoint policy MWAA's customer-managed-endpoint setup starts from:
/// the allowed Celery queues are listed, and at first there are none.
pub const LOCKED_DOWN_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowMwaaCeleryQueues","Effect":"Allow","Principal":"*","Action":["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ReceiveMessage","sqs:SendMessage"],"Resource":[]}]}"#;

/// `policy` (a JSON object text ending in `]}`) with vpcwarden's statement
/// for `account` appended: `queues` for that account's principals only.
pub fn with_grant(policy: &str, account: &str, queues: &[String]) -> String {
    let statement = json!({
        "Sid": format!("VpcwardenMwaaCeleryQueues{account}"),
        "Effect": "Allow",
        "Principal": "*",
        "Action": vpcwarden_endpoints::ledger::CELERY_ACTIONS,
        "Resource": queues,
        "Condition": {"StringEquals": {"aws:PrincipalAccount": account}}
    });
    let head = policy.strip_suffix("]}").expect("a policy ending in ]}");
    format!("{head},{statement}]}}")
}

/// A VPC with two private subnets, a security group and (optionally) an SQS interface endpoint.
#[derive(Debug, Clone)]
pub struct Vpc {
    /// Region.
    pub region: String,
    /// VPC id.
    pub vpc_id: String,
    /// Two subnets in two AZs.
    pub subnets: Vec<String>,
    /// Security group for the environment.
    pub security_group: String,
    /// SQS interface endpoint, if created.
    pub sqs_endpoint: Option<String>,
}

/// Creates a VPC; with `sqs_policy`, also its SQS interface endpoint with that policy text.
pub async fn vpc(ec2: &Client, sqs_policy: Option<&str>) -> Vpc {
    vpc_in(ec2, "us-east-1", sqs_policy).await
}

/// [`vpc`] in `region` (the client must be of that region).
pub async fn vpc_in(ec2: &Client, region: &str, sqs_policy: Option<&str>) -> Vpc {
    let vpc_id = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let mut subnets = Vec::new();
    for (i, az) in ["a", "b"].iter().enumerate() {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.0.{}.0/24", i + 1))
            .availability_zone(format!("{region}{az}"))
            .send()
            .await
            .unwrap();
        subnets.push(s.subnet().unwrap().subnet_id().unwrap().to_string());
    }
    let security_group = ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name(crate::unique("mwaa"))
        .description("MWAA environment")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let mut out = Vpc {
        region: region.to_string(),
        vpc_id,
        subnets,
        security_group,
        sqs_endpoint: None,
    };
    if let Some(policy) = sqs_policy {
        out.sqs_endpoint = Some(sqs_endpoint(ec2, &out, policy).await);
    }
    out
}

/// Sets one tag on a resource (as a person or an earlier release would).
pub async fn tag(ec2: &Client, id: &str, key: &str, value: &str) {
    ec2.create_tags()
        .resources(id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// An interface endpoint to `service` in the VPC, made outside vpcwarden
/// (the network team's IaC, or an earlier release with its `tags`); its id.
pub async fn endpoint(ec2: &Client, vpc: &Vpc, service: &str, tags: &[(&str, &str)]) -> String {
    let id = create_endpoint(ec2, vpc, service, None).await;
    for (k, v) in tags {
        tag(ec2, &id, k, v).await;
    }
    id
}

/// Adds an SQS interface endpoint to the VPC.
pub async fn sqs_endpoint(ec2: &Client, vpc: &Vpc, policy: &str) -> String {
    let service = format!("com.amazonaws.{}.sqs", vpc.region);
    create_endpoint(ec2, vpc, &service, Some(policy)).await
}

async fn create_endpoint(ec2: &Client, vpc: &Vpc, service: &str, policy: Option<&str>) -> String {
    ec2.create_vpc_endpoint()
        .vpc_id(&vpc.vpc_id)
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name(service)
        .set_subnet_ids(Some(vpc.subnets.clone()))
        .security_group_ids(&vpc.security_group)
        .set_policy_document(policy.map(str::to_string))
        .send()
        .await
        .unwrap()
        .vpc_endpoint()
        .unwrap()
        .vpc_endpoint_id()
        .unwrap()
        .to_string()
}

/// The environment's Celery queue ARN.
pub fn queue_arn(env: &str) -> String {
    format!("arn:aws:sqs:us-east-1:{ACCOUNT}:airflow-celery-{env}")
}

/// An EventBridge envelope around an MWAA detail.
pub fn event(id: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": "MWAA Environment Status Change",
        "source": "aws.airflow",
        "account": ACCOUNT,
        // Emitted now: an event older than the tool's last action is stale.
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "us-east-1",
        "resources": [format!("arn:aws:airflow:us-east-1:{ACCOUNT}:environment/{}", detail["name"].as_str().unwrap_or(""))],
        "detail": detail
    })
}

/// The detail of a `PENDING` event for an environment in `vpc`.
pub fn pending_detail(env: &str, vpc: &Vpc, private: bool) -> Value {
    let mut d = json!({
        "name": env,
        "arn": format!("arn:aws:airflow:us-east-1:{ACCOUNT}:environment/{env}"),
        "status": "PENDING",
        "endpointManagement": "CUSTOMER",
        "celeryExecutorQueue": queue_arn(env),
        "databaseVpcEndpointService": format!("com.amazonaws.vpce.us-east-1.vpce-svc-db{:0>15}", hex_of(env)),
        "networkConfiguration": { "subnetIds": vpc.subnets, "securityGroupIds": [vpc.security_group] },
        "airflowVersion": "2.10.3",
        "environmentClass": "mw1.small"
    });
    if private {
        d["webserverAccessMode"] = json!("PRIVATE_ONLY");
        d["webserverVpcEndpointService"] = json!(format!(
            "com.amazonaws.vpce.us-east-1.vpce-svc-web{:0>14}",
            hex_of(env)
        ));
    } else {
        d["webserverAccessMode"] = json!("PUBLIC_ONLY");
    }
    d
}

fn hex_of(s: &str) -> String {
    let h = s
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    format!("{:x}", h & 0xffff_ffff_ffff)
}

/// A `PENDING` event.
pub fn pending(env: &str, vpc: &Vpc, private: bool) -> Value {
    event(&format!("pending-{env}"), pending_detail(env, vpc, private))
}

/// A `DELETED` event (MWAA sends no network configuration then).
pub fn deleted(env: &str) -> Value {
    event(
        &format!("deleted-{env}"),
        json!({ "name": env, "status": "DELETED" }),
    )
}

/// Live endpoints of a VPC as comparable JSON: service, state, type, policy, tags (sorted), id.
pub async fn state(ec2: &Client, vpc_id: &str) -> Value {
    let out = ec2
        .describe_vpc_endpoints()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .unwrap();
    let mut eps: Vec<Value> = out
        .vpc_endpoints()
        .iter()
        .filter(|e| e.state().map(|s| s.as_str()) != Some("deleted"))
        .map(|e| {
            let mut tags: Vec<(String, String)> = e
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().into(),
                        t.value().unwrap_or_default().into(),
                    )
                })
                .collect();
            tags.sort();
            json!({
                "id": e.vpc_endpoint_id(),
                "service": e.service_name(),
                "state": e.state().map(|s| s.as_str().to_string()),
                "policy": e.policy_document(),
                "tags": tags,
            })
        })
        .collect();
    eps.sort_by_key(|v| v["id"].as_str().unwrap_or_default().to_string());
    Value::Array(eps)
}

/// The SQS endpoint's policy text.
pub async fn policy_text(ec2: &Client, endpoint_id: &str) -> String {
    let out = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(endpoint_id)
        .send()
        .await
        .unwrap();
    out.vpc_endpoints()[0]
        .policy_document()
        .unwrap_or_default()
        .to_string()
}

/// Live endpoints tagged for an environment: (role, service name, id), sorted.
pub async fn env_endpoints(ec2: &Client, env: &str) -> Vec<(String, String, String)> {
    let out = ec2
        .describe_vpc_endpoints()
        .filters(
            Filter::builder()
                .name("tag:vpcwarden:environment")
                .values(env)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut v: Vec<_> = out
        .vpc_endpoints()
        .iter()
        .filter(|e| e.state().map(|s| s.as_str()) != Some("deleted"))
        .map(|e| {
            let role = e
                .tags()
                .iter()
                .find(|t| t.key() == Some("vpcwarden:role"))
                .and_then(|t| t.value())
                .unwrap_or_default();
            (
                role.to_string(),
                e.service_name().unwrap_or_default().to_string(),
                e.vpc_endpoint_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// How often `arn` appears in the policy's resources.
pub fn arn_count(policy: &str, arn: &str) -> usize {
    let p = vpcwarden_policy::Policy::parse(policy).unwrap();
    p.statements()
        .iter()
        .flat_map(|s| s.resource.iter().flat_map(|r| r.iter()))
        .filter(|r| *r == arn)
        .count()
}
