//! Issue 24: an organization deploy that is right by default. The Athena
//! table is deployed with `Accounts` = the hub and `Regions` = us-east-1 (the
//! template's defaults), while the snapshot reads every enabled region of
//! every account: the report's engine is widened to what the snapshot read
//! (`Engine::covering`), so the coverage listing (S3, on moto) finds the
//! organization trail's days for the members' regions too — no gap that is
//! not real — and a member region whose trail really misses days is still a gap.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use vpcwarden_athena::{RunOptions, SdkAthena};
use vpcwarden_e2e::eip::{bucket, bucket_name, trail_table};
use vpcwarden_e2e::{config_at, moto_s3, standin};
use vpcwarden_eip::{required_days, CoverageReport};
use vpcwarden_idle_report::Engine;
use vpcwarden_store::Bucket;

const ORG: &str = "o-abcdefghij";
const HUB: &str = "111100000001";
const M1: &str = "222200000002";
const M2: &str = "333300000003";

fn now() -> DateTime<Utc> {
    "2026-11-21T06:00:00Z".parse().unwrap()
}

async fn coverage_of(engine: &Engine, days: &[chrono::NaiveDate]) -> vpcwarden_eip::Coverage {
    engine
        .trail_coverage(days[0], *days.last().unwrap())
        .await
        .unwrap()
        .expect("the Athena engine lists the trail")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_regions_cover_what_the_snapshot_read_and_a_real_gap_stays() {
    let s3 = moto_s3().await;
    let name = bucket_name("org-defaults");
    bucket(&s3, &name).await;
    let days = required_days(now() - Duration::days(10), now());
    // The organization trail delivers for every account and region the
    // snapshot read — except M2's ap-south-1 on its last three days.
    let scopes = [(HUB, "us-east-1"), (M1, "eu-west-1"), (M2, "ap-south-1")];
    for (account, region) in scopes {
        for d in &days {
            if account == M2 && *d > days[6] {
                continue;
            }
            let key = format!(
                "AWSLogs/{ORG}/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_x.json.gz",
                d.format("%Y/%m/%d")
            );
            s3.put_object()
                .bucket(&name)
                .key(key)
                .body(b"x".to_vec().into())
                .send()
                .await
                .unwrap();
        }
    }
    let client =
        aws_sdk_athena::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await);
    let table = vpcwarden_athena::TrailTable {
        bucket: name.clone(),
        ..trail_table(Some(ORG), &[HUB.to_string()], &["us-east-1".to_string()])
    };
    let deployed = Engine::Athena {
        port: Arc::new(SdkAthena::new(client, Some("s3://athena-results/".into()))),
        table: Box::new(table),
        options: Box::new(RunOptions::new("primary", "vpcwarden")),
        trail: Box::new(Bucket::new(s3, name)),
    };

    // As deployed: every member scope reads as a gap (what the CoverageGaps alarm saw).
    let before = CoverageReport::new(&coverage_of(&deployed, &days).await, scopes, &days);
    assert_eq!(before.incomplete_scopes, 2, "{before:#?}");

    // Widened to the snapshot's accounts and regions: only the real gap is left.
    let widened = deployed
        .covering(scopes)
        .unwrap()
        .expect("wider than deployed");
    let Engine::Athena { table, .. } = &widened else {
        unreachable!()
    };
    assert_eq!(table.accounts, [HUB, M1, M2]);
    assert_eq!(table.regions, ["ap-south-1", "eu-west-1", "us-east-1"]);
    let after = CoverageReport::new(&coverage_of(&widened, &days).await, scopes, &days);
    assert_eq!(after.incomplete_scopes, 1, "{after:#?}");
    let gap = after.scope(M2, "ap-south-1").unwrap();
    assert_eq!((gap.days_missing, gap.gaps[0].from), (3, days[7]));
    assert!(after.scope(M1, "eu-west-1").unwrap().complete());

    // Nothing to widen: the same engine; a snapshot scope that is no region is refused before any DDL.
    assert!(widened.covering(scopes).unwrap().is_none());
    assert!(deployed.covering([(HUB, "us-east-1'; DROP")]).is_err());
}
