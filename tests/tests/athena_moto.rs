//! Must show 3: the Athena path against moto with queued results — the
//! lifecycle (QUEUED → RUNNING → SUCCEEDED, polled with backoff), pagination,
//! bytes scanned, FAILED, CANCELLED by someone else, and the deadline (which
//! stops the execution). moto runs no SQL: the rows it returns are the rows
//! DuckDB returned for the same query over a generated tree (see athena_sql.rs),
//! queued through moto's API. What moto cannot do (pages, FAILED, bytes
//! scanned) the fault proxy adds. One test: moto's state machine settings are
//! process-wide, so the scenarios run in order, in a region of their own.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Days, Utc};
use serde_json::json;
use vpcwarden_athena::{
    lifecycle_query, rows_to_events, run, AthenaError, AthenaPort, RunOptions, SdkAthena,
};
use vpcwarden_cloudtrail_gen::Options;
use vpcwarden_e2e::eip::{
    bucket, bucket_name, duckdb, generated, moto_execution, moto_executions, moto_queue,
    moto_transition, scratch, trail_table, upload_dir,
};
use vpcwarden_e2e::http::post;
use vpcwarden_e2e::{config_at, standin};
use vpcwarden_trail::{scan, Dir, ScanOptions};

const REGION: &str = "eu-north-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn athena_lifecycle_failures_and_deadline_against_moto() {
    let moto = standin("VPCWARDEN_MOTO_URL");
    let proxy = standin("VPCWARDEN_PROXY_URL");
    let client = aws_sdk_athena::Client::new(&config_at(&proxy, REGION).await);
    // A workgroup of this run's own: the CANCELLED step looks for this run's executions only.
    let workgroup = vpcwarden_e2e::unique("vpcwarden");
    client
        .create_work_group()
        .name(&workgroup)
        .send()
        .await
        .unwrap();
    let port: Arc<dyn AthenaPort> = Arc::new(SdkAthena::new(
        client.clone(),
        Some("s3://athena-results/".into()),
    ));
    let fast = RunOptions {
        first_poll: Duration::from_millis(20),
        max_poll: Duration::from_millis(80),
        deadline: Duration::from_secs(30),
        page_size: 10,
        ..RunOptions::new(workgroup.clone(), "vpcwarden")
    };

    // The rows: what a SQL engine returns for the lifecycle query over a generated tree.
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let root = scratch("athena-moto");
    let opts = Options::small(&root, now);
    let sum = generated(&opts);
    let tree = root.join(&sum.cloudtrail);
    let table = trail_table(None, &opts.accounts, &opts.regions);
    let (from, to) = (now - Days::days(90), now);
    let q = lifecycle_query(&table, from, to).unwrap();
    let (header, rows) = duckdb(&tree, "vpcwarden", "cloudtrail_v1", &q).unwrap();
    assert!(rows.len() > 25, "several pages of rows: {}", rows.len());

    // 1. Lifecycle: two polls per state change, so QUEUED and RUNNING are both seen.
    moto_transition(&moto, json!({"progression": "manual", "times": 2})).await;
    moto_queue(&moto, REGION, &header, &rows).await;
    post(
        &proxy,
        "/__athena",
        &json!({"fail": null, "scanned": 123_456_789}),
    )
    .await
    .unwrap();
    let out = run(port.as_ref(), &q, &fast).await.unwrap();
    assert!(
        out.polls >= 4,
        "QUEUED, RUNNING, RUNNING, SUCCEEDED (moto advances every second poll): {} polls",
        out.polls
    );
    assert_eq!(
        out.pages as usize,
        (rows.len() + 1).div_ceil(10),
        "every page read, header on the first"
    );
    assert_eq!(out.header, header);
    assert_eq!(out.rows, rows, "all rows, in order, header not repeated");
    assert_eq!(out.bytes_scanned, Some(123_456_789));
    assert_eq!(
        moto_execution(&client, &out.execution_id).await.0,
        q.sql,
        "the generated SQL is what ran"
    );
    let (events, _) = rows_to_events(&out.header, &out.rows).unwrap();
    let local = scan(
        &Dir(tree.clone()),
        &ScanOptions {
            from,
            to,
            threads: 2,
            max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        },
        &(),
    )
    .unwrap();
    assert_eq!(
        events, local.events,
        "through moto, the same events as the local engine"
    );

    // 1b. The report's Athena engine: the DDL (create, bring the projection in step,
    // snapshot table) then the query; DDL answers with empty result sets, as Athena's do.
    moto_transition(&moto, json!({"progression": "immediate"})).await;
    for _ in 0..5 {
        moto_queue(&moto, REGION, &[], &[]).await;
    }
    moto_queue(&moto, REGION, &header, &rows).await;
    // The trail in S3 (moto): the engine reads its day folders for coverage.
    let s3 = vpcwarden_e2e::moto_s3().await;
    let trail_bucket = bucket_name("athena-trail");
    bucket(&s3, &trail_bucket).await;
    upload_dir(&s3, &trail_bucket, "", &tree).await.unwrap();
    let engine = vpcwarden_idle_report::Engine::Athena {
        port: Arc::clone(&port),
        table: Box::new(vpcwarden_athena::TrailTable {
            bucket: trail_bucket.clone(),
            ..table.clone()
        }),
        options: Box::new(fast.clone()),
        trail: Box::new(vpcwarden_store::Bucket::new(s3.clone(), trail_bucket)),
    };
    let got = engine.events(from, to).await.unwrap();
    assert_eq!(
        got.events, local.events,
        "the engine path gives the local engine's events"
    );
    let required = vpcwarden_eip::required_days(from, to);
    for a in &opts.accounts {
        for r in &opts.regions {
            assert!(got.coverage.missing(a, r, &required).is_empty(), "{a}/{r}");
            assert_eq!(
                got.coverage.missing(a, r, &required),
                local.coverage.missing(a, r, &required),
                "the day folders say what the files say"
            );
        }
    }
    assert_eq!(got.bytes_scanned, Some(123_456_789));
    let statements: Vec<String> = moto_executions(&client, &workgroup)
        .await
        .into_iter()
        .map(|(_, query, _)| query)
        .collect();
    let first_words = |prefix: &str| statements.iter().filter(|q| q.starts_with(prefix)).count();
    assert_eq!(
        first_words("CREATE EXTERNAL TABLE IF NOT EXISTS `vpcwarden`.`cloudtrail_v1`"),
        1,
        "{statements:#?}"
    );
    assert_eq!(
        first_words("ALTER TABLE `vpcwarden`.`cloudtrail_v1` SET TBLPROPERTIES"),
        1
    );
    assert_eq!(
        first_words("ALTER TABLE `vpcwarden`.`cloudtrail_v1` SET LOCATION"),
        1
    );
    assert_eq!(
        first_words("CREATE EXTERNAL TABLE IF NOT EXISTS `vpcwarden`.`eip_snapshots_v1`"),
        1
    );
    assert_eq!(
        first_words("CREATE EXTERNAL TABLE IF NOT EXISTS `vpcwarden`.`eip_events_v1`"),
        1
    );
    assert_eq!(
        first_words("SELECT eventtime"),
        2,
        "the runner's query, then the engine's"
    );

    // 2. FAILED: the reason reaches the caller.
    post(
        &proxy,
        "/__athena",
        &json!({"fail": "HIVE_BAD_DATA: Error parsing field value", "scanned": 0}),
    )
    .await
    .unwrap();
    match run(port.as_ref(), &q, &fast).await {
        Err(AthenaError::Failed { reason, .. }) => {
            assert!(reason.contains("HIVE_BAD_DATA"), "{reason}")
        }
        other => panic!("expected FAILED, got {other:?}"),
    }
    post(&proxy, "/__athena", &json!({"fail": null}))
        .await
        .unwrap();

    // 3. CANCELLED by someone else while it is queued.
    moto_transition(&moto, json!({"progression": "manual", "times": 1_000_000})).await;
    let runner = {
        let (port, q, fast) = (Arc::clone(&port), q.clone(), fast.clone());
        tokio::spawn(async move { run(port.as_ref(), &q, &fast).await })
    };
    let id = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let queued = moto_executions(&client, &workgroup)
            .await
            .into_iter()
            .find(|(_, _, state)| state == "QUEUED");
        if let Some((id, _, _)) = queued {
            break id;
        }
    };
    client
        .stop_query_execution()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    match runner.await.unwrap() {
        Err(AthenaError::Cancelled { id: got, .. }) => assert_eq!(got, id),
        other => panic!("expected CANCELLED, got {other:?}"),
    }

    // 4. Deadline: still queued after it → the runner stops the execution itself.
    let short = RunOptions {
        deadline: Duration::from_millis(600),
        ..fast.clone()
    };
    match run(port.as_ref(), &q, &short).await {
        Err(AthenaError::Deadline { id, stopped, .. }) => {
            assert!(stopped, "StopQueryExecution was called");
            assert_eq!(
                moto_execution(&client, &id).await.1,
                "CANCELLED",
                "no execution is left running"
            );
        }
        other => panic!("expected the deadline, got {other:?}"),
    }

    moto_transition(&moto, json!({"progression": "immediate"})).await;
    std::fs::remove_dir_all(&root).unwrap();
}
