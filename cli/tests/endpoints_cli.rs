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
    assert_eq!(
        plan["policies"][0]["changes"][0]["value"],
        world::queue_arn(&env)
    );
    assert_eq!(
        world::state(&ec2, &vpc.vpc_id).await,
        before,
        "dry run changed moto's state"
    );

    let (code, out, err) = apply(&ev, &[]);
    assert_eq!(code, 0, "{err}");
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
    assert_eq!(code, 1);
    assert!(
        err.contains("detail.networkConfiguration.subnetIds"),
        "{err}"
    );
}
