//! SQS endpoint policy shapes met in the field, through the Lambda against
//! moto: the exact policy after PENDING, and the original back after DELETED.

use vpcwarden_e2e::http::invoke;
use vpcwarden_e2e::world::{self, policy_text, queue_arn};
use vpcwarden_e2e::{moto_ec2, standin, unique};
use vpcwarden_policy::Policy;

const ACTIONS: &str = r#"["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ReceiveMessage","sqs:SendMessage"]"#;

/// The statement vpcwarden adds: the queue for the environment's account only.
const GRANT: &str = r#"{"Sid":"VpcwardenMwaaCeleryQueuesACCOUNT","Effect":"Allow","Principal":"*","Action":ACTIONS,"Resource":["QUEUE"],"Condition":{"StringEquals":{"aws:PrincipalAccount":"ACCOUNT"}}}"#;

/// Runs PENDING then DELETED on a fresh VPC whose SQS endpoint has `original`
/// (with `QUEUE` standing for the environment's queue ARN); checks the policy
/// after PENDING equals `expected` and the decision reported.
async fn check(original: &str, expected: &str, decision: &str) {
    let ec2 = moto_ec2().await;
    let env = unique("shape");
    let q = queue_arn(&env);
    let original = original.replace("QUEUE", &q);
    let expected = expected
        .replace("GRANT", GRANT)
        .replace("QUEUE", &q)
        .replace("ACTIONS", ACTIONS)
        .replace("ACCOUNT", world::ACCOUNT);
    let vpc = world::vpc(&ec2, Some(&original)).await;
    let sqs = vpc.sqs_endpoint.clone().unwrap();
    let lambda = standin("VPCWARDEN_LAMBDA_URL");

    let report = invoke(
        &lambda,
        "endpoint-provisioner",
        &world::pending(&env, &vpc, false),
    )
    .await
    .unwrap()
    .expect_ok();
    assert_eq!(report["policies"][0]["decision"], decision, "{report}");
    assert_eq!(policy_text(&ec2, &sqs).await, expected);

    invoke(&lambda, "endpoint-provisioner", &world::deleted(&env))
        .await
        .unwrap()
        .expect_ok();
    let restored = policy_text(&ec2, &sqs).await;
    if original.contains(r#""Statement":{"#) {
        // A single statement had to become an array to take a second one; it
        // comes back as a one-element array: the same grant, not the same text.
        let canon = |t: &str| Policy::parse(t).unwrap().canonical();
        assert_eq!(
            canon(&restored),
            canon(&original),
            "DELETED did not restore the policy"
        );
    } else {
        assert_eq!(restored, original, "DELETED did not restore the policy");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn statement_object_with_resource_string() {
    check(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:other"}}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:other"},GRANT]}"#,
        "claimed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn statement_array_with_resource_array_keeps_other_statements() {
    check(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Logs","Effect":"Allow","Principal":"*","Action":"logs:*","Resource":"*"},{"Sid":"Queues","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:us-east-1:123456789012:a"]}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Logs","Effect":"Allow","Principal":"*","Action":"logs:*","Resource":"*"},{"Sid":"Queues","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:us-east-1:123456789012:a"]},GRANT]}"#,
        "claimed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_resource_array() {
    check(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]},GRANT]}"#,
        "claimed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn covered_by_a_wildcard_is_a_no_op_and_survives_deletion() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:airflow-celery-*"}]}"#;
    check(p, p, "already_allowed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn covered_by_star_is_a_no_op() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    check(p, p, "already_allowed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn already_listed_by_its_owner_is_left_to_its_owner() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["QUEUE"]}]}"#;
    check(p, p, "already_allowed").await;
}

#[tokio::test(flavor = "multi_thread")]
/// An Allow that names a principal is never diluted: the queue goes to the
/// environment's account in a statement of its own, never to everyone.
async fn a_principal_restricted_policy_grants_the_environments_account_only() {
    check(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"sqs:*","Resource":"*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"sqs:*","Resource":"*"},GRANT]}"#,
        "claimed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pretty_printed_policy_stays_pretty() {
    let ec2 = moto_ec2().await;
    let original = "{\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": \"*\",\n      \"Action\": \"sqs:*\",\n      \"Resource\": []\n    }\n  ]\n}";
    let vpc = world::vpc(&ec2, Some(original)).await;
    let env = unique("pretty");
    invoke(
        &standin("VPCWARDEN_LAMBDA_URL"),
        "endpoint-provisioner",
        &world::pending(&env, &vpc, false),
    )
    .await
    .unwrap()
    .expect_ok();
    let after = policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert!(
        after.contains("\n      \"Resource\": [\n        \"arn:aws:sqs:"),
        "{after}"
    );
}
