//! Malformed events and SQS endpoint policies, through the Lambda: each fails
//! with an error that names the problem, and moto's state is unchanged
//! afterwards (snapshotted and compared, not assumed).

use serde_json::{json, Value};
use vpcwarden_e2e::http::invoke;
use vpcwarden_e2e::world::{self, env_endpoints, Vpc, LOCKED_DOWN_POLICY};
use vpcwarden_e2e::{config_at, moto_ec2, standin, unique};
use vpcwarden_endpoints::{handle, Ec2Endpoints, Envelope, Lookup, MwaaApi, Settings};

type Mutation = Box<dyn Fn(&mut Value)>;

fn set(path: &'static [&'static str], v: Value) -> Mutation {
    Box::new(move |ev: &mut Value| {
        let mut cur = &mut ev["detail"];
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        cur[path[path.len() - 1]] = v.clone();
    })
}

fn remove(path: &'static [&'static str]) -> Mutation {
    Box::new(move |ev: &mut Value| {
        let mut cur = &mut ev["detail"];
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        if let Some(o) = cur.as_object_mut() {
            o.remove(path[path.len() - 1]);
        }
    })
}

/// Each VPC's state, to compare after an event.
async fn snapshot(ec2: &aws_sdk_ec2::Client, vpcs: &[&Vpc]) -> Vec<Value> {
    let mut out = Vec::new();
    for v in vpcs {
        out.push(world::state(ec2, &v.vpc_id).await);
    }
    out
}

async fn assert_unchanged(ec2: &aws_sdk_ec2::Client, vpcs: &[&Vpc], before: Vec<Value>, msg: &str) {
    for (v, b) in vpcs.iter().zip(before) {
        assert_eq!(
            world::state(ec2, &v.vpc_id).await,
            b,
            "state of {} changed after: {msg}",
            v.vpc_id
        );
    }
}

async fn assert_rejected(vpcs: &[&Vpc], ev: &Value, expect: &[&str]) {
    let ec2 = moto_ec2().await;
    let before = snapshot(&ec2, vpcs).await;
    let msg = invoke(&standin("VPCWARDEN_LAMBDA_URL"), "endpoint-provisioner", ev)
        .await
        .unwrap()
        .expect_err();
    for part in expect {
        assert!(
            msg.contains(part),
            "error {msg:?} does not mention {part:?}"
        );
    }
    assert_unchanged(&ec2, vpcs, before, &msg).await;
    if let Some(name) = ev["detail"]["name"].as_str() {
        assert!(
            env_endpoints(&ec2, name).await.is_empty(),
            "endpoints created for {name} after: {msg}"
        );
    }
}

/// An event lacking a field the decision needs is completed from
/// GetEnvironment (here MWAA does not know the environment: deleted, nothing
/// to clean up, nothing changed); acting on events alone it is refused,
/// naming the field.
async fn assert_completed_or_named(vpcs: &[&Vpc], ev: &Value, expect: &[&str]) {
    let ec2 = moto_ec2().await;
    let before = snapshot(&ec2, vpcs).await;
    let report = invoke(&standin("VPCWARDEN_LAMBDA_URL"), "endpoint-provisioner", ev)
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(report["decided_from"], "get_environment", "{report}");
    assert_eq!(report["action"], "cleanup", "{report}");
    let settings = Settings {
        lookup: Lookup::Never,
        ..Settings::new("us-east-1")
    };
    let mwaa = MwaaApi::new(
        &config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await,
        None,
    );
    let msg = handle(
        &Ec2Endpoints::new(ec2.clone()),
        &mwaa,
        Envelope::from_json(ev),
        &settings,
    )
    .await
    .unwrap_err()
    .to_string();
    for part in expect {
        assert!(
            msg.contains(part),
            "error {msg:?} does not mention {part:?}"
        );
    }
    assert_unchanged(&ec2, vpcs, before, &msg).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_events_name_the_field_and_change_nothing() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let other = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let no_sqs = world::vpc(&ec2, None).await;
    let two_vpcs = json!([vpc.subnets[0], other.subnets[0]]);

    let cases: Vec<(&str, Mutation, Vec<&str>)> = vec![
        (
            "missing name",
            remove(&["name"]),
            vec!["detail.name", "missing"],
        ),
        (
            "name is a number",
            set(&["name"], json!(5)),
            vec!["detail.name", "must be a string"],
        ),
        (
            "name starts with a digit",
            set(&["name"], json!("1env")),
            vec!["detail.name", "1env"],
        ),
        (
            "name too long",
            set(&["name"], json!("a".repeat(81))),
            vec!["detail.name", "at most 80"],
        ),
        (
            "missing status",
            remove(&["status"]),
            vec!["detail.status", "missing"],
        ),
        (
            "status is an object",
            set(&["status"], json!({"s": 1})),
            vec!["detail.status", "must be a string"],
        ),
        (
            "missing queue",
            remove(&["celeryExecutorQueue"]),
            vec!["detail.celeryExecutorQueue", "missing"],
        ),
        (
            "queue not an ARN",
            set(&["celeryExecutorQueue"], json!("airflow-celery-x")),
            vec!["detail.celeryExecutorQueue", "SQS queue ARN"],
        ),
        (
            "queue is a wildcard",
            set(
                &["celeryExecutorQueue"],
                json!("arn:aws:sqs:*:*:airflow-celery-*"),
            ),
            vec!["detail.celeryExecutorQueue"],
        ),
        (
            "queue is an SNS ARN",
            set(
                &["celeryExecutorQueue"],
                json!("arn:aws:sns:us-east-1:123456789012:t"),
            ),
            vec!["detail.celeryExecutorQueue"],
        ),
        (
            "queue is an array",
            set(
                &["celeryExecutorQueue"],
                json!(["arn:aws:sqs:us-east-1:123456789012:q"]),
            ),
            vec!["detail.celeryExecutorQueue", "must be a string"],
        ),
        (
            "missing database service",
            remove(&["databaseVpcEndpointService"]),
            vec!["detail.databaseVpcEndpointService", "missing"],
        ),
        (
            "bad database service",
            set(&["databaseVpcEndpointService"], json!("vpce-svc-123")),
            vec!["detail.databaseVpcEndpointService", "service name"],
        ),
        (
            "database service with a space",
            set(
                &["databaseVpcEndpointService"],
                json!("com.amazonaws.vpce.us-east-1.vpce svc"),
            ),
            vec!["detail.databaseVpcEndpointService"],
        ),
        (
            "private without webserver service",
            Box::new(|ev: &mut Value| {
                ev["detail"]["webserverAccessMode"] = json!("PRIVATE_ONLY");
                ev["detail"]
                    .as_object_mut()
                    .unwrap()
                    .remove("webserverVpcEndpointService");
            }),
            vec!["detail.webserverVpcEndpointService", "PRIVATE_ONLY"],
        ),
        (
            "unknown endpoint management",
            set(&["endpointManagement"], json!("MAYBE")),
            vec!["detail.endpointManagement", "MAYBE"],
        ),
        (
            "missing network configuration",
            remove(&["networkConfiguration"]),
            vec!["detail.networkConfiguration", "missing"],
        ),
        (
            "network configuration is a string",
            set(&["networkConfiguration"], json!("subnet-1")),
            vec!["detail.networkConfiguration", "must be an object"],
        ),
        (
            "missing subnets",
            remove(&["networkConfiguration", "subnetIds"]),
            vec!["detail.networkConfiguration.subnetIds", "missing"],
        ),
        (
            "empty subnets",
            set(&["networkConfiguration", "subnetIds"], json!([])),
            vec!["detail.networkConfiguration.subnetIds", "empty"],
        ),
        (
            "subnets is a string",
            set(&["networkConfiguration", "subnetIds"], json!("subnet-0a")),
            vec!["detail.networkConfiguration.subnetIds", "array of strings"],
        ),
        (
            "subnet id is a number",
            set(
                &["networkConfiguration", "subnetIds"],
                json!(["subnet-0a", 7]),
            ),
            vec![
                "detail.networkConfiguration.subnetIds[1]",
                "must be a string",
            ],
        ),
        (
            "subnet id malformed",
            set(
                &["networkConfiguration", "subnetIds"],
                json!(["subnet-xyz"]),
            ),
            vec!["detail.networkConfiguration.subnetIds[0]", "subnet-xyz"],
        ),
        (
            "empty security groups",
            set(&["networkConfiguration", "securityGroupIds"], json!([])),
            vec!["detail.networkConfiguration.securityGroupIds", "empty"],
        ),
        (
            "security group malformed",
            set(
                &["networkConfiguration", "securityGroupIds"],
                json!(["default"]),
            ),
            vec!["detail.networkConfiguration.securityGroupIds[0]", "default"],
        ),
        (
            "subnet does not exist",
            set(
                &["networkConfiguration", "subnetIds"],
                json!(["subnet-00000000000000000"]),
            ),
            vec!["subnet-00000000000000000", "not found"],
        ),
        (
            "subnets in two VPCs",
            set(&["networkConfiguration", "subnetIds"], two_vpcs),
            vec!["more than one VPC", &vpc.vpc_id, &other.vpc_id],
        ),
        (
            "VPC without SQS endpoint",
            set(
                &["networkConfiguration", "subnetIds"],
                json!(no_sqs.subnets),
            ),
            vec![&no_sqs.vpc_id, "no live SQS interface endpoint"],
        ),
        (
            "detail is a string",
            Box::new(|ev: &mut Value| ev["detail"] = json!("PENDING")),
            vec!["detail", "must be an object"],
        ),
        (
            "wrong source",
            Box::new(|ev: &mut Value| ev["source"] = json!("aws.ec2")),
            vec!["not an MWAA status change", "aws.ec2"],
        ),
        (
            "wrong detail-type",
            Box::new(|ev: &mut Value| {
                ev["detail-type"] = json!("EC2 Instance State-change Notification")
            }),
            vec!["not an MWAA status change"],
        ),
    ];
    assert!(cases.len() >= 30);
    for (what, mutate, expect) in cases {
        let env = unique("bad");
        let mut ev = world::pending(&env, &vpc, false);
        mutate(&mut ev);
        eprintln!("case: {what}");
        let vpcs = [&vpc, &other, &no_sqs];
        if what.starts_with("missing ") && !matches!(what, "missing name" | "missing status")
            || what == "private without webserver service"
        {
            assert_completed_or_named(&vpcs, &ev, &expect).await;
        } else {
            assert_rejected(&vpcs, &ev, &expect).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_sqs_endpoint_policies_are_reported_before_any_change() {
    let ec2 = moto_ec2().await;
    let near_limit = {
        // A real-looking policy padded with queue ARNs to just under 20,480 characters.
        let mut arns = Vec::new();
        let mut p = String::new();
        for i in 0.. {
            arns.push(format!(
                "\"arn:aws:sqs:us-east-1:123456789012:team-queue-{i:05}\""
            ));
            p = LOCKED_DOWN_POLICY.replace(
                r#""Resource":[]"#,
                &format!(r#""Resource":[{}]"#, arns.join(",")),
            );
            if p.len() > 20_480 - 60 {
                break;
            }
        }
        p
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("this is not json".into(), vec!["not valid JSON"]),
        (r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":42}]}"#.into(), vec!["$.Statement[0].Resource", "found a number"]),
        (r#"{"Statement":"allow everything"}"#.into(), vec!["$.Statement", "expected an object"]),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]},{"Sid":"NoAirflow","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:airflow-*"}]}"#.into(),
            vec!["NoAirflow", "explicit Deny"],
        ),
        (near_limit, vec!["20480"]),
        // A Deny on one Celery action beside an Allow for another: refused before any change.
        (
            r#"{"Statement":[{"Sid":"Recv","Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:*:*:airflow-celery-*"},{"Sid":"NoSend","Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:*:*:airflow-celery-*"}]}"#.into(),
            vec!["NoSend", "sqs:SendMessage", "explicit Deny"],
        ),
    ];
    for (policy, expect) in cases {
        let vpc = world::vpc(&ec2, Some(&policy)).await;
        let env = unique("badpol");
        let sqs = vpc.sqs_endpoint.clone().unwrap();
        let ev = world::pending(&env, &vpc, true);
        let mut expect = expect;
        expect.push(&sqs);
        assert_rejected(&[&vpc], &ev, &expect).await;
    }
}
