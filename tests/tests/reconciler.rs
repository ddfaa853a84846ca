//! MWAA environments follow their real state: the reconciler (library, CLI
//! and Lambda) over the MWAA stand-in and moto, events completed from
//! GetEnvironment, stale events, every status and access mode, the
//! assume-role path through moto's STS. Each reconcile test owns a region.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinSet;
use vpcwarden_e2e::endpoints::{region, Region};
use vpcwarden_e2e::http::invoke;
use vpcwarden_e2e::world::{self, arn_count, policy_text, Vpc, LOCKED_DOWN_POLICY};
use vpcwarden_e2e::{config_at, mwaa, standin, unique};
use vpcwarden_endpoints::{
    handle, reconcile, DriftAction, DriftKind, Ec2Endpoints, Envelope, Lookup, MwaaApi,
    ReconcileReport, Settings,
};

fn settings(region: &str) -> Settings {
    Settings {
        settle: Duration::from_millis(100),
        ..Settings::new(region)
    }
}

async fn run(r: &Region, s: &Settings) -> ReconcileReport {
    let report = reconcile(&r.ports, &r.mwaa, s).await.expect("reconcile");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    report
}

/// Puts an environment in the tests' own account, in the region under test.
async fn put_own(r: &Region, env: &str, vpc: &Vpc, status: &str, mode: &str) {
    let e = mwaa::environment(mwaa::OWN, env, vpc, status, mode);
    mwaa::put(mwaa::OWN, r.name, &e).await;
}

fn queue(vpc: &Vpc, env: &str) -> String {
    format!(
        "arn:aws:sqs:{}:{}:airflow-celery-{env}",
        vpc.region,
        world::ACCOUNT
    )
}

/// (role, service) of the live endpoints tagged for `env`, sorted.
async fn endpoints(r: &Region, env: &str) -> Vec<(String, String)> {
    world::env_endpoints(&r.ec2, env)
        .await
        .into_iter()
        .map(|(role, svc, _)| (role, svc))
        .collect()
}

fn drift_of<'a>(report: &'a ReconcileReport, env: &str) -> Option<&'a vpcwarden_endpoints::Drift> {
    report.drifts.iter().find(|d| d.environment == env)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_pending_is_healed_and_a_second_run_finds_nothing_to_do() {
    let r = region("eu-west-1", None).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("lost");
    // Created two hours ago and still PENDING: the alarm's case (MWAA fails it at 72 hours).
    let mut created = mwaa::environment(mwaa::OWN, &env, &vpc, "PENDING", "PUBLIC_AND_PRIVATE");
    created["CreatedAt"] = json!(chrono::Utc::now().timestamp() - 7_200);
    mwaa::put(mwaa::OWN, r.name, &created).await;

    let first = run(&r, &settings(r.name)).await;
    let late = first.pending_too_long.iter().find(|p| p.environment == env);
    assert!(
        late.is_some_and(|p| p.pending_secs >= 7_200),
        "{:?}",
        first.pending_too_long
    );
    let d = drift_of(&first, &env).expect("the lost PENDING is a drift");
    assert_eq!(d.action, "healed");
    assert!(d.kinds.contains(&DriftKind::MissingEndpoint), "{d:?}");
    assert!(d.kinds.contains(&DriftKind::MissingGrant), "{d:?}");
    let roles: Vec<String> = endpoints(&r, &env)
        .await
        .into_iter()
        .map(|(role, _)| role)
        .collect();
    assert_eq!(
        roles,
        ["database", "webserver"],
        "PUBLIC_AND_PRIVATE needs both"
    );
    let sqs = vpc.sqs_endpoint.as_deref().unwrap();
    assert_eq!(
        arn_count(&policy_text(&r.ec2, sqs).await, &queue(&vpc, &env)),
        1
    );

    let state = world::state(&r.ec2, &vpc.vpc_id).await;
    let second = run(&r, &settings(r.name)).await;
    assert!(drift_of(&second, &env).is_none(), "{:#?}", second.drifts);
    assert_eq!(world::state(&r.ec2, &vpc.vpc_id).await, state);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webserver_endpoint_no_longer_needed_is_removed() {
    let r = region("ca-central-1", None).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("mode");
    put_own(&r, &env, &vpc, "AVAILABLE", "PRIVATE_ONLY").await;
    run(&r, &settings(r.name)).await;
    assert_eq!(endpoints(&r, &env).await.len(), 2);
    // The access mode was updated to PUBLIC_ONLY: only the database endpoint is needed.
    put_own(&r, &env, &vpc, "AVAILABLE", "PUBLIC_ONLY").await;
    let report = run(&r, &settings(r.name)).await;
    let d = drift_of(&report, &env).expect("a drift");
    assert_eq!(d.kinds, ["unneeded_endpoint"]);
    assert_eq!(d.action, "healed");
    let roles: Vec<String> = endpoints(&r, &env)
        .await
        .into_iter()
        .map(|(role, _)| role)
        .collect();
    assert_eq!(roles, ["database"]);
    let sqs = vpc.sqs_endpoint.as_deref().unwrap();
    assert_eq!(
        arn_count(&policy_text(&r.ec2, sqs).await, &queue(&vpc, &env)),
        1,
        "the grant stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_and_vanished_environments_are_cleaned_up_and_foreign_things_stay() {
    let r = region("eu-west-2", None).await;
    // The SQS endpoint already allows a queue its owner listed, and the VPC
    // has an endpoint vpcwarden did not make.
    let foreign_queue = "arn:aws:sqs:eu-west-2:123456789012:owner-listed";
    let policy = LOCKED_DOWN_POLICY.replace(
        r#""Resource":[]"#,
        &format!(r#""Resource":["{foreign_queue}"]"#),
    );
    let vpc = world::vpc_in(&r.ec2, r.name, Some(&policy)).await;
    let foreign = r
        .ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc.vpc_id)
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .service_name("com.amazonaws.vpce.eu-west-2.vpce-svc-0f0reign")
        .set_subnet_ids(Some(vpc.subnets.clone()))
        .send()
        .await
        .unwrap();
    let foreign = foreign
        .vpc_endpoint()
        .unwrap()
        .vpc_endpoint_id()
        .unwrap()
        .to_string();

    let failed = unique("failed");
    let vanished = unique("vanished");
    let kept = unique("kept");
    for env in [&failed, &vanished, &kept] {
        put_own(&r, env, &vpc, "AVAILABLE", "PRIVATE_ONLY").await;
    }
    run(&r, &settings(r.name)).await;
    for env in [&failed, &vanished, &kept] {
        assert_eq!(endpoints(&r, env).await.len(), 2, "{env} provisioned");
    }
    put_own(&r, &failed, &vpc, "CREATE_FAILED", "PRIVATE_ONLY").await;
    mwaa::delete(mwaa::OWN, r.name, &vanished).await;

    let report = run(&r, &settings(r.name)).await;
    for (env, status) in [(&failed, "CREATE_FAILED"), (&vanished, "NOT_FOUND")] {
        let d = drift_of(&report, env).unwrap_or_else(|| panic!("{env}: {:#?}", report.drifts));
        assert_eq!(d.status, status);
        assert_eq!(d.kinds, ["leftover_endpoint", "leftover_grant"]);
        assert_eq!(d.action, "healed");
        assert!(endpoints(&r, env).await.is_empty(), "{env} endpoints left");
    }
    assert!(drift_of(&report, &kept).is_none());
    let text = policy_text(&r.ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert_eq!(arn_count(&text, &queue(&vpc, &failed)), 0, "{text}");
    assert_eq!(arn_count(&text, &queue(&vpc, &vanished)), 0, "{text}");
    assert_eq!(arn_count(&text, &queue(&vpc, &kept)), 1, "{text}");
    assert_eq!(
        arn_count(&text, foreign_queue),
        1,
        "the owner's grant stays"
    );
    let state = world::state(&r.ec2, &vpc.vpc_id).await;
    assert!(
        state.to_string().contains(&foreign),
        "the foreign endpoint stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_status_and_access_mode_converges_and_a_dry_run_changes_nothing() {
    let r = region("eu-central-1", None).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let needs = [
        "PENDING",
        "CREATING",
        "AVAILABLE",
        "UPDATING",
        "UNAVAILABLE",
        "UPDATE_FAILED",
        "ROLLING_BACK",
        "CREATING_SNAPSHOT",
        "MAINTENANCE",
    ];
    let mut envs = Vec::new();
    for status in needs
        .iter()
        .chain(&["CREATE_FAILED", "DELETING", "DELETED"])
    {
        let env = unique(&status.to_ascii_lowercase().replace('_', "-"));
        put_own(&r, &env, &vpc, status, "PUBLIC_ONLY").await;
        envs.push((env, *status));
    }
    // A mode this version does not know, with a webserver service: both endpoints, a warning.
    let unknown = unique("newmode");
    put_own(&r, &unknown, &vpc, "AVAILABLE", "PRIVATE_WITH_EXTRAS").await;

    let before = world::state(&r.ec2, &vpc.vpc_id).await;
    let dry = run(
        &r,
        &Settings {
            dry_run: true,
            ..settings(r.name)
        },
    )
    .await;
    assert_eq!(
        world::state(&r.ec2, &vpc.vpc_id).await,
        before,
        "--dry-run changed moto's state"
    );
    assert_eq!(dry.drifts.len(), needs.len() + 1, "{:#?}", dry.drifts);
    assert!(dry.drifts.iter().all(|d| d.action == "would_heal"));

    let report = run(&r, &settings(r.name)).await;
    for (env, status) in &envs {
        let got = endpoints(&r, env).await;
        if needs.contains(status) {
            assert_eq!(
                got.len(),
                1,
                "{status}: database endpoint only (PUBLIC_ONLY)"
            );
        } else {
            assert!(got.is_empty(), "{status}: nothing made");
        }
    }
    assert_eq!(endpoints(&r, &unknown).await.len(), 2);
    let heal = report
        .heals
        .iter()
        .find(|h| h.environment.as_deref() == Some(unknown.as_str()))
        .unwrap();
    assert!(
        heal.warnings[0].contains("PRIVATE_WITH_EXTRAS"),
        "{:?}",
        heal.warnings
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reconciler_and_ten_concurrent_events_on_one_sqs_endpoint_lose_and_add_no_arn() {
    let r = region("ap-southeast-2", None).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    // Three environments provisioned earlier that have since vanished.
    let mut gone = Vec::new();
    for _ in 0..3 {
        let env = unique("gone");
        put_own(&r, &env, &vpc, "AVAILABLE", "PUBLIC_ONLY").await;
        gone.push(env);
    }
    run(&r, &settings(r.name)).await;
    for env in &gone {
        mwaa::delete(mwaa::OWN, r.name, env).await;
    }
    // Ten new environments: each in MWAA and each announced by an event.
    let mut live = Vec::new();
    for _ in 0..10 {
        let env = unique("live");
        put_own(&r, &env, &vpc, "PENDING", "PUBLIC_ONLY").await;
        live.push(env);
    }
    let conf = config_at(&standin("VPCWARDEN_MOTO_URL"), r.name).await;
    let mut set = JoinSet::new();
    for env in &live {
        let detail = json!({
            "name": env, "status": "PENDING", "endpointManagement": "CUSTOMER",
            "webserverAccessMode": "PUBLIC_ONLY",
            "celeryExecutorQueue": queue(&vpc, env),
            "databaseVpcEndpointService": mwaa::environment(mwaa::OWN, env, &vpc, "PENDING", "PUBLIC_ONLY")["DatabaseVpcEndpointService"],
            "networkConfiguration": {"subnetIds": vpc.subnets, "securityGroupIds": [vpc.security_group]}
        });
        let mut ev = world::event(&format!("ev-{env}"), detail);
        ev["region"] = json!(r.name);
        let (ec2, conf, name) = (r.ec2.clone(), conf.clone(), r.name);
        set.spawn(async move {
            let ports = Ec2Endpoints::new(ec2);
            let api = MwaaApi::new(&conf, None);
            handle(&ports, &api, Envelope::from_json(&ev), &settings(name))
                .await
                .map(|_| ())
        });
    }
    let reconciled = reconcile(&r.ports, &r.mwaa, &settings(r.name))
        .await
        .unwrap();
    while let Some(res) = set.join_next().await {
        res.unwrap().unwrap_or_else(|e| panic!("event failed: {e}"));
    }
    assert!(reconciled.errors.is_empty(), "{:#?}", reconciled.errors);
    let text = policy_text(&r.ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    for env in &live {
        assert_eq!(
            arn_count(&text, &queue(&vpc, env)),
            1,
            "{env} lost or doubled: {text}"
        );
        assert_eq!(endpoints(&r, env).await.len(), 1, "{env}");
    }
    for env in &gone {
        assert_eq!(arn_count(&text, &queue(&vpc, env)), 0, "{env} left: {text}");
        assert!(endpoints(&r, env).await.is_empty(), "{env}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_of_a_participant_account_are_read_through_the_assumed_role() {
    const PARTICIPANT: &str = "111122223333";
    let role = "arn:aws:iam::{account}:role/vpcwarden-mwaa-read";
    let r = region("sa-east-1", Some(role)).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("shared");
    // Only the participant's credentials see it (the stand-in asks moto's STS whose they are).
    mwaa::put(
        PARTICIPANT,
        r.name,
        &mwaa::environment(PARTICIPANT, &env, &vpc, "PENDING", "PRIVATE_ONLY"),
    )
    .await;

    let own_only = run(&r, &settings(r.name)).await;
    assert!(
        drift_of(&own_only, &env).is_none(),
        "own account must not see it"
    );

    let s = Settings {
        accounts: vec![PARTICIPANT.into()],
        mwaa_role_template: Some(role.into()),
        ..settings(r.name)
    };
    let report = run(&r, &s).await;
    assert_eq!(
        drift_of(&report, &env).map(|d| d.action.clone()),
        Some(DriftAction::Healed),
        "{report:#?}"
    );
    assert_eq!(endpoints(&r, &env).await.len(), 2);
    let tagged = world::state(&r.ec2, &vpc.vpc_id).await.to_string();
    assert!(
        tagged.contains(r#"["vpcwarden:account","111122223333"]"#),
        "{tagged}"
    );

    // Without the role, the participant's environments cannot be read: an
    // error, and nothing is cleaned up on a "not found" from the wrong account.
    let no_role = MwaaApi::new(
        &config_at(&standin("VPCWARDEN_MOTO_URL"), r.name).await,
        None,
    );
    let s = Settings {
        accounts: vec![PARTICIPANT.into()],
        ..settings(r.name)
    };
    let report = reconcile(&r.ports, &no_role, &s).await.unwrap();
    assert!(
        report.errors[0].contains("VPCWARDEN_MWAA_ROLE_ARN"),
        "{:?}",
        report.errors
    );
    assert_eq!(endpoints(&r, &env).await.len(), 2, "nothing removed");
}

async fn call(ev: &Value) -> Value {
    invoke(&standin("VPCWARDEN_LAMBDA_URL"), "endpoint-provisioner", ev)
        .await
        .unwrap()
        .expect_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_without_network_configuration_is_completed_from_get_environment() {
    let ec2 = vpcwarden_e2e::moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("bare");
    mwaa::put(
        mwaa::OWN,
        "us-east-1",
        &mwaa::environment(mwaa::OWN, &env, &vpc, "PENDING", "PRIVATE_ONLY"),
    )
    .await;
    let before = mwaa::calls().await["GetEnvironment"].as_u64().unwrap();
    let report = call(&world::event(
        "bare",
        json!({"name": env, "status": "PENDING"}),
    ))
    .await;
    assert_eq!(report["decided_from"], "get_environment");
    assert_eq!(report["created"].as_array().unwrap().len(), 2, "{report}");
    assert!(mwaa::calls().await["GetEnvironment"].as_u64().unwrap() > before);
    let sqs = vpc.sqs_endpoint.as_deref().unwrap();
    assert_eq!(
        arn_count(&policy_text(&ec2, sqs).await, &world::queue_arn(&env)),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_pending_after_deleted_brings_nothing_back() {
    let ec2 = vpcwarden_e2e::moto_ec2().await;
    let vpc = world::vpc(&ec2, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("stale");
    let pending = world::pending(&env, &vpc, true);
    call(&pending).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let deleted = call(&world::deleted(&env)).await;
    assert_eq!(deleted["action"], "cleanup", "{deleted}");
    let after_delete = world::state(&ec2, &vpc.vpc_id).await;

    // The first PENDING again, late (a retry): older than the removal.
    let report = call(&pending).await;
    assert!(report["stale"].is_string(), "{report}");
    assert_eq!(
        report["decided_from"], "get_environment",
        "decided by the authority"
    );
    assert!(report["created"].as_array().unwrap().is_empty());
    assert_eq!(
        world::state(&ec2, &vpc.vpc_id).await,
        after_delete,
        "something came back"
    );

    // Acting on events alone (no MWAA permission), the stale event is skipped.
    let conf = config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await;
    let s = Settings {
        lookup: Lookup::Never,
        ..settings("us-east-1")
    };
    let report = handle(
        &Ec2Endpoints::new(ec2.clone()),
        &MwaaApi::new(&conf, None),
        Envelope::from_json(&pending),
        &s,
    )
    .await
    .unwrap();
    assert_eq!(report.action, "stale");
    assert_eq!(world::state(&ec2, &vpc.vpc_id).await, after_delete);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduled_function_heals_its_region() {
    let name = std::env::var("VPCWARDEN_RECONCILE_REGION").unwrap();
    let name: &'static str = Box::leak(name.into_boxed_str());
    let r = region(name, None).await;
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let env = unique("sched");
    put_own(&r, &env, &vpc, "PENDING", "PUBLIC_ONLY").await;
    let out = invoke(
        &standin("VPCWARDEN_LAMBDA_URL"),
        "endpoint-reconciler",
        &json!({"source": "aws.scheduler"}),
    )
    .await
    .unwrap()
    .expect_ok();
    assert_eq!(out[0]["region"], name);
    let drifts = out[0]["drifts"].as_array().unwrap();
    assert!(
        drifts
            .iter()
            .any(|d| d["environment"] == env.as_str() && d["action"] == "healed"),
        "{out}"
    );
    assert_eq!(endpoints(&r, &env).await.len(), 1);
}
