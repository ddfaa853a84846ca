//! Issue 22 on moto: releasing only what nobody will miss, through the SDK
//! adapters the functions use (EC2, Route 53, STS, S3). Three runs with a
//! moving `now` (mark and notice → nothing inside the grace period → release,
//! except what was kept); each check; the caps; a member account through its
//! release role and one without it; evidence before the act; restore.
//! Where moto lacks a behaviour, the fault proxy (scripts/fault_proxy.py)
//! supplies it, and the test says which.

use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use vpcwarden_e2e::eip::{
    allocate_named, bucket, bucket_name, data_bucket, instance, quiet_days_engine,
};
use vpcwarden_e2e::http::post;
use vpcwarden_e2e::{config_at, standin};
use vpcwarden_eip::{analyse, required_days, AddressReport, Coverage, CoverageReport, Settings};
use vpcwarden_eip_release::sdk::{BucketRecords, SdkAccountOps, SdkAccounts};
use vpcwarden_eip_release::{
    notice, release, restore, Action, Evidence, ReleaseMode, ReleaseOutcome, ReleaseSettings,
    Restored, MARKED_AT, RELEASE_AFTER,
};
use vpcwarden_inventory::{take, SdkAddresses};
use vpcwarden_store::Bucket;

const HUB: &str = "123456789012";
const MEMBER: &str = "210987654321";
const ROLE: &str = "vpcwarden-release";

fn moto() -> String {
    standin("VPCWARDEN_MOTO_URL")
}

fn proxy() -> String {
    standin("VPCWARDEN_PROXY_URL")
}

/// The rows the analysis gives for every address of `region` in `account`,
/// read through `conf`, with a trail that covered the whole window and holds
/// no event for them: every one idle since before the window, flagged.
async fn rows(
    conf: &aws_config::SdkConfig,
    account: &str,
    region: &str,
    now: DateTime<Utc>,
) -> Vec<AddressReport> {
    let inv = take(
        &SdkAddresses::new(conf.clone()),
        account,
        Some(&[region.to_string()]),
        now,
    )
    .await
    .unwrap();
    let settings = Settings::new(now);
    let required = required_days(settings.window_start, now);
    let mut covered = Coverage::default();
    covered.add_days(account, region, required[0], *required.last().unwrap());
    let coverage = CoverageReport::new(&covered, [(account, region)], &required);
    analyse(&inv.addresses, &[], &[], &coverage, &settings)
}

fn settings() -> ReleaseSettings {
    ReleaseSettings {
        mode: ReleaseMode::Release,
        owner_tag: Some("team".into()),
        // These tests release a handful at once from a handful of idle
        // addresses; the default share (25%) has its own test below.
        max_percent: 100,
        ..ReleaseSettings::default()
    }
}

fn result<'a>(o: &'a ReleaseOutcome, id: &str) -> &'a vpcwarden_eip_release::ReleaseResult {
    o.results
        .iter()
        .find(|r| r.allocation_id == id)
        .unwrap_or_else(|| panic!("no result for {id}: {o:#?}"))
}

async fn tags(ec2: &aws_sdk_ec2::Client, id: &str) -> Option<Vec<(String, String)>> {
    let out = ec2
        .describe_addresses()
        .allocation_ids(id)
        .send()
        .await
        .ok()?;
    out.addresses().first().map(|a| {
        a.tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
}

async fn exists(ec2: &aws_sdk_ec2::Client, id: &str) -> bool {
    tags(ec2, id).await.is_some()
}

async fn tag(ec2: &aws_sdk_ec2::Client, id: &str, k: &str, v: &str) {
    ec2.create_tags()
        .resources(id)
        .tags(Tag::builder().key(k).value(v).build())
        .send()
        .await
        .unwrap();
}

/// Marks an address as an earlier run would have, with its grace period over.
async fn marked_due(ec2: &aws_sdk_ec2::Client, id: &str, now: DateTime<Utc>) {
    let t = |d: i64| {
        (now - Duration::days(d))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    tag(ec2, id, RELEASE_AFTER, &t(1)).await;
    tag(ec2, id, MARKED_AT, &t(8)).await;
}

async fn evidence(data: &Bucket) -> Vec<Evidence> {
    let mut out = Vec::new();
    for (k, _) in data.list("releases/dt=").await.unwrap() {
        out.push(serde_json::from_slice(&data.get(&k).await.unwrap()).unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_runs_mark_and_notify_then_wait_then_release_all_but_the_kept() {
    let region = "ca-central-1";
    let conf = config_at(&moto(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let mut ids = Vec::new();
    for n in 1..=6 {
        ids.push(allocate_named(&ec2, &format!("idle-{n}")).await.0);
    }
    tag(&ec2, &ids[0], "team", "payments").await;
    tag(&ec2, &ids[1], "team", "data").await;
    let data = data_bucket("release-three-runs").await;
    let records = BucketRecords::new(data.clone());
    let accounts = SdkAccounts::new(conf.clone(), HUB.into(), ROLE.into());
    let s = settings();
    let t0 = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    let mine = |rows: Vec<AddressReport>| -> Vec<AddressReport> {
        rows.into_iter()
            .filter(|r| ids.contains(&r.allocation_id.as_str().to_string()))
            .collect()
    };

    // Run 1: every idle address is marked, and the notice says what and when.
    let rows1 = mine(rows(&conf, HUB, region, t0).await);
    assert_eq!(rows1.len(), 6);
    let run1 = release(&accounts, &records, &rows1, &s, t0).await;
    let after = (t0 + Duration::days(7))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    for id in &ids {
        assert_eq!(result(&run1, id).action, Action::Marked);
        let t = tags(&ec2, id).await.unwrap();
        assert!(
            t.contains(&(RELEASE_AFTER.to_string(), after.clone())),
            "{t:?}"
        );
    }
    // The summary message's release section, as SNS carries it.
    let text = notice(&run1, &s).unwrap();
    println!("{text}");
    assert!(
        text.starts_with("Marked for release after a 7-day grace period (6):\n no team tag:\n"),
        "{text}"
    );
    assert!(text.contains(" team=data:\n  127."), "{text}");
    let when = (t0 + Duration::days(7))
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    assert!(text.contains(" team=payments:\n  127."), "{text}");
    assert!(
        text.contains(&format!(
            "{}, account {HUB}, {region}, $3.65/month, release after {when})",
            ids[0]
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "To keep an address: tag it vpcwarden:keep, or remove its vpcwarden:release-after tag"
        ),
        "{text}"
    );

    // Between the runs: #2's owner removes the mark, #3 gets the keep tag,
    // #4 is attached for a while (the trail's AssociateAddress shows in the
    // next analysis as its last attachment).
    ec2.delete_tags()
        .resources(&ids[1])
        .tags(Tag::builder().key(RELEASE_AFTER).build())
        .send()
        .await
        .unwrap();
    tag(&ec2, &ids[2], "vpcwarden:keep", "legal hold").await;
    let i = instance(&ec2).await;
    let assoc = ec2
        .associate_address()
        .allocation_id(&ids[3])
        .instance_id(&i)
        .send()
        .await
        .unwrap();
    ec2.disassociate_address()
        .association_id(assoc.association_id().unwrap())
        .send()
        .await
        .unwrap();
    let later = |now: DateTime<Utc>| {
        let conf = conf.clone();
        let ids = ids.clone();
        async move {
            let mut rows: Vec<AddressReport> = rows(&conf, HUB, region, now)
                .await
                .into_iter()
                .filter(|r| ids.contains(&r.allocation_id.as_str().to_string()))
                .collect();
            for r in rows
                .iter_mut()
                .filter(|r| r.allocation_id.as_str() == ids[3])
            {
                r.last_attached_at = Some(t0 + Duration::days(1));
                r.idle_since = Some(t0 + Duration::days(1) + Duration::hours(2));
            }
            rows
        }
    };

    // Run 2, inside the grace period: nothing released.
    let t2 = t0 + Duration::days(3);
    let run2 = release(&accounts, &records, &later(t2).await, &s, t2).await;
    assert_eq!(result(&run2, &ids[0]).action, Action::Pending);
    for id in &ids {
        assert!(
            exists(&ec2, id).await,
            "{id} released inside the grace period"
        );
    }
    assert_eq!(result(&run2, &ids[1]).action, Action::Cancelled);
    assert_eq!(result(&run2, &ids[2]).action, Action::Cancelled);
    assert_eq!(result(&run2, &ids[3]).action, Action::Cancelled);

    // Run 3, after it: released, except the three kept.
    let t3 = t0 + Duration::days(8);
    let run3 = release(&accounts, &records, &later(t3).await, &s, t3).await;
    for n in [0, 4, 5] {
        assert_eq!(result(&run3, &ids[n]).action, Action::Released, "{run3:#?}");
        assert!(!exists(&ec2, &ids[n]).await);
    }
    // #4 was attached after its mark: a new idle spell, so a new mark and a
    // new grace period from today, never the old date.
    let again = result(&run3, &ids[3]);
    assert_eq!(
        (again.action, again.release_after),
        (Action::Marked, Some(t3 + Duration::days(7)))
    );
    for n in [1, 2, 3] {
        assert!(exists(&ec2, &ids[n]).await, "{} was kept", ids[n]);
    }
    for n in [1, 2] {
        assert!(
            !tags(&ec2, &ids[n])
                .await
                .unwrap()
                .iter()
                .any(|(k, _)| k == RELEASE_AFTER),
            "{}: its mark is gone: {run3:#?}",
            ids[n]
        );
    }
    // The evidence: one record per release, with the tags, the basis, every check, the outcome.
    let ev = evidence(&data).await;
    assert_eq!(ev.len(), 3, "{ev:#?}");
    let first = ev.iter().find(|e| e.allocation_id == ids[0]).unwrap();
    assert!(first.tags.contains(&("team".into(), "payments".into())));
    assert_eq!(first.checks.len(), 3);
    assert_eq!(first.outcome.as_ref().unwrap().action, "released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_skips_its_address_and_the_others_go_on() {
    let region = "sa-east-1";
    // Through the fault proxy: moto cannot set reverse DNS.
    let conf = config_at(&proxy(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let (ptr, _) = allocate_named(&ec2, "ptr").await;
    let (late_ptr, _) = allocate_named(&ec2, "late-ptr").await;
    let (dns, dns_ip) = allocate_named(&ec2, "dns").await;
    let (sg, sg_ip) = allocate_named(&ec2, "sg").await;
    let (clean, _) = allocate_named(&ec2, "clean").await;
    let ids = [&ptr, &late_ptr, &dns, &sg, &clean];
    let now = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    for id in ids {
        marked_due(&ec2, id, now).await;
    }
    // A Route 53 record (private zone) whose value is the address.
    let r53 = aws_sdk_route53::Client::new(&config_at(&moto(), "us-east-1").await);
    let zone = r53
        .create_hosted_zone()
        .name("internal.example.")
        .caller_reference(vpcwarden_e2e::unique("zone"))
        .hosted_zone_config(
            aws_sdk_route53::types::HostedZoneConfig::builder()
                .private_zone(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let zone_id = zone.hosted_zone().unwrap().id().to_string();
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Upsert)
                        .resource_record_set(
                            ResourceRecordSet::builder()
                                .name("vpn.internal.example.")
                                .r#type(RrType::A)
                                .ttl(60)
                                .resource_records(
                                    ResourceRecord::builder().value(&dns_ip).build().unwrap(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // A security group rule naming the address's /32.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap();
    let group = ec2
        .create_security_group()
        .group_name(vpcwarden_e2e::unique("partner"))
        .description("partner allow-list")
        .vpc_id(vpc.vpc().unwrap().vpc_id().unwrap())
        .send()
        .await
        .unwrap();
    let group_id = group.group_id().unwrap().to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&group_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip(format!("{sg_ip}/32")).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Reverse DNS: one visible to the check, one set after it (EC2 refuses the release).
    let (_, body) = post(
        &proxy(),
        "/__ptr",
        &json!({"ptr": {ptr.clone(): "mail.example.com."}, "visible": true}),
    )
    .await
    .unwrap();
    assert_eq!(body, json!({}));

    let data = data_bucket("release-checks").await;
    let records = BucketRecords::new(data.clone());
    let accounts = SdkAccounts::new(conf.clone(), HUB.into(), ROLE.into());
    let all: Vec<AddressReport> = rows(&conf, HUB, region, now)
        .await
        .into_iter()
        .filter(|r| ids.iter().any(|id| **id == r.allocation_id.as_str()))
        .collect();
    let without_late: Vec<AddressReport> = all
        .iter()
        .filter(|r| r.allocation_id.as_str() != late_ptr)
        .cloned()
        .collect();
    let out = release(&accounts, &records, &without_late, &settings(), now).await;
    let why = |id: &str| result(&out, id).reason.clone().unwrap_or_default();
    assert_eq!(result(&out, &ptr).action, Action::Skipped);
    assert!(
        why(&ptr).contains("reverse DNS (PTR) mail.example.com. is set"),
        "{}",
        why(&ptr)
    );
    assert_eq!(result(&out, &dns).action, Action::Skipped);
    assert!(
        why(&dns).contains("vpn.internal.example. A in private zone internal.example."),
        "{}",
        why(&dns)
    );
    assert_eq!(result(&out, &sg).action, Action::Skipped);
    assert!(
        why(&sg).contains(&group_id) && why(&sg).contains(&format!("{sg_ip}/32")),
        "{}",
        why(&sg)
    );
    assert_eq!(result(&out, &clean).action, Action::Released, "{out:#?}");
    for id in [&ptr, &dns, &sg] {
        assert!(exists(&ec2, id).await);
    }

    // A PTR set after the check: EC2's InvalidAddress.PtrSet is read as that skip, not a failure.
    post(
        &proxy(),
        "/__ptr",
        &json!({"ptr": {late_ptr.clone(): "smtp.example.com."}, "visible": false}),
    )
    .await
    .unwrap();
    let only_late: Vec<AddressReport> = all
        .iter()
        .filter(|r| r.allocation_id.as_str() == late_ptr)
        .cloned()
        .collect();
    let out = release(&accounts, &records, &only_late, &settings(), now).await;
    post(&proxy(), "/__ptr", &json!({"ptr": {}})).await.unwrap();
    let r = result(&out, &late_ptr);
    assert_eq!(r.action, Action::Skipped, "{r:?}");
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("reverse DNS (PTR) is set on it"),
        "{r:?}"
    );
    assert!(exists(&ec2, &late_ptr).await);
    let ev = evidence(&data).await;
    let late = ev.iter().find(|e| e.allocation_id == late_ptr).unwrap();
    assert_eq!(
        late.outcome.as_ref().unwrap().action,
        "skipped",
        "the evidence says what EC2 answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_due_with_the_default_cap_release_none_and_say_why() {
    let region = "eu-north-1";
    let conf = config_at(&moto(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let now = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    let mut ids = Vec::new();
    for n in 0..11 {
        let id = allocate_named(&ec2, &format!("cap-{n}")).await.0;
        marked_due(&ec2, &id, now).await;
        ids.push(id);
    }
    let data = data_bucket("release-cap").await;
    let rows: Vec<AddressReport> = rows(&conf, HUB, region, now)
        .await
        .into_iter()
        .filter(|r| ids.contains(&r.allocation_id.as_str().to_string()))
        .collect();
    let s = ReleaseSettings {
        mode: ReleaseMode::Release,
        ..ReleaseSettings::default()
    };
    let out = release(
        &SdkAccounts::new(conf.clone(), HUB.into(), ROLE.into()),
        &BucketRecords::new(data.clone()),
        &rows,
        &s,
        now,
    )
    .await;
    assert!(
        out.results.iter().all(|r| r.action == Action::Held),
        "{out:#?}"
    );
    let text = notice(&out, &s).unwrap();
    assert!(text.contains("Nothing released: 11 addresses are due for release, more than this run may release (3 = at most 10 per run and 25% of the 11 idle addresses, rounded up)"), "{text}");
    for id in &ids {
        assert!(exists(&ec2, id).await);
    }
    assert!(
        evidence(&data).await.is_empty(),
        "no evidence: nothing was about to be released"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_address_goes_through_its_release_role_and_without_it_is_not_releasable() {
    let region = "ap-northeast-2";
    let hub = config_at(&proxy(), region).await;
    // The member's own view (moto switches account on AssumeRole).
    let role = format!("arn:aws:iam::{MEMBER}:role/{ROLE}");
    let creds = vpcwarden_eip_release::sdk::assume(&hub, &role, "test-setup")
        .await
        .unwrap();
    let member = hub
        .clone()
        .into_builder()
        .credentials_provider(creds)
        .build();
    let ec2 = aws_sdk_ec2::Client::new(&member);
    let (gone, gone_ip) = allocate_named(&ec2, "member-idle").await;
    tag(&ec2, &gone, "team", "edge").await;
    let (denied, _) = allocate_named(&ec2, "member-denied").await;
    let now = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    marked_due(&ec2, &gone, now).await;
    marked_due(&ec2, &denied, now).await;
    let rows: Vec<AddressReport> = rows(&member, MEMBER, region, now).await;
    let one = |id: &str| -> Vec<AddressReport> {
        rows.iter()
            .filter(|r| r.allocation_id.as_str() == id)
            .cloned()
            .collect()
    };
    let data = data_bucket("release-member").await;
    let records = BucketRecords::new(data.clone());
    let accounts = SdkAccounts::new(hub.clone(), HUB.into(), ROLE.into());

    // Without the role (AWS's AccessDenied from the proxy): not releasable, never "already released".
    post(
        &proxy(),
        "/__deny_assume",
        &json!({"role_arns": [role.clone()]}),
    )
    .await
    .unwrap();
    let out = release(&accounts, &records, &one(&denied), &settings(), now).await;
    post(&proxy(), "/__deny_assume", &json!({"role_arns": []}))
        .await
        .unwrap();
    let r = result(&out, &denied);
    assert_eq!(r.action, Action::NotReleasable, "{r:?}");
    let why = r.reason.as_deref().unwrap();
    assert!(
        why.contains(&format!("no release role in account {MEMBER}")),
        "{why}"
    );
    assert!(!why.contains("already released"));
    assert!(exists(&ec2, &denied).await);

    // With it: released in its own account.
    let out = release(&accounts, &records, &one(&gone), &settings(), now).await;
    assert_eq!(result(&out, &gone).action, Action::Released, "{out:#?}");
    assert!(!exists(&ec2, &gone).await);

    // Restore: the same address back, with its tags, in the member account.
    let ev = evidence(&data)
        .await
        .into_iter()
        .find(|e| e.allocation_id == gone)
        .unwrap();
    assert_eq!(ev.account, MEMBER);
    let port = SdkAccountOps::new(member.clone(), None);
    let back = restore(&port, &ev).await.unwrap();
    let Restored::GivenBack { allocation_id } = &back else {
        panic!("{back:?}")
    };
    let got = ec2
        .describe_addresses()
        .allocation_ids(allocation_id)
        .send()
        .await
        .unwrap();
    let a = &got.addresses()[0];
    assert_eq!(a.public_ip(), Some(gone_ip.as_str()));
    let t: Vec<(&str, &str)> = a
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert!(
        t.contains(&("team", "edge")) && t.contains(&("Name", "member-idle")),
        "{t:?}"
    );
    assert!(
        !t.iter().any(|(k, _)| *k == RELEASE_AFTER),
        "not marked again: {t:?}"
    );
    println!("{back}");
    // Twice: it is already there, nothing allocated again.
    assert!(matches!(
        restore(&port, &ev).await.unwrap(),
        Restored::AlreadyHeld { .. }
    ));

    // When another account has it, restore says so.
    let mut taken = ev.clone();
    taken.public_ip = "127.250.1.1".into();
    post(&proxy(), "/__taken", &json!({"addresses": ["127.250.1.1"]}))
        .await
        .unwrap();
    let said = restore(&port, &taken).await.unwrap();
    post(&proxy(), "/__taken", &json!({"addresses": []}))
        .await
        .unwrap();
    assert!(
        matches!(&said, Restored::NotGivenBack { code, .. } if code == "InvalidAddress.NotFound"),
        "{said:?}"
    );
    assert!(
        said.to_string()
            .contains("AWS did not give the address back"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_evidence_cannot_be_written_nothing_is_released() {
    let region = "ap-south-1";
    let conf = config_at(&moto(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let now = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    let (id, _) = allocate_named(&ec2, "no-evidence").await;
    marked_due(&ec2, &id, now).await;
    let rows: Vec<AddressReport> = rows(&conf, HUB, region, now)
        .await
        .into_iter()
        .filter(|r| r.allocation_id.as_str() == id)
        .collect();
    // The data bucket, reached through the proxy, which refuses the evidence's write.
    let via_proxy = config_at(&proxy(), "us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&via_proxy)
            .force_path_style(true)
            .build(),
    );
    let name = bucket_name("release-no-evidence");
    bucket(&s3, &name).await;
    let data = Bucket::new(s3, name);
    post(&proxy(), "/__fail_put", &json!({"prefix": "releases/dt="}))
        .await
        .unwrap();
    let out = release(
        &SdkAccounts::new(conf.clone(), HUB.into(), ROLE.into()),
        &BucketRecords::new(data.clone()),
        &rows,
        &settings(),
        now,
    )
    .await;
    post(&proxy(), "/__fail_put", &json!({"prefix": null}))
        .await
        .unwrap();
    let r = result(&out, &id);
    assert_eq!(r.action, Action::Failed, "{r:?}");
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("evidence record could not be written"),
        "{r:?}"
    );
    assert!(exists(&ec2, &id).await, "no evidence, no release");
}

/// The whole report job with release on: the snapshot and the trail are real
/// (moto's addresses, a trail tree covering the window with no lifecycle
/// event), the summary message carries the notice and SNS takes it; then a
/// snapshot older than twice its schedule stops every release.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_job_marks_and_announces_and_never_releases_on_an_old_snapshot() {
    use vpcwarden_idle_report::{run, snapshot, Deps, JobConfig};

    let region = "eu-west-2";
    let conf = config_at(&moto(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let (a, _) = allocate_named(&ec2, "job-a").await;
    let (b, _) = allocate_named(&ec2, "job-b").await;
    tag(&ec2, &a, "team", "search").await;
    let data = data_bucket("release-job").await;
    let t = vpcwarden_e2e::eip::whole_seconds(Utc::now());
    let source = SdkAddresses::new(conf.clone());
    snapshot(
        &source,
        Some(&source),
        &data,
        HUB,
        Some(&[region.to_string()]),
        t,
    )
    .await
    .unwrap();
    let trail = vpcwarden_e2e::eip::scratch("release-job-trail");
    // Delivered through the second run's day too: its only reason to wait is the snapshot's age.
    let engine = quiet_days_engine(
        &trail,
        &[HUB],
        &[region],
        (t - Duration::days(92)).date_naive(),
        (t + Duration::days(8)).date_naive(),
    );
    let sns = aws_sdk_sns::Client::new(&conf);
    let topic = sns
        .create_topic()
        .name(vpcwarden_e2e::unique("release"))
        .send()
        .await
        .unwrap();
    let accounts = SdkAccounts::new(conf.clone(), HUB.into(), ROLE.into());
    let notifier = vpcwarden_idle_report::SnsNotifier::new(sns.clone(), topic.topic_arn().unwrap());
    let deps = Deps {
        bucket: &data,
        engine: &engine,
        store: None,
        notifier: Some(&notifier),
        release: Some(&accounts),
    };
    let cfg = JobConfig {
        release: ReleaseMode::Release,
        owner_tag: Some("team".into()),
        release_max_percent: 100,
        sns_topic: topic.topic_arn().map(str::to_string),
        ..JobConfig::default()
    };

    let out = run(&deps, &cfg, t + Duration::hours(1)).await.unwrap();
    assert_eq!(
        out.release_skipped,
        None,
        "{}",
        serde_json::to_string(&out.coverage).unwrap()
    );
    let marked: Vec<&str> = out
        .released
        .iter()
        .filter(|r| r.action == Action::Marked)
        .map(|r| r.allocation_id.as_str())
        .collect();
    assert!(
        marked.contains(&a.as_str()) && marked.contains(&b.as_str()),
        "{:#?}",
        out.released
    );
    println!("{}", out.message);
    assert!(
        out.message
            .contains("Marked for release after a 7-day grace period"),
        "{}",
        out.message
    );
    assert!(
        out.message.contains(" team=search:\n  127."),
        "{}",
        out.message
    );
    assert!(
        out.message.contains(&format!(
            "{a}, account {HUB}, {region}, $3.65/month, release after"
        )),
        "{}",
        out.message
    );
    assert!(out.sns_message_id.is_some(), "published");
    assert!(
        out.markdown.contains("## Release"),
        "the report shows the marks too"
    );
    let doc: serde_json::Value = serde_json::from_slice(
        &data
            .get(out.reports.key(vpcwarden_report::Format::Json))
            .await
            .unwrap(),
    )
    .unwrap();
    let row = doc["released"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["allocation_id"] == a.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["action"], "marked");
    assert!(row["release_after"].is_string(), "{row}");

    // Eight days on, both are due — but the newest snapshot is 8 days old
    // (more than twice its 6-hour schedule): nothing is released.
    let later = t + Duration::days(8);
    let out = run(&deps, &cfg, later).await.unwrap();
    let why = out.release_skipped.clone().expect("skipped");
    assert!(
        why.contains("older than twice its schedule (12 h)"),
        "{why}"
    );
    assert!(out.released.is_empty());
    assert!(out.message.contains(&why), "the message says why");
    assert!(exists(&ec2, &a).await && exists(&ec2, &b).await);
    std::fs::remove_dir_all(&trail).unwrap();
}
