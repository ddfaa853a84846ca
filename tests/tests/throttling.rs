//! EC2 throttling: the same scenario run once straight against moto and once
//! through the fault proxy (about 10% of EC2 calls answered with HTTP 503
//! `RequestLimitExceeded`) ends in the same state. The library runs in-process
//! here because the Lambda under `cargo lambda watch` is wired to moto directly.

use std::time::Duration;

use serde_json::Value;
use vpcwarden_e2e::world::{self, Vpc, LOCKED_DOWN_POLICY};
use vpcwarden_e2e::{config_at, ec2_at, moto_ec2, standin, unique};
use vpcwarden_endpoints::{handle, Ec2Endpoints, Envelope, MwaaApi, Settings};
use vpcwarden_policy::Policy;

async fn deliver(ec2: &Ec2Endpoints, ev: &Value) {
    let settings = Settings {
        settle: Duration::from_millis(100),
        ..Settings::new("us-east-1")
    };
    // Complete events: the MWAA API is never asked.
    let mwaa = MwaaApi::new(
        &config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await,
        None,
    );
    handle(ec2, &mwaa, Envelope::from_json(ev), &settings)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Three environments arrive together, one is redelivered, one is deleted.
async fn scenario(ec2: &Ec2Endpoints, vpc: &Vpc, envs: &[String]) {
    let evs: Vec<Value> = envs
        .iter()
        .enumerate()
        .map(|(i, e)| world::pending(e, vpc, i == 0))
        .collect();
    tokio::join!(
        deliver(ec2, &evs[0]),
        deliver(ec2, &evs[1]),
        deliver(ec2, &evs[2])
    );
    deliver(ec2, &evs[0]).await;
    deliver(ec2, &world::deleted(&envs[1])).await;
}

/// The VPC's state with ids, names and timestamps replaced by placeholders.
fn normalized(state: &Value, vpc: &Vpc, envs: &[String]) -> String {
    let mut text = state.to_string();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, env) in envs.iter().enumerate() {
        // Service names are derived from the environment name in the fixtures.
        let detail = world::pending_detail(env, vpc, true);
        for field in ["databaseVpcEndpointService", "webserverVpcEndpointService"] {
            pairs.push((
                detail[field].as_str().unwrap().to_string(),
                format!("{field}-{i}"),
            ));
        }
        pairs.push((env.clone(), format!("ENV{i}")));
    }
    pairs.push((vpc.vpc_id.clone(), "VPC".into()));
    for (i, s) in vpc.subnets.iter().enumerate() {
        pairs.push((s.clone(), format!("SUBNET{i}")));
    }
    pairs.push((vpc.security_group.clone(), "SG".into()));
    for (from, to) in pairs {
        text = text.replace(&from, &to);
    }
    let mut v: Value = serde_json::from_str(&text).unwrap();
    for ep in v.as_array_mut().unwrap() {
        ep["id"] = Value::Null;
        // Concurrent writers may append ARNs in either order; compare what the policy grants.
        let policy = Policy::parse(ep["policy"].as_str().unwrap()).unwrap();
        ep["policy"] = policy.canonical().to_value();
        for tag in ep["tags"].as_array_mut().unwrap() {
            for kind in ["removed:", "active:"] {
                if let Some(rest) = tag[1].as_str().and_then(|s| s.strip_prefix(kind)) {
                    let arn = rest.split_once(':').unwrap().1;
                    tag[1] = Value::String(format!("{kind}TS:{arn}"));
                }
            }
        }
    }
    let mut eps: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.to_string())
        .collect();
    eps.sort();
    eps.join("\n")
}

async fn faults() -> u64 {
    let body = vpcwarden_e2e::http::get(&standin("VPCWARDEN_PROXY_URL"), "/__faults")
        .await
        .unwrap();
    body["faulted"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_run_ends_where_the_fault_free_run_ends() {
    let moto = moto_ec2().await;
    let clean_vpc = world::vpc(&moto, Some(LOCKED_DOWN_POLICY)).await;
    let clean_envs: Vec<String> = (0..3).map(|i| unique(&format!("clean{i}"))).collect();
    scenario(&Ec2Endpoints::new(moto.clone()), &clean_vpc, &clean_envs).await;

    let faulty_vpc = world::vpc(&moto, Some(LOCKED_DOWN_POLICY)).await;
    let faulty_envs: Vec<String> = (0..3).map(|i| unique(&format!("fault{i}"))).collect();
    let before = faults().await;
    let proxied = ec2_at(&standin("VPCWARDEN_PROXY_URL")).await;
    scenario(&Ec2Endpoints::new(proxied), &faulty_vpc, &faulty_envs).await;
    let injected = faults().await - before;
    assert!(
        injected > 0,
        "the proxy injected no fault; the test proves nothing"
    );

    let clean = normalized(
        &world::state(&moto, &clean_vpc.vpc_id).await,
        &clean_vpc,
        &clean_envs,
    );
    let faulty = normalized(
        &world::state(&moto, &faulty_vpc.vpc_id).await,
        &faulty_vpc,
        &faulty_envs,
    );
    assert_eq!(
        faulty, clean,
        "{injected} throttled calls changed the outcome"
    );
    eprintln!("{injected} EC2 calls throttled; end state identical");
}
