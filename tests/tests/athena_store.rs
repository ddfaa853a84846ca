//! Issue 12, the Athena engine with the event store, through moto: the
//! statements a run sends touch only the day partitions the store lacks
//! (one query per run of missing days; no full-window query), and the
//! report from the store equals the local engine's full rescan. moto runs no
//! SQL: each query's rows are what DuckDB returns for that exact statement
//! over the same generated tree (athena_sql.rs checks that SQL), queued in order.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use serde_json::json;
use vpcwarden_athena::{extraction_query, RunOptions, SdkAthena};
use vpcwarden_cloudtrail_gen::Options;
use vpcwarden_e2e::eip::{
    bucket, bucket_name, duckdb, generated, moto_execution, moto_executions, moto_queue,
    moto_transition, scratch, trail_table, upload_dir,
};
use vpcwarden_e2e::{config_at, standin};
use vpcwarden_eip::{parse_snapshot, FileDefaults};
use vpcwarden_event_store::{DirStore, EventStore};
use vpcwarden_idle_report::{analyse_window, Engine, JobConfig};
use vpcwarden_trail::Dir;

/// A region of its own: moto's queued results are per account and region.
const REGION: &str = "ca-central-1";

fn day(d: DateTime<Utc>) -> NaiveDate {
    d.date_naive()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn athena_queries_only_the_days_the_store_lacks() {
    let moto = standin("VPCWARDEN_MOTO_URL");
    let client = aws_sdk_athena::Client::new(&config_at(&moto, REGION).await);
    let workgroup = vpcwarden_e2e::unique("store");
    client
        .create_work_group()
        .name(&workgroup)
        .send()
        .await
        .unwrap();
    moto_transition(&moto, json!({"progression": "immediate"})).await;

    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-20T05:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let root = scratch("athena-store");
    let opts = Options::small(root.join("gen"), now);
    let sum = generated(&opts);
    let tree = opts.root.join(&sum.cloudtrail);
    let read = |p| {
        parse_snapshot(
            &std::fs::read_to_string(opts.root.join(p)).unwrap(),
            &FileDefaults::default(),
        )
        .unwrap()
    };
    let (latest, earlier) = (read(&sum.snapshot), read(&sum.earlier_snapshot));
    let s3 = vpcwarden_e2e::moto_s3().await;
    let trail_bucket = bucket_name("athena-store-trail");
    bucket(&s3, &trail_bucket).await;
    upload_dir(&s3, &trail_bucket, "", &tree).await.unwrap();
    let table = vpcwarden_athena::TrailTable {
        bucket: trail_bucket.clone(),
        ..trail_table(None, &opts.accounts, &opts.regions)
    };
    let athena = Engine::Athena {
        port: Arc::new(SdkAthena::new(
            client.clone(),
            Some("s3://athena-results/".into()),
        )),
        table: Box::new(table.clone()),
        options: Box::new(RunOptions {
            first_poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(80),
            ..RunOptions::new(workgroup.clone(), "vpcwarden")
        }),
        trail: Box::new(vpcwarden_store::Bucket::new(s3.clone(), trail_bucket)),
    };
    let local = Engine::Local {
        source: Arc::new(Dir(tree.clone())),
        threads: 2,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        progress: None,
    };
    let dir = root.join("store");
    let store = EventStore::new(Arc::new(DirStore(dir.clone())), athena.source_id());
    let cfg = JobConfig::default();

    // One run at `at` whose store lacks `ranges`: the DDL answers (empty), then
    // each range's extraction rows as DuckDB computes them for that statement.
    let run = |at: DateTime<Utc>, ranges: Vec<(NaiveDate, NaiveDate)>| {
        let (athena, local, store, moto, client, workgroup, tree, table, cfg) = (
            &athena, &local, &store, &moto, &client, &workgroup, &tree, &table, &cfg,
        );
        let (latest, earlier) = (&latest, &earlier);
        async move {
            let seen = moto_executions(client, workgroup).await.len();
            for _ in 0..5 {
                moto_queue(moto, REGION, &[], &[]).await;
            }
            let mut expected = Vec::new();
            for (first, last) in &ranges {
                let q = extraction_query(table, *first, *last).unwrap();
                let (header, rows) = duckdb(tree, "vpcwarden", "cloudtrail_v1", &q).unwrap();
                moto_queue(moto, REGION, &header, &rows).await;
                expected.push((q.sql.clone(), q.athena_parameters()));
            }
            let got = analyse_window(athena, Some(store), latest, earlier, cfg, at)
                .await
                .unwrap();
            let full = analyse_window(local, None, latest, earlier, cfg, at)
                .await
                .unwrap();
            assert_eq!(got.rows, full.rows, "run at {at}: rows");
            assert_eq!(got.coverage, full.coverage, "run at {at}: coverage");
            assert_eq!(got.engine.events, full.engine.events, "run at {at}");

            let all = moto_executions(client, workgroup).await;
            let mut selects = Vec::new();
            for (id, query, _) in &all[seen..] {
                if query.starts_with("SELECT") {
                    let (_, _, params) = moto_execution(client, id).await;
                    selects.push((query.clone(), params));
                }
            }
            assert_eq!(
                selects, expected,
                "run at {at}: one extraction query per range of missing days, nothing else"
            );
            assert_eq!(
                all.len() - seen,
                5 + ranges.len(),
                "the DDL, then the queries"
            );
            got
        }
    };

    // 1. Empty store: the window's 93 day folders in one query.
    let first = run(
        now,
        vec![(day(now - Days::days(91)), day(now + Days::days(1)))],
    )
    .await;
    assert_eq!(first.engine.store.as_ref().unwrap().days_extracted, 93);

    // 2. The next day: the last two days, today and tomorrow's folder only.
    let next = now + Days::days(1);
    run(
        next,
        vec![(day(next - Days::days(2)), day(next + Days::days(1)))],
    )
    .await;

    // 3. A day lost from the store (deleted by hand): read again, in a query of its own.
    let lost = day(now - Days::days(30));
    std::fs::remove_file(dir.join(store.day_key(lost))).unwrap();
    run(
        next,
        vec![
            (lost, lost),
            (day(next - Days::days(2)), day(next + Days::days(1))),
        ],
    )
    .await;
    std::fs::remove_dir_all(&root).unwrap();
}
