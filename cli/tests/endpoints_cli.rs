//! `vpcwarden endpoints apply` against moto: the dry run plans and changes
//! nothing; the real run does what the plan said.

use std::process::Command;

use serde_json::Value;
use vpcwarden_e2e::world::{self, env_endpoints, policy_text, LOCKED_DOWN_POLICY};
use vpcwarden_e2e::{moto_ec2, standin, unique};

fn apply(event: &Value, extra: &[&str]) -> (i32, String, String) {
    let path = std::env::temp_dir().join(format!("{}.json", unique("event")));
    std::fs::write(&path, event.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(["endpoints", "apply", "--event", path.to_str().unwrap()])
        .args(extra)
        .env("AWS_ENDPOINT_URL", standin("VPCWARDEN_MOTO_URL"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("VPCWARDEN_SETTLE_MS", "50")
        .env_remove("DRY_RUN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_reports_the_plan_and_mutates_nothing_then_apply_does_it() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("cli");
    let ev = world::pending(&env, &vpc, true);
    let before = world::state(&ec2, &vpc.vpc_id).await;

    let (code, out, err) = apply(&ev, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["dry_run"], true);
    let roles: Vec<&str> = plan["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["database", "webserver"]);
    assert!(plan["created"][0]["endpoint_id"].is_null());
    assert_eq!(plan["policies"][0]["changes"][0]["op"], "added");
    let added = &plan["policies"][0]["changes"][0]["value"];
    assert_eq!(added["Resource"][0], world::queue_arn(&env));
    assert_eq!(
        added["Condition"]["StringEquals"]["aws:PrincipalAccount"],
        world::ACCOUNT,
        "granted to the environment's account only"
    );
    assert_eq!(
        world::state(&ec2, &vpc.vpc_id).await,
        before,
        "dry run changed moto's state"
    );

    let (code, out, err) = apply(&ev, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("created endpoint"), "the run logs: {err}");
    assert!(
        !err.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal: {err:?}"
    );
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["created"].as_array().unwrap().len(), 2);
    assert_eq!(env_endpoints(&ec2, &env).await.len(), 2);
    assert_eq!(
        done["policies"][0]["changes"], plan["policies"][0]["changes"],
        "the run did what the plan said"
    );
    assert!(policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap())
        .await
        .contains(&world::queue_arn(&env)));

    // A dry-run DELETED plans the removal without doing it.
    let (code, out, _) = apply(&world::deleted(&env), &["--dry-run"]);
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["deleted"].as_array().unwrap().len(), 2);
    assert_eq!(plan["policies"][0]["changes"][0]["op"], "removed");
    assert_eq!(env_endpoints(&ec2, &env).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_event_file_exits_non_zero_naming_the_field() {
    let ec2 = moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let mut ev = world::pending(&unique("clibad"), &vpc, false);
    ev["detail"]["networkConfiguration"]["subnetIds"] = serde_json::json!([]);
    let (code, _, err) = apply(&ev, &[]);
    assert_eq!(code, 2, "bad input: {err}");
    assert!(
        err.contains("detail.networkConfiguration.subnetIds"),
        "{err}"
    );
}

/// The case: a Deny on `sqs:SendMessage` for the queue beside an Allow
/// for `sqs:ReceiveMessage`. The old plan stopped checking at the first action
/// neither allowed nor denied, created both endpoints, wrote the policy, and
/// only failed on the verifying read.
#[tokio::test(flavor = "multi_thread")]
async fn a_deny_on_one_celery_action_fails_naming_it_with_zero_mutations() {
    let ec2 = moto_ec2().await;
    let env = unique("clideny");
    let queue = format!("arn:aws:sqs:us-east-1:123456789012:airflow-celery-{env}");
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Recv", "Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": queue},
        {"Sid": "NoSend", "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": queue}
    ]})
    .to_string();
    let vpc = world::vpc(&ec2, Some(&policy)).await;
    let mut ev = world::pending(&env, &vpc, true);
    ev["detail"]["celeryExecutorQueue"] = serde_json::json!(queue);
    let before = world::state(&ec2, &vpc.vpc_id).await;
    for extra in [&["--dry-run"][..], &[]] {
        let (code, out, err) = apply(&ev, extra);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains("NoSend") && err.contains("sqs:SendMessage"),
            "{err}"
        );
        assert_eq!(
            world::state(&ec2, &vpc.vpc_id).await,
            before,
            "nothing changed"
        );
        assert!(env_endpoints(&ec2, &env).await.is_empty());
    }
    assert_eq!(
        policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap()).await,
        policy
    );
}

/// An SQS endpoint policy in AWS's data-perimeter shape: the grant the tool
/// adds is limited to the organization too, and the report says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_data_perimeter_policy_keeps_its_perimeter() {
    let ec2 = moto_ec2().await;
    let env = unique("cliorg");
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowRequestsByOrgsIdentitiesToOrgsResources", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:ResourceOrgID": "o-abcd1234"}}},
        {"Sid": "AllowRequestsByAWSServicePrincipals", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}}}
    ]})
    .to_string();
    let vpc = world::vpc(&ec2, Some(&policy)).await;
    let ev = world::pending(&env, &vpc, true);
    let (code, out, err) = apply(&ev, &[]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let outcomes = report["policies"][0]["outcomes"].to_string();
    assert!(
        outcomes.contains("StringEquals aws:PrincipalOrgID = o-abcd1234"),
        "{outcomes}"
    );
    let after = policy_text(&ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    let after: Value = serde_json::from_str(&after).unwrap();
    let added = &after["Statement"][2];
    assert_eq!(
        added["Sid"],
        format!("VpcwardenMwaaCeleryQueues{}", world::ACCOUNT)
    );
    assert_eq!(
        added["Condition"],
        serde_json::json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:PrincipalAccount": world::ACCOUNT}})
    );
}
