//! Level-triggered: whatever events arrive — lost, repeated, out of order,
//! incomplete — and whatever the VPC owner's own tooling overwrites, one reconcile leaves every environment's VPC with exactly
//! what MWAA's state says it needs, and a second reconcile finds nothing to
//! do and writes nothing. Generated histories over in-memory EC2 and MWAA
//! (tests/fakes.rs); the environments are written to GetEnvironment's shape.

mod fakes;

use std::time::Duration;

use fakes::{FakeEc2, FakeMwaa};
use proptest::prelude::*;
use serde_json::{json, Value};
use vpcwarden_endpoints::{handle, ledger, reconcile, Envelope, Lookup, Settings};
use vpcwarden_mwaa_event::{Environment, Origin, Status};
use vpcwarden_policy::{EditOutcome, Policy};

const REGION: &str = "eu-west-1";
const LOCKED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowMwaaCeleryQueues","Effect":"Allow","Principal":"*","Action":["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ReceiveMessage","sqs:SendMessage"],"Resource":[]}]}"#;
const MODES: [&str; 3] = ["PRIVATE_ONLY", "PUBLIC_ONLY", "PUBLIC_AND_PRIVATE"];
/// Where each environment ends up: a running status, failed, or deleted (gone from MWAA).
const FATES: [&str; 6] = [
    "AVAILABLE",
    "PENDING",
    "UPDATING",
    "UNAVAILABLE",
    "CREATE_FAILED",
    "DELETED",
];

fn environment(name: &str, status: &str, mode: &str, subnets: &[String]) -> Environment {
    Environment {
        account: None,
        name: Some(name.into()),
        arn: None,
        status: Some(Status::parse(status)),
        celery_executor_queue: Some(queue(name)),
        database_vpc_endpoint_service: Some(format!(
            "com.amazonaws.vpce.{REGION}.vpce-svc-db{name}"
        )),
        webserver_vpc_endpoint_service: Some(format!(
            "com.amazonaws.vpce.{REGION}.vpce-svc-web{name}"
        )),
        webserver_access_mode: Some(mode.into()),
        endpoint_management: Some("CUSTOMER".into()),
        subnet_ids: Some(subnets.to_vec()),
        security_group_ids: Some(vec!["sg-0a".into()]),
        created_at: None,
        ..Environment::new(Origin::GetEnvironment)
    }
}

fn queue(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:123456789012:airflow-celery-{name}")
}

/// The event MWAA would send for `env` in `status`; `bare` leaves out
/// everything but name and status (AWS documents no detail schema).
fn event(env: &Environment, status: &str, bare: bool) -> Value {
    let mut detail = json!({"name": env.name, "status": status});
    if !bare {
        detail["endpointManagement"] = json!("CUSTOMER");
        detail["webserverAccessMode"] = json!(env.webserver_access_mode);
        detail["celeryExecutorQueue"] = json!(env.celery_executor_queue);
        detail["databaseVpcEndpointService"] = json!(env.database_vpc_endpoint_service);
        detail["webserverVpcEndpointService"] = json!(env.webserver_vpc_endpoint_service);
        detail["networkConfiguration"] =
            json!({"subnetIds": env.subnet_ids, "securityGroupIds": env.security_group_ids});
    }
    json!({
        "id": format!("{}-{status}", env.name.as_deref().unwrap_or_default()),
        "source": "aws.airflow",
        "detail-type": "MWAA Environment Status Change",
        "account": "123456789012",
        "time": chrono::Utc::now().to_rfc3339(),
        "detail": detail
    })
}

fn allowed(policy: &str, arn: &str) -> bool {
    let mut p = Policy::parse(policy).unwrap();
    matches!(
        p.allow_resource(arn, &ledger::spec(None)),
        Ok(EditOutcome::AlreadyCovered { .. })
    )
}

#[derive(Debug, Clone)]
struct Story {
    /// Per environment: (fate index, mode index).
    envs: Vec<(usize, usize)>,
    /// Delivery: indexes into the emitted events (repeats, gaps, any order).
    delivery: Vec<usize>,
    /// Which deliveries carry only name and status.
    bare: Vec<bool>,
    lookup: usize,
    /// The VPC owner re-applies its own policy text afterwards (an IaC run),
    /// erasing every ARN this tool added.
    clobber: bool,
}

fn story() -> impl Strategy<Value = Story> {
    prop::collection::vec((0..FATES.len(), 0..MODES.len()), 1..5).prop_flat_map(|envs| {
        // Each environment emits PENDING, AVAILABLE and its fate's last status.
        let emitted = envs.len() * 3;
        (
            Just(envs),
            prop::collection::vec(0..emitted, 0..emitted * 2),
            prop::collection::vec(any::<bool>(), emitted * 2),
            0..3usize,
            any::<bool>(),
        )
            .prop_map(|(envs, delivery, bare, lookup, clobber)| Story {
                envs,
                delivery,
                bare,
                lookup,
                clobber,
            })
    })
}

async fn play(s: &Story) -> Result<(), TestCaseError> {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    let settings = Settings {
        settle: Duration::ZERO,
        lookup: [Lookup::Missing, Lookup::Always, Lookup::Never][s.lookup],
        ..Settings::new(REGION)
    };
    let mut emitted = Vec::new();
    let mut finals = Vec::new();
    for (i, (fate, mode)) in s.envs.iter().enumerate() {
        let name = format!("env{i}");
        let fate = FATES[*fate];
        let live = environment(&name, "AVAILABLE", MODES[*mode], &subnets);
        for status in ["PENDING", "AVAILABLE", fate] {
            emitted.push((live.clone(), status));
        }
        match fate {
            "DELETED" => {}
            f => mwaa.put(environment(&name, f, MODES[*mode], &subnets)),
        }
        finals.push((name, fate, MODES[*mode]));
    }
    for (n, &k) in s.delivery.iter().enumerate() {
        let (env, status) = &emitted[k];
        let ev = event(env, status, s.bare[n % s.bare.len()]);
        // A bare event with the MWAA API off is refused, naming the field: allowed.
        if let Err(e) = handle(&ec2, &mwaa, Envelope::from_json(&ev), &settings).await {
            prop_assert!(
                settings.lookup == Lookup::Never && e.is_input(),
                "event {ev} failed: {e}"
            );
        }
    }
    if s.clobber {
        ec2.set_policy(&sqs, LOCKED);
    }
    let first = reconcile(&ec2, &mwaa, &settings).await.unwrap();
    prop_assert!(first.errors.is_empty(), "{:?}", first.errors);

    let live = ec2.live();
    let policy = live
        .iter()
        .find(|e| e.id == sqs)
        .unwrap()
        .policy
        .clone()
        .unwrap();
    for (name, fate, mode) in &finals {
        let mut roles: Vec<&str> = live
            .iter()
            .filter(|e| e.tag("vpcwarden:environment") == Some(name.as_str()))
            .filter_map(|e| e.tag("vpcwarden:role"))
            .collect();
        roles.sort();
        let running = !matches!(*fate, "CREATE_FAILED" | "DELETED");
        let expected: &[&str] = match (running, *mode) {
            (false, _) => &[],
            (true, "PUBLIC_ONLY") => &["database"],
            (true, _) => &["database", "webserver"],
        };
        prop_assert_eq!(&roles, expected, "{} ({}, {})", name, fate, mode);
        prop_assert_eq!(
            allowed(&policy, &queue(name)),
            running,
            "{} ({}): {}",
            name,
            fate,
            policy
        );
        if !running {
            prop_assert!(
                !policy.contains(&queue(name)),
                "{} left in {}",
                name,
                policy
            );
        }
    }
    let writes = ec2.writes();
    let second = reconcile(&ec2, &mwaa, &settings).await.unwrap();
    prop_assert!(second.drifts.is_empty(), "{:#?}", second.drifts);
    prop_assert_eq!(ec2.writes(), writes, "the second run wrote");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_history_of_events_then_one_reconcile_matches_mwaa(s in story()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(play(&s))?;
    }
}
