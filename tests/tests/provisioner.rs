//! The endpoint-provisioner Lambda, invoked through `cargo lambda watch`,
//! against moto: creation, redelivery, concurrency, cleanup.

use serde_json::Value;
use tokio::task::JoinSet;
use vpcwarden_e2e::http::{invoke, Invocation};
use vpcwarden_e2e::world::{
    self, arn_count, env_endpoints, policy_text, queue_arn, LOCKED_DOWN_POLICY,
};
use vpcwarden_e2e::{moto_ec2, standin, unique};

async fn call(event: &Value) -> Invocation {
    invoke(
        &standin("VPCWARDEN_LAMBDA_URL"),
        "endpoint-provisioner",
        event,
    )
    .await
    .expect("invoke")
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_public_environment_gets_a_database_endpoint_and_its_queue_allowed() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("pub");
    let ev = world::pending(&env, &vpc, false);
    let report = call(&ev).await.expect_ok();

    let eps = env_endpoints(&ec2, &env).await;
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].0, "database");
    assert_eq!(
        eps[0].1,
        ev["detail"]["databaseVpcEndpointService"].as_str().unwrap()
    );
    assert_eq!(report["created"][0]["endpoint_id"], eps[0].2.as_str());
    assert_eq!(report["vpc_id"], vpc.vpc_id.as_str());

    let sqs = vpc.sqs_endpoint.as_deref().unwrap();
    let policy = policy_text(&ec2, sqs).await;
    assert_eq!(arn_count(&policy, &queue_arn(&env)), 1);
    assert_eq!(
        policy,
        world::with_grant(LOCKED_DOWN_POLICY, world::ACCOUNT, &[queue_arn(&env)]),
        "only the environment's account's grant was added"
    );
    assert_eq!(report["policies"][0]["decision"], "claimed");

    // The endpoint carries the tags the cleanup and the IAM conditions rely on.
    let state = world::state(&ec2, &vpc.vpc_id).await;
    let ours = state
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == eps[0].2.as_str())
        .unwrap();
    let tags: Vec<(String, String)> = serde_json::from_value(ours["tags"].clone()).unwrap();
    for (k, v) in [
        ("Name", format!("mwaa-{env}-database")),
        ("vpcwarden:environment", env.clone()),
        ("vpcwarden:managed-by", "vpcwarden".into()),
        ("vpcwarden:role", "database".into()),
        ("vpcwarden:account", world::ACCOUNT.into()),
    ] {
        assert!(
            tags.contains(&(k.to_string(), v.clone())),
            "missing tag {k}={v} in {tags:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_private_environment_also_gets_a_webserver_endpoint() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("priv");
    let ev = world::pending(&env, &vpc, true);
    call(&ev).await.expect_ok();
    let eps = env_endpoints(&ec2, &env).await;
    let roles: Vec<(&str, &str)> = eps
        .iter()
        .map(|(r, s, _)| (r.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        roles,
        vec![
            (
                "database",
                ev["detail"]["databaseVpcEndpointService"].as_str().unwrap()
            ),
            (
                "webserver",
                ev["detail"]["webserverVpcEndpointService"]
                    .as_str()
                    .unwrap()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_delivered_five_times_in_sequence_creates_once() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("seq");
    let ev = world::pending(&env, &vpc, true);
    call(&ev).await.expect_ok();
    let after_first = world::state(&ec2, &vpc.vpc_id).await;
    for _ in 0..4 {
        let report = call(&ev).await.expect_ok();
        assert!(
            report["created"].as_array().unwrap().is_empty(),
            "redelivery created: {report}"
        );
        assert_eq!(report["existing"].as_array().unwrap().len(), 2);
        assert_eq!(
            report["policies"][0]["writes"], 0,
            "redelivery rewrote the policy"
        );
    }
    assert_eq!(
        world::state(&ec2, &vpc.vpc_id).await,
        after_first,
        "redeliveries changed moto's state"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_delivered_five_times_concurrently_leaves_one_endpoint_per_service() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("conc");
    let ev = world::pending(&env, &vpc, true);
    let mut set = JoinSet::new();
    for _ in 0..5 {
        let ev = ev.clone();
        set.spawn(async move { call(&ev).await.expect_ok() });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    let eps = env_endpoints(&ec2, &env).await;
    let roles: Vec<&str> = eps.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(roles, ["database", "webserver"], "{eps:?}");
    let policy = policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert_eq!(arn_count(&policy, &queue_arn(&env)), 1, "{policy}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_environments_at_once_all_get_in_and_twenty_deletions_restore_the_policy() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let sqs = vpc.sqs_endpoint.clone().unwrap();
    let envs: Vec<String> = (0..20).map(|i| unique(&format!("many{i}"))).collect();

    let mut set = JoinSet::new();
    for env in &envs {
        let ev = world::pending(env, &vpc, false);
        set.spawn(async move { call(&ev).await.expect_ok() });
    }
    let mut writes = 0;
    while let Some(r) = set.join_next().await {
        writes += r.unwrap()["policies"][0]["writes"].as_u64().unwrap();
    }
    let policy = policy_text(&ec2, &sqs).await;
    for env in &envs {
        assert_eq!(
            arn_count(&policy, &queue_arn(env)),
            1,
            "{env} missing or repeated in {policy}"
        );
        assert_eq!(env_endpoints(&ec2, env).await.len(), 1);
    }
    assert!(writes >= 1);

    let mut set = JoinSet::new();
    for env in &envs {
        let ev = world::deleted(env);
        set.spawn(async move { call(&ev).await.expect_ok() });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    assert_eq!(
        policy_text(&ec2, &sqs).await,
        LOCKED_DOWN_POLICY,
        "policy not back to its original content"
    );
    for env in &envs {
        assert!(
            env_endpoints(&ec2, env).await.is_empty(),
            "{env} endpoints left"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_removes_exactly_the_arn_it_added() {
    let ec2 = moto_ec2().await;
    let env = unique("del");
    let other = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue";
    let original =
        LOCKED_DOWN_POLICY.replace(r#""Resource":[]"#, &format!(r#""Resource":["{other}"]"#));
    let vpc = world::vpc(&ec2, Some(&original)).await;
    let sqs = vpc.sqs_endpoint.clone().unwrap();
    call(&world::pending(&env, &vpc, true)).await.expect_ok();
    assert_eq!(
        arn_count(&policy_text(&ec2, &sqs).await, &queue_arn(&env)),
        1
    );

    let report = call(&world::deleted(&env)).await.expect_ok();
    assert_eq!(report["deleted"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(policy_text(&ec2, &sqs).await, original);
    assert!(env_endpoints(&ec2, &env).await.is_empty());

    // Redelivered DELETED: nothing left to do, nothing changes.
    let again = call(&world::deleted(&env)).await.expect_ok();
    assert!(again["deleted"].as_array().unwrap().is_empty());
    assert_eq!(policy_text(&ec2, &sqs).await, original);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_statuses_and_service_managed_endpoints_are_no_ops() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let before = world::state(&ec2, &vpc.vpc_id).await;
    let env = unique("noop");
    for (field, value, reason) in [
        ("status", "SOME_FUTURE_STATUS", "status SOME_FUTURE_STATUS"),
        (
            "endpointManagement",
            "SERVICE",
            "endpointManagement is SERVICE",
        ),
    ] {
        let mut ev = world::pending(&env, &vpc, false);
        ev["detail"][field] = value.into();
        let report = call(&ev).await.expect_ok();
        assert_eq!(report["action"], "ignore");
        assert!(
            report["skipped"][0].as_str().unwrap().contains(reason),
            "{report}"
        );
    }
    assert_eq!(world::state(&ec2, &vpc.vpc_id).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_pending_is_made_good_by_available_and_create_failed_cleans_up() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("avail");
    // The PENDING event was lost; the environment is seen again as AVAILABLE.
    let mut ev = world::pending(&env, &vpc, true);
    ev["detail"]["status"] = "AVAILABLE".into();
    let report = call(&ev).await.expect_ok();
    assert_eq!(report["action"], "provision", "{report}");
    assert_eq!(env_endpoints(&ec2, &env).await.len(), 2);
    // Created, then failed (wrong security group, say): MWAA never repairs it.
    let mut failed = world::deleted(&env);
    failed["detail"]["status"] = "CREATE_FAILED".into();
    let report = call(&failed).await.expect_ok();
    assert_eq!(report["action"], "cleanup", "{report}");
    assert!(env_endpoints(&ec2, &env).await.is_empty());
    let policy = policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert_eq!(arn_count(&policy, &queue_arn(&env)), 0, "{policy}");
}
