//! One shared VPC, several participant accounts: every environment is known
//! by (account, region, name). Two accounts' `prod` each get their own
//! endpoints and grant, one's deletion leaves the other whole; one
//! unreadable environment does not hold up its account; endpoints the VPC
//! owner made serve the environment and are never touched; records of
//! earlier releases (name only) are migrated, or refused when two accounts
//! could claim them; the ledger's capacity is a clear error before any change.
//! Over the in-memory fakes (tests/fakes.rs); moto runs the same stories in
//! tests/tests/shared_vpc_moto.rs.

mod fakes;

use std::time::Duration;

use fakes::{environment, event, queue, FakeEc2, FakeMwaa, LOCKED, OWN, REGION};
use vpcwarden_endpoints::{handle, ledger, reconcile, Envelope, ProvisionError, Report, Settings};
use vpcwarden_policy::Policy;

const B: &str = "111122223333";

fn settings() -> Settings {
    Settings {
        settle: Duration::ZERO,
        accounts: vec![OWN.into(), B.into()],
        ..Settings::new(REGION)
    }
}

async fn deliver(
    ec2: &FakeEc2,
    mwaa: &FakeMwaa,
    env: &vpcwarden_mwaa_event::Environment,
    status: &str,
) -> Result<Report, ProvisionError> {
    let ev = event(env, status, false);
    handle(ec2, mwaa, Envelope::from_json(&ev), &settings()).await
}

/// Live endpoints of (account, name): (role, service).
fn endpoints_of(ec2: &FakeEc2, account: &str, name: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ec2
        .live()
        .into_iter()
        .filter(|e| e.tag("vpcwarden:environment") == Some(name))
        .filter(|e| e.tag("vpcwarden:account") == Some(account))
        .map(|e| {
            (
                e.tag("vpcwarden:role").unwrap_or_default().to_string(),
                e.service_name,
            )
        })
        .collect();
    v.sort();
    v
}

fn policy(ec2: &FakeEc2, sqs: &str) -> String {
    ec2.endpoint(sqs).unwrap().policy.unwrap()
}

fn granted(policy: &str, arn: &str, account: &str) -> bool {
    ledger::granted(&Policy::parse(policy).unwrap(), arn, account, None)
}

#[tokio::test]
async fn two_accounts_prod_in_one_vpc_each_get_their_own_and_one_deletion_leaves_the_other() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    let a = environment(OWN, "prod", "PENDING", "PRIVATE_ONLY", &subnets);
    let b = environment(B, "prod", "PENDING", "PRIVATE_ONLY", &subnets);
    mwaa.put(a.clone());
    mwaa.put(b.clone());

    deliver(&ec2, &mwaa, &a, "PENDING").await.unwrap();
    let rb = deliver(&ec2, &mwaa, &b, "PENDING").await.unwrap();
    assert_eq!(
        rb.created.len(),
        2,
        "B's PENDING makes B's endpoints: {rb:#?}"
    );
    assert_eq!(endpoints_of(&ec2, OWN, "prod").len(), 2);
    assert_eq!(endpoints_of(&ec2, B, "prod").len(), 2);
    let p = policy(&ec2, &sqs);
    assert!(granted(&p, &queue(OWN, "prod"), OWN), "{p}");
    assert!(granted(&p, &queue(B, "prod"), B), "{p}");
    assert!(
        !granted(&p, &queue(B, "prod"), OWN),
        "B's queue is B's only: {p}"
    );

    // A is deleted: A's endpoints and grant go, B's stay whole.
    mwaa.put(environment(
        OWN,
        "prod",
        "DELETING",
        "PRIVATE_ONLY",
        &subnets,
    ));
    deliver(&ec2, &mwaa, &a, "DELETED").await.unwrap();
    assert!(endpoints_of(&ec2, OWN, "prod").is_empty());
    assert_eq!(endpoints_of(&ec2, B, "prod").len(), 2);
    let p = policy(&ec2, &sqs);
    assert!(!p.contains(&queue(OWN, "prod")), "{p}");
    assert!(granted(&p, &queue(B, "prod"), B), "{p}");

    // Redeliveries of B's PENDING and a reconcile change nothing of B's.
    let writes = ec2.writes();
    deliver(&ec2, &mwaa, &b, "PENDING").await.unwrap();
    mwaa.put(environment(
        OWN,
        "prod",
        "DELETED",
        "PRIVATE_ONLY",
        &subnets,
    ));
    let report = reconcile(&ec2, &mwaa, &settings()).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(ec2.writes(), writes, "{report:#?}");
    assert_eq!(endpoints_of(&ec2, B, "prod").len(), 2);
}

#[tokio::test]
async fn one_unreadable_environment_does_not_hold_up_the_others_of_its_account() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, _) = ec2.vpc("vpc1", REGION, LOCKED);
    let broken = environment(B, "broken", "AVAILABLE", "PUBLIC_ONLY", &subnets);
    mwaa.put(broken.clone());
    deliver(&ec2, &mwaa, &broken, "PENDING").await.unwrap();
    let before = endpoints_of(&ec2, B, "broken");
    mwaa.break_environment(B, "broken");
    // Beside it, a new environment whose PENDING event was lost.
    mwaa.put(environment(B, "fresh", "PENDING", "PUBLIC_ONLY", &subnets));

    let report = reconcile(&ec2, &mwaa, &settings()).await.unwrap();
    assert_eq!(endpoints_of(&ec2, B, "fresh").len(), 1, "{report:#?}");
    assert_eq!(endpoints_of(&ec2, B, "broken"), before, "left as it is");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].contains(&format!("{B}/{REGION}/broken")),
        "{:?}",
        report.errors
    );
}

#[tokio::test]
async fn endpoints_the_vpc_owner_made_serve_the_environment_and_are_never_touched() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, _) = ec2.vpc("vpc1", REGION, LOCKED);
    let env = environment(B, "etl", "PENDING", "PRIVATE_ONLY", &subnets);
    mwaa.put(env.clone());
    // The network team's IaC made both endpoints already (one still pending).
    let db = ec2.add_endpoint(
        "vpc1",
        env.database_vpc_endpoint_service.as_deref().unwrap(),
        &[("Name", "etl-db")],
    );
    let web = ec2.add_endpoint(
        "vpc1",
        env.webserver_vpc_endpoint_service.as_deref().unwrap(),
        &[],
    );
    ec2.set_tag(&web, "owner", "network-team");
    ec2.set_state(&web, "pending");

    let r = deliver(&ec2, &mwaa, &env, "PENDING").await.unwrap();
    assert!(r.created.is_empty(), "no second endpoint: {r:#?}");
    let mut ext: Vec<&str> = r.external.iter().map(|e| e.role.as_str()).collect();
    ext.sort();
    assert_eq!(ext, ["database", "webserver"]);
    let report = reconcile(&ec2, &mwaa, &settings()).await.unwrap();
    assert!(report.drifts.is_empty(), "{:#?}", report.drifts);
    assert_eq!(report.external.len(), 2);
    assert!(endpoints_of(&ec2, B, "etl").is_empty());

    // The environment goes: the owner's endpoints stay, as they were.
    let before = (ec2.endpoint(&db), ec2.endpoint(&web));
    mwaa.put(environment(B, "etl", "DELETED", "PRIVATE_ONLY", &subnets));
    deliver(&ec2, &mwaa, &env, "DELETED").await.unwrap();
    reconcile(&ec2, &mwaa, &settings()).await.unwrap();
    assert_eq!((ec2.endpoint(&db), ec2.endpoint(&web)), before);
}

#[tokio::test]
async fn a_name_only_record_is_migrated_and_an_ambiguous_one_refused_untouched() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    // As an earlier release left A's `prod`: a name-only ledger key, an
    // endpoint without the account tag, the queue in the owner's list.
    let a = environment(OWN, "prod", "AVAILABLE", "PUBLIC_ONLY", &subnets);
    let qa = queue(OWN, "prod");
    ec2.set_policy(
        &sqs,
        &LOCKED.replace(r#""Resource":[]"#, &format!(r#""Resource":["{qa}"]"#)),
    );
    ec2.set_tag(&sqs, "vpcwarden:queue:prod", &format!("active:1:{qa}"));
    let old = ec2.add_endpoint(
        "vpc1",
        a.database_vpc_endpoint_service.as_deref().unwrap(),
        &[
            ("vpcwarden:managed-by", "vpcwarden"),
            ("vpcwarden:environment", "prod"),
            ("vpcwarden:role", "database"),
        ],
    );
    mwaa.put(a.clone());
    let r = deliver(&ec2, &mwaa, &a, "AVAILABLE").await.unwrap();
    assert!(r.created.is_empty(), "the old endpoint is A's: {r:#?}");
    let tags = ec2.endpoint(&sqs).unwrap().tags;
    assert!(
        tags.iter().all(|(k, _)| k != "vpcwarden:queue:prod"),
        "{tags:?}"
    );
    let key = format!("vpcwarden:queue:{OWN}:{REGION}:prod");
    assert!(tags.iter().any(|(k, _)| *k == key), "{tags:?}");
    assert_eq!(
        ec2.endpoint(&old).unwrap().tag("vpcwarden:account"),
        Some(OWN)
    );
    let p = policy(&ec2, &sqs);
    assert!(
        granted(&p, &qa, OWN) && !granted(&p, &qa, B),
        "moved to A's own statement: {p}"
    );

    // B runs a `prod` too; a name-only record that either could own is refused for both.
    let b = environment(B, "prod", "PENDING", "PUBLIC_ONLY", &subnets);
    mwaa.put(b.clone());
    deliver(&ec2, &mwaa, &b, "PENDING").await.unwrap();
    ec2.set_tag(
        &sqs,
        "vpcwarden:queue:prod",
        "removed:1:arn:aws:sqs:eu-west-1:999988887777:airflow-celery-old",
    );
    let before = (ec2.live(), ec2.writes());
    for env in [&a, &b] {
        let err = deliver(&ec2, &mwaa, env, "DELETED").await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ProvisionError::AmbiguousRecord { .. }),
            "{text}"
        );
        assert!(text.contains(OWN) && text.contains(B), "{text}");
    }
    assert_eq!((ec2.live(), ec2.writes()), before, "nothing changed");
}

#[tokio::test]
async fn the_ledger_holds_49_environments_and_the_50th_fails_before_any_change() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    ec2.set_tag(&sqs, "Name", "shared-sqs");
    for i in 0..49 {
        let env = environment(B, &format!("e{i}"), "PENDING", "PUBLIC_ONLY", &subnets);
        mwaa.put(env.clone());
        deliver(&ec2, &mwaa, &env, "PENDING").await.unwrap();
    }
    assert_eq!(ec2.endpoint(&sqs).unwrap().tags.len(), ledger::MAX_TAGS);
    // The reconciler reports how full the ledger is (its metric's alarm warns at 45).
    let report = reconcile(&ec2, &mwaa, &settings()).await.unwrap();
    assert!(report.drifts.is_empty(), "{:#?}", report.drifts);
    assert_eq!(report.ledgers.len(), 1);
    assert_eq!(
        (report.ledgers[0].tags, report.ledgers[0].entries),
        (50, 49)
    );
    let before = (ec2.live(), ec2.writes());
    let env = environment(B, "e49", "PENDING", "PUBLIC_ONLY", &subnets);
    let err = deliver(&ec2, &mwaa, &env, "PENDING").await.unwrap_err();
    assert!(
        matches!(
            err,
            ProvisionError::LedgerFull {
                used: 50,
                environments: 49,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("e49"), "{err}");
    assert_eq!((ec2.live(), ec2.writes()), before, "nothing changed");
    // A redelivery of a recorded environment still works (its key exists).
    let again = environment(B, "e3", "PENDING", "PUBLIC_ONLY", &subnets);
    deliver(&ec2, &mwaa, &again, "PENDING").await.unwrap();
}

/// The last free tag taken by a concurrent claim between our read and our
/// write: the endpoints this run created go again, nothing stays half-applied.
#[tokio::test]
async fn a_concurrent_claim_of_the_last_tag_leaves_nothing_half_applied() {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    ec2.set_tag(&sqs, "Name", "shared-sqs");
    for i in 0..48 {
        let env = environment(B, &format!("e{i}"), "PENDING", "PUBLIC_ONLY", &subnets);
        deliver(&ec2, &mwaa, &env, "PENDING").await.unwrap();
    }
    let policy_before = policy(&ec2, &sqs);
    ec2.race_next_tag_write(&sqs);
    let env = environment(B, "late", "PENDING", "PRIVATE_ONLY", &subnets);
    let err = deliver(&ec2, &mwaa, &env, "PENDING").await.unwrap_err();
    assert!(matches!(err, ProvisionError::LedgerFull { .. }), "{err}");
    assert!(
        endpoints_of(&ec2, B, "late").is_empty(),
        "its endpoints were taken back"
    );
    assert_eq!(policy(&ec2, &sqs), policy_before);
}
