//! Issue 15, snapshots across accounts, against moto (which switches account
//! through sts:AssumeRole): three accounts, two regions; every account's
//! addresses are in the snapshot; one account whose role cannot be assumed
//! (the fault proxy answers its AssumeRole with AccessDenied, as AWS does when
//! the member role is missing or an SCP denies it) is reported in the
//! snapshot's coverage while the others succeed; the report then shows that
//! account's addresses as the earlier snapshot saw them, unknown, never
//! flagged, and says why — while the readable account's idle ones are flagged.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use vpcwarden_e2e::eip::{allocate_named, data_bucket, quiet_days_engine, scratch};
use vpcwarden_e2e::http::post;
use vpcwarden_e2e::{config_at, standin};
use vpcwarden_idle_report::{
    run, snapshot_accounts, AccountsSpec, Deps, JobConfig, SnapshotOutcome,
};
use vpcwarden_inventory::AccountList;
use vpcwarden_store::Bucket;

const HUB: &str = "123456789012";
const A: &str = "111111111111";
const B: &str = "222222222222";
const REGIONS: [&str; 2] = ["eu-west-3", "us-west-1"];
const ROLE: &str = "vpcwarden-snapshot-read";

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/{ROLE}")
}

/// SDK configuration acting in `account` (moto: credentials of a role assumed
/// there), through `endpoint`.
async fn config_in(endpoint: &str, account: &str, region: &str) -> aws_config::SdkConfig {
    let conf = config_at(endpoint, region).await;
    if account == HUB {
        return conf;
    }
    let creds = aws_config::sts::AssumeRoleProvider::builder(role(account))
        .session_name("test-setup")
        .configure(&conf)
        .build()
        .await;
    conf.into_builder()
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(creds))
        .build()
}

/// Every account of the organization, through the member role.
fn organization_spec() -> AccountsSpec {
    AccountsSpec {
        accounts: AccountList::Organization,
        role_name: ROLE.into(),
        concurrency: 4,
    }
}

/// An EC2 client acting in `account`.
async fn ec2_in(account: &str, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&config_in(&standin("VPCWARDEN_MOTO_URL"), account, region).await)
}

async fn lines(data: &Bucket, key: &str) -> Vec<Value> {
    String::from_utf8(data.get(key).await.unwrap())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn has(lines: &[Value], id: &str) -> bool {
    lines.iter().any(|l| l["allocation_id"] == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_account_whose_role_cannot_be_assumed_is_reported_and_never_flagged() {
    let proxy = standin("VPCWARDEN_PROXY_URL");
    // One address per account and region, made in that account.
    let mut made: Vec<(String, String, String)> = Vec::new();
    for account in [HUB, A, B] {
        for region in REGIONS {
            let id = allocate_named(&ec2_in(account, region).await, "org")
                .await
                .0;
            made.push((account.into(), region.into(), id));
        }
    }
    let data = data_bucket("accounts").await;
    // The hub's calls go through the fault proxy (EC2 throttling, and the denial below).
    let hub = config_at(&proxy, "us-east-1").await;
    let spec = AccountsSpec {
        accounts: AccountList::Listed(vec![HUB.into(), A.into(), B.into()]),
        role_name: ROLE.into(),
        concurrency: 2,
    };
    let only: Vec<String> = REGIONS.iter().map(|r| r.to_string()).collect();
    let t1: DateTime<Utc> = Utc::now() - Duration::days(1);
    let snap = |at: DateTime<Utc>| {
        let (hub, spec, data, only) = (&hub, &spec, &data, &only);
        async move {
            snapshot_accounts(hub, HUB, spec, data, Some(only), at)
                .await
                .unwrap()
        }
    };

    // 1. Every account readable: every address in the snapshot, no failure.
    let first: SnapshotOutcome = snap(t1).await;
    assert!(
        first.scope_failures.is_empty(),
        "{:?}",
        first.scope_failures
    );
    let got = lines(&data, &first.key).await;
    for (account, region, id) in &made {
        let line = got.iter().find(|l| l["allocation_id"] == id.as_str());
        let line = line.unwrap_or_else(|| panic!("{account}/{region} {id} missing"));
        assert_eq!(line["account"], account.as_str());
        assert_eq!(line["region"], region.as_str());
    }

    // 2. B's role cannot be assumed any more: recorded, the others still read.
    post(&proxy, "/__deny_assume", &json!({"role_arns": [role(B)]}))
        .await
        .unwrap();
    let t2 = Utc::now();
    let second = snap(t2).await;
    post(&proxy, "/__deny_assume", &json!({"role_arns": []}))
        .await
        .unwrap();
    assert_eq!(
        second.scope_failures.len(),
        1,
        "{:?}",
        second.scope_failures
    );
    let f = &second.scope_failures[0];
    assert_eq!((f.account.as_str(), f.region.as_deref()), (B, None));
    assert!(f.reason.contains("AccessDenied"), "{}", f.reason);
    let got = lines(&data, &second.key).await;
    for (account, _, id) in &made {
        assert_eq!(has(&got, id), account != B, "{account} {id}");
    }
    let coverage: Value = serde_json::from_slice(
        &data
            .get(second.coverage_key.as_ref().unwrap())
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(coverage["failures"][0]["account"], B);
    assert_eq!(
        coverage["read"].as_array().unwrap().len(),
        4,
        "hub and A, two regions each"
    );

    // 3. The report: a trail that covers every account, region and day of the
    // window with no lifecycle event, so every free address the snapshot saw
    // is idle since before the window and flagged — except B's.
    let now = t2 + Duration::hours(1);
    let trail = scratch("accounts-trail");
    let engine = quiet_days_engine(
        &trail,
        &[HUB, A, B],
        &REGIONS,
        (now - Duration::days(92)).date_naive(),
        now.date_naive(),
    );
    let deps = Deps {
        bucket: &data,
        engine: &engine,
        store: None,
        notifier: None,
        release: None,
    };
    let out = run(&deps, &JobConfig::default(), now).await.unwrap();
    assert_eq!(out.snapshot_failures.len(), 1);
    let doc: Value = serde_json::from_slice(
        &data
            .get(out.reports.key(vpcwarden_report::Format::Json))
            .await
            .unwrap(),
    )
    .unwrap();
    vpcwarden_e2e::eip::assert_report_schema(&doc);
    let row = |id: &str| {
        doc["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["allocation_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in the report"))
    };
    for (account, _, id) in &made {
        let r = row(id);
        if account == B {
            assert_eq!(r["status"], "unknown", "{r}");
            assert_eq!(r["flagged"], false);
            assert_eq!(r["waste_in_window_usd"], Value::Null);
            let note = r["note"].as_str().unwrap();
            assert!(
                note.contains("could not read account 222222222222")
                    && note.contains("AccessDenied"),
                "{note}"
            );
        } else {
            assert_eq!(
                (r["status"].as_str(), r["flagged"].as_bool()),
                (Some("idle"), Some(true)),
                "{r}"
            );
        }
    }
    assert!(out
        .markdown
        .contains("**The latest snapshot could not read account 222222222222, every region"));
    // The public-IPv4 report says whose addresses its totals leave out.
    let ipv4 = out
        .public_ipv4
        .as_ref()
        .expect("public-IPv4 report written");
    let json_key = ipv4.reports.key(vpcwarden_report::Format::Json);
    let doc: Value = serde_json::from_slice(&data.get(json_key).await.unwrap()).unwrap();
    let not_read: Vec<&str> = doc["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(not_read.len(), 1, "{not_read:?}");
    assert!(
        not_read[0].starts_with("account 222222222222, every region: ")
            && not_read[0].contains("AccessDenied"),
        "{not_read:?}"
    );
    std::fs::remove_dir_all(&trail).unwrap();
}

/// `organization`: the accounts come from organizations:ListAccounts (the hub
/// is the management account here; moto keeps one organization per
/// management account, so this test's is its own). Active accounts are read,
/// a suspended (closed) one is recorded as not read with its state, and its
/// address is not in the snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn organization_accounts_are_listed_and_a_suspended_one_is_not_read() {
    const MGMT: &str = "444400000001";
    let moto = standin("VPCWARDEN_MOTO_URL");
    let region = "eu-west-3";
    let hub = config_in(&moto, MGMT, "us-east-1").await;
    let org = aws_sdk_organizations::Client::new(&hub);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for i in 0..3 {
        let status = org
            .create_account()
            .email(format!("org-member-{i}@example.com"))
            .account_name(format!("member-{i}"))
            .send()
            .await
            .unwrap();
        members.push(
            status
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string(),
        );
    }
    let mut made = Vec::new();
    for account in members.iter().map(String::as_str).chain([MGMT]) {
        let ec2 = aws_sdk_ec2::Client::new(&config_in(&moto, account, region).await);
        made.push((
            account.to_string(),
            allocate_named(&ec2, "org-list").await.0,
        ));
    }
    let closed = members[2].clone();
    org.close_account()
        .account_id(&closed)
        .send()
        .await
        .unwrap();

    let data = data_bucket("org-list").await;
    let spec = organization_spec();
    let only = vec![region.to_string()];
    let out = snapshot_accounts(&hub, MGMT, &spec, &data, Some(&only), Utc::now())
        .await
        .unwrap();
    assert_eq!(out.scope_failures.len(), 1, "{:?}", out.scope_failures);
    let f = &out.scope_failures[0];
    assert_eq!(
        (f.account.as_str(), f.region.as_deref()),
        (closed.as_str(), None)
    );
    assert!(f.reason.contains("SUSPENDED"), "{}", f.reason);
    let got = lines(&data, &out.key).await;
    for (account, id) in &made {
        assert_eq!(has(&got, id), *account != closed, "{account} {id}");
    }
    let coverage: Value =
        serde_json::from_slice(&data.get(out.coverage_key.as_ref().unwrap()).await.unwrap())
            .unwrap();
    let asked: Vec<&str> = coverage["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for account in members.iter().map(String::as_str).chain([MGMT]) {
        assert!(asked.contains(&account), "{account} not in {asked:?}");
    }
}

/// Without an organization (or without permission) the list cannot be read:
/// the snapshot fails, naming the setting, and writes nothing — a partial
/// account list would read as "those accounts have no addresses". (AWS
/// answers an account outside any organization with
/// AWSOrganizationsNotInUseException; moto with an empty list, which is
/// refused too: an organization always holds its management account.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_listing_that_fails_writes_nothing() {
    let moto = standin("VPCWARDEN_MOTO_URL");
    let hub = config_in(&moto, "444400000002", "us-east-1").await;
    let data = data_bucket("org-none").await;
    let spec = organization_spec();
    let err = snapshot_accounts(&hub, "444400000002", &spec, &data, None, Utc::now())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("organization") && err.contains("ListAccounts"),
        "{err}"
    );
    assert!(data.list("").await.unwrap().is_empty());
}
