//! Many accounts, one shared VPC, on moto with the MWAA stand-in (whose
//! environments are kept per caller account, learnt from moto's STS): two
//! participant accounts each run an environment of the same name; one
//! environment that cannot be read; endpoints the VPC owner made; records an
//! earlier release wrote by name only; the ledger filled to its capacity; and
//! the VPC owner editing the SQS endpoint policy between our read and our
//! write (the fault proxy). Each test owns a region, so a reconcile never
//! meets another test's environments.

use std::time::Duration;

use serde_json::{json, Value};
use vpcwarden_e2e::endpoints::{region, Region};
use vpcwarden_e2e::http::post;
use vpcwarden_e2e::world::{self, policy_text, Vpc, LOCKED_DOWN_POLICY};
use vpcwarden_e2e::{config_at, mwaa, standin, unique};
use vpcwarden_endpoints::{
    handle, ledger, reconcile, Ec2Endpoints, Envelope, ProvisionError, ReconcileReport, Report,
    Settings,
};
use vpcwarden_policy::Policy;

const A: &str = "111111111111";
const B: &str = "222222222222";
const ROLE: &str = "arn:aws:iam::{account}:role/vpcwarden-mwaa-read";

fn settings(region: &str) -> Settings {
    Settings {
        settle: Duration::from_millis(50),
        accounts: vec![A.into(), B.into()],
        mwaa_role_template: Some(ROLE.into()),
        ..Settings::new(region)
    }
}

async fn deliver(r: &Region, env: &Value, status: &str) -> Result<Report, ProvisionError> {
    let ev = mwaa::event(env, status);
    handle(
        &r.ports,
        &r.mwaa,
        Envelope::from_json(&ev),
        &settings(r.name),
    )
    .await
}

async fn reconciled(r: &Region) -> ReconcileReport {
    reconcile(&r.ports, &r.mwaa, &settings(r.name))
        .await
        .expect("reconcile")
}

/// (role, service) of the live endpoints this tool made for (account, name).
async fn endpoints_of(r: &Region, vpc: &Vpc, account: &str, name: &str) -> Vec<(String, String)> {
    let state = world::state(&r.ec2, &vpc.vpc_id).await;
    let mut v: Vec<(String, String)> = state
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            has_tag(e, "vpcwarden:environment", name) && has_tag(e, "vpcwarden:account", account)
        })
        .map(|e| {
            let role = tag(e, "vpcwarden:role").unwrap_or_default();
            (role, e["service"].as_str().unwrap().to_string())
        })
        .collect();
    v.sort();
    v
}

fn tag(e: &Value, key: &str) -> Option<String> {
    e["tags"]
        .as_array()?
        .iter()
        .find(|t| t[0] == key)
        .map(|t| t[1].as_str().unwrap_or_default().to_string())
}

fn has_tag(e: &Value, key: &str, value: &str) -> bool {
    tag(e, key).as_deref() == Some(value)
}

fn queue(env: &Value) -> String {
    env["CeleryExecutorQueue"].as_str().unwrap().to_string()
}

fn granted(policy: &str, arn: &str, account: &str) -> bool {
    ledger::granted(&Policy::parse(policy).unwrap(), arn, account, None)
}

async fn put(env: &Value) {
    let account = env["Arn"].as_str().unwrap().split(':').nth(4).unwrap();
    let region = env["Arn"].as_str().unwrap().split(':').nth(3).unwrap();
    mwaa::put(account, region, env).await;
}

async fn shared_vpc(r: &Region) -> (Vpc, String) {
    let vpc = world::vpc_in(&r.ec2, r.name, Some(LOCKED_DOWN_POLICY)).await;
    let sqs = vpc.sqs_endpoint.clone().unwrap();
    (vpc, sqs)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_prod_each_get_their_own_and_one_deletion_leaves_the_other_whole() {
    let r = region("us-west-2", Some(ROLE)).await;
    let (vpc, sqs) = shared_vpc(&r).await;
    let name = unique("prod");
    let a = mwaa::participant(A, &name, &vpc, "PENDING", "PRIVATE_ONLY");
    let b = mwaa::participant(B, &name, &vpc, "PENDING", "PRIVATE_ONLY");
    put(&a).await;
    put(&b).await;

    deliver(&r, &a, "PENDING").await.unwrap();
    let rb = deliver(&r, &b, "PENDING").await.unwrap();
    assert_eq!(rb.created.len(), 2, "B's own endpoints: {rb:#?}");
    assert_eq!(endpoints_of(&r, &vpc, A, &name).await.len(), 2);
    assert_eq!(endpoints_of(&r, &vpc, B, &name).await.len(), 2);
    let p = policy_text(&r.ec2, &sqs).await;
    assert!(
        granted(&p, &queue(&a), A) && granted(&p, &queue(&b), B),
        "{p}"
    );
    assert!(
        !granted(&p, &queue(&b), A) && !granted(&p, &queue(&a), B),
        "each queue to its account only: {p}"
    );

    // A's environment is deleted: B's stays whole.
    mwaa::delete(A, r.name, &name).await;
    deliver(&r, &a, "DELETED").await.unwrap();
    assert!(endpoints_of(&r, &vpc, A, &name).await.is_empty());
    let b_endpoints = endpoints_of(&r, &vpc, B, &name).await;
    assert_eq!(b_endpoints.len(), 2);
    let p = policy_text(&r.ec2, &sqs).await;
    assert!(!p.contains(&queue(&a)), "{p}");
    assert!(granted(&p, &queue(&b), B), "{p}");

    // Redeliveries and a reconcile change nothing of B's.
    let before = world::state(&r.ec2, &vpc.vpc_id).await;
    deliver(&r, &b, "PENDING").await.unwrap();
    deliver(&r, &a, "DELETED").await.unwrap();
    let report = reconciled(&r).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.drifts.is_empty(), "{:#?}", report.drifts);
    assert_eq!(world::state(&r.ec2, &vpc.vpc_id).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn name_only_records_are_migrated_and_an_ambiguous_one_is_refused_untouched() {
    let r = region("ap-northeast-2", Some(ROLE)).await;
    let (vpc, sqs) = shared_vpc(&r).await;
    let name = unique("old");
    let a = mwaa::participant(A, &name, &vpc, "AVAILABLE", "PUBLIC_ONLY");
    put(&a).await;
    // What an earlier release left: the queue appended to the owner's list,
    // a name-only ledger key, an endpoint without the account tag.
    let qa = queue(&a);
    let old_policy =
        LOCKED_DOWN_POLICY.replace(r#""Resource":[]"#, &format!(r#""Resource":["{qa}"]"#));
    r.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&sqs)
        .policy_document(&old_policy)
        .send()
        .await
        .unwrap();
    let old_key = format!("vpcwarden:queue:{name}");
    world::tag(&r.ec2, &sqs, &old_key, &format!("active:1:{qa}")).await;
    let old_ep = world::endpoint(
        &r.ec2,
        &vpc,
        a["DatabaseVpcEndpointService"].as_str().unwrap(),
        &[
            ("vpcwarden:managed-by", "vpcwarden"),
            ("vpcwarden:environment", &name),
            ("vpcwarden:role", "database"),
        ],
    )
    .await;

    // The reconciler finds it A's (its queue, its service) and rewrites it.
    let report = reconciled(&r).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mine = report
        .drifts
        .iter()
        .find(|d| d.environment == name)
        .unwrap();
    assert!(
        mine.kinds
            .contains(&vpcwarden_endpoints::DriftKind::LegacyRecord),
        "{mine:#?}"
    );
    assert_eq!(mine.action, "healed");
    let state = world::state(&r.ec2, &vpc.vpc_id).await.to_string();
    assert!(!state.contains(&format!("\"{old_key}\"")), "{state}");
    assert!(
        state.contains(&format!("\"vpcwarden:queue:{A}:{}:{name}\"", r.name)),
        "{state}"
    );
    assert_eq!(
        endpoints_of(&r, &vpc, A, &name).await.len(),
        1,
        "the old endpoint, now tagged A's"
    );
    let tagged = world::state(&r.ec2, &vpc.vpc_id).await;
    let ep = tagged
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == old_ep.as_str())
        .unwrap();
    assert_eq!(tag(ep, "vpcwarden:account").as_deref(), Some(A));
    let p = policy_text(&r.ec2, &sqs).await;
    assert!(
        granted(&p, &qa, A) && !granted(&p, &qa, B),
        "moved to A's own statement: {p}"
    );
    assert!(
        reconciled(&r).await.drifts.is_empty(),
        "a second run finds nothing"
    );

    // B runs one of that name too; a name-only record either could own is
    // refused for both, and nothing changes.
    let b = mwaa::participant(B, &name, &vpc, "PENDING", "PUBLIC_ONLY");
    put(&b).await;
    deliver(&r, &b, "PENDING").await.unwrap();
    world::tag(
        &r.ec2,
        &sqs,
        &old_key,
        "removed:1:arn:aws:sqs:ap-northeast-2:999988887777:airflow-celery-gone",
    )
    .await;
    let before = world::state(&r.ec2, &vpc.vpc_id).await;
    for env in [&a, &b] {
        let err = deliver(&r, env, "DELETED").await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ProvisionError::AmbiguousRecord { .. }),
            "{text}"
        );
        assert!(
            text.contains(A) && text.contains(B) && text.contains(&old_key),
            "{text}"
        );
    }
    assert_eq!(
        world::state(&r.ec2, &vpc.vpc_id).await,
        before,
        "nothing changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_environment_is_reported_and_its_neighbour_is_served() {
    let r = region("ap-south-1", Some(ROLE)).await;
    let (vpc, _) = shared_vpc(&r).await;
    let broken = mwaa::participant(B, &unique("broken"), &vpc, "AVAILABLE", "PUBLIC_ONLY");
    put(&broken).await;
    deliver(&r, &broken, "PENDING").await.unwrap();
    let broken_name = broken["Name"].as_str().unwrap();
    let kept = endpoints_of(&r, &vpc, B, broken_name).await;
    mwaa::break_environment(B, r.name, broken_name).await;
    // Beside it, a new environment whose PENDING event was lost.
    let fresh = mwaa::participant(B, &unique("fresh"), &vpc, "PENDING", "PUBLIC_ONLY");
    put(&fresh).await;

    let report = reconcile(&r.ports, &r.mwaa, &settings(r.name))
        .await
        .unwrap();
    assert_eq!(
        endpoints_of(&r, &vpc, B, fresh["Name"].as_str().unwrap())
            .await
            .len(),
        1,
        "served in the same run: {report:#?}"
    );
    assert_eq!(
        endpoints_of(&r, &vpc, B, broken_name).await,
        kept,
        "left as it is"
    );
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].contains(broken_name)
            && report.errors[0].contains("InternalServerException"),
        "{:?}",
        report.errors
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_the_vpc_owner_made_are_used_never_duplicated_never_touched() {
    let r = region("af-south-1", Some(ROLE)).await;
    let (vpc, _) = shared_vpc(&r).await;
    let env = mwaa::participant(A, &unique("iac"), &vpc, "PENDING", "PRIVATE_ONLY");
    put(&env).await;
    let db = world::endpoint(
        &r.ec2,
        &vpc,
        env["DatabaseVpcEndpointService"].as_str().unwrap(),
        &[("Name", "network-team-db")],
    )
    .await;
    let web = world::endpoint(
        &r.ec2,
        &vpc,
        env["WebserverVpcEndpointService"].as_str().unwrap(),
        &[],
    )
    .await;

    let report = reconciled(&r).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let name = env["Name"].as_str().unwrap();
    assert!(
        endpoints_of(&r, &vpc, A, name).await.is_empty(),
        "no second pair"
    );
    let mut external: Vec<&str> = report
        .external
        .iter()
        .map(|e| e.endpoint_id.as_str())
        .collect();
    external.sort();
    let mut expected = vec![db.as_str(), web.as_str()];
    expected.sort();
    assert_eq!(external, expected);
    let p = policy_text(&r.ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert!(
        granted(&p, &queue(&env), A),
        "the grant is still this tool's job: {p}"
    );

    // The environment goes away: the owner's endpoints stay as they were.
    let before = world::state(&r.ec2, &vpc.vpc_id).await.to_string();
    mwaa::delete(A, r.name, name).await;
    deliver(&r, &env, "DELETED").await.unwrap();
    reconciled(&r).await;
    let after = world::state(&r.ec2, &vpc.vpc_id).await.to_string();
    for id in [&db, &web] {
        assert!(after.contains(id.as_str()), "{id} deleted: {after}");
    }
    let p = policy_text(&r.ec2, vpc.sqs_endpoint.as_deref().unwrap()).await;
    assert!(
        before.contains(&queue(&env)) && !p.contains(&queue(&env)),
        "{p}"
    );
}

/// 49 environments fill an SQS endpoint that has a Name tag (50 tags, EC2's
/// limit); the 50th fails before any change, naming the endpoint and itself.
#[tokio::test(flavor = "multi_thread")]
async fn the_ledger_holds_49_environments_and_the_next_fails_before_any_change() {
    let r = region("eu-south-2", Some(ROLE)).await;
    let (vpc, sqs) = shared_vpc(&r).await;
    world::tag(&r.ec2, &sqs, "Name", "shared-sqs").await;
    let envs: Vec<Value> = (0..50)
        .map(|i| {
            mwaa::participant(
                A,
                &format!("cap{i}-{}", std::process::id()),
                &vpc,
                "PENDING",
                "PUBLIC_ONLY",
            )
        })
        .collect();
    for chunk in envs[..49].chunks(7) {
        let runs = chunk.iter().map(|e| deliver(&r, e, "PENDING"));
        for res in futures::future::join_all(runs).await {
            res.unwrap();
        }
    }
    let p = policy_text(&r.ec2, &sqs).await;
    assert!(envs[..49].iter().all(|e| granted(&p, &queue(e), A)));
    let before = world::state(&r.ec2, &vpc.vpc_id).await;
    let err = deliver(&r, &envs[49], "PENDING").await.unwrap_err();
    assert!(
        matches!(err, ProvisionError::LedgerFull { used: 50, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&sqs)
            && err.to_string().contains(envs[49]["Name"].as_str().unwrap()),
        "{err}"
    );
    assert_eq!(
        world::state(&r.ec2, &vpc.vpc_id).await,
        before,
        "no endpoint, no tag, no policy change"
    );
}

/// The VPC owner edits the policy between our read and our write (the fault
/// proxy adds a Deny right after each of our first reads): every one of the
/// owner's Denies is still there after our provisioning and our cleanup.
#[tokio::test(flavor = "multi_thread")]
async fn an_owners_edit_between_our_read_and_our_write_is_kept() {
    let r = region("us-east-2", Some(ROLE)).await;
    let (vpc, sqs) = shared_vpc(&r).await;
    let proxy = standin("VPCWARDEN_PROXY_URL");
    let via = Ec2Endpoints::new(aws_sdk_ec2::Client::new(&config_at(&proxy, r.name).await));
    let env = mwaa::participant(A, &unique("edit"), &vpc, "PENDING", "PUBLIC_ONLY");
    put(&env).await;
    let arm = |times: u32| {
        let (proxy, sqs) = (proxy.clone(), sqs.clone());
        async move {
            post(
                &proxy,
                "/__owner_edit",
                &json!({"endpoint_id": sqs, "times": times}),
            )
            .await
            .unwrap()
        }
    };
    arm(3).await;
    let ev = mwaa::event(&env, "PENDING");
    handle(&via, &r.mwaa, Envelope::from_json(&ev), &settings(r.name))
        .await
        .unwrap();
    let p = policy_text(&r.ec2, &sqs).await;
    for k in 1..=3 {
        assert!(
            p.contains(&format!("\"OwnerDeny{k}\"")),
            "the owner's Deny {k} was overwritten: {p}"
        );
    }
    assert!(granted(&p, &queue(&env), A), "{p}");

    arm(6).await;
    mwaa::delete(A, r.name, env["Name"].as_str().unwrap()).await;
    let ev = mwaa::event(&env, "DELETED");
    handle(&via, &r.mwaa, Envelope::from_json(&ev), &settings(r.name))
        .await
        .unwrap();
    let p = policy_text(&r.ec2, &sqs).await;
    let denies = p.matches("\"OwnerDeny").count();
    assert_eq!(denies, 6, "three Denies from each run: {p}");
    assert!(!p.contains(&queue(&env)), "{p}");
}
