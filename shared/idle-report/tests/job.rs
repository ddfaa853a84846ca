//! The report job's `run` over in-memory ports (tests/fakes): what it writes,
//! what it tells, what it holds back when the trail has gaps or the snapshot
//! is old, and what each port's failure leaves behind. The same run on moto
//! and cargo lambda is in tests/tests/{eip_functions,release_moto}.rs.

mod fakes;

use chrono::{DateTime, Duration, TimeZone, Utc};
use fakes::{FakeEngine, MemoryStore, Op, Recorder};
use serde_json::{json, Value};
use vpcwarden_eip::Coverage;
use vpcwarden_idle_report::{run, Deps, JobConfig, JobError, ReleaseMode};
use vpcwarden_report::Format;

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
}

/// A snapshot line as eip-snapshot writes it.
fn line(n: u32, ip: &str, on: Option<&str>, at: DateTime<Utc>) -> String {
    json!({
        "allocation_id": format!("eipalloc-0{n:016x}"),
        "public_ip": ip,
        "region": REGION,
        "account": ACCOUNT,
        "association_id": on.map(|_| format!("eipassoc-0{n:016x}")),
        "instance_id": on,
        "network_interface_id": on.map(|_| format!("eni-0{n:016x}")),
        "network_interface_owner_id": on.map(|_| ACCOUNT),
        "public_ipv4_pool": "amazon",
        "tags": [["Name", format!("address-{n}")], ["owner", "team-a"]],
        "snapshot_time": at,
    })
    .to_string()
}

/// Snapshots taken `age` before now and a day earlier: one idle address, one in use.
fn bucket(age: Duration) -> MemoryStore {
    let store = MemoryStore::default();
    for at in [now() - age, now() - age - Duration::days(1)] {
        let key = format!("snapshots/{}.jsonl", at.format("dt=%Y-%m-%d/%H%M%S"));
        let body = [
            line(1, "3.250.0.1", None, at),
            line(2, "3.250.0.2", Some("i-0000000000000002"), at),
        ]
        .join("\n");
        store.put_text(&key, &body);
    }
    store
}

/// The trail held every day of the window for the snapshot's scope.
fn covered() -> Coverage {
    let mut c = Coverage::default();
    c.add_days(
        ACCOUNT,
        REGION,
        (now() - Duration::days(95)).date_naive(),
        now().date_naive(),
    );
    c
}

fn deps<'a>(store: &'a MemoryStore, engine: &'a FakeEngine, notifier: &'a Recorder) -> Deps<'a> {
    Deps {
        bucket: store,
        engine,
        store: None,
        notifier: Some(notifier),
        release: None,
    }
}

#[tokio::test]
async fn a_run_writes_every_format_and_tells_the_notifier_where() {
    let store = bucket(Duration::hours(1));
    let engine = FakeEngine::new(Vec::new(), covered());
    let notifier = Recorder::default();
    let out = run(
        &deps(&store, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap();

    // One object per format, each found by its format, with its content type.
    for format in Format::ALL {
        let key = out.reports.key(format);
        assert!(
            key.starts_with("reports/dt=2026-12-01/060000-idle-eips.")
                && key.ends_with(format.extension()),
            "{key}"
        );
        assert_eq!(store.content_type(key), format.content_type());
    }
    assert_eq!(
        store.keys("reports/").len(),
        4,
        "nothing else written (no public-IPv4 snapshot)"
    );
    let doc: Value = serde_json::from_str(&store.text(out.reports.key(Format::Json))).unwrap();
    assert_eq!(doc["summary"]["idle"], 1);
    assert_eq!(doc["summary"]["flagged"], 1, "idle since before the window");
    assert_eq!(doc["addresses"][0]["tags"]["Name"], "address-1");
    assert_eq!(
        doc["history"].as_array().unwrap().len(),
        2,
        "a point per snapshot day"
    );
    let html = store.text(out.reports.key(Format::Html));
    assert!(html.starts_with("<!doctype html>") && html.contains("address-1"));

    // The summary: the headline first, then where the reports are.
    let sent = notifier.sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    let (subject, message) = &sent[0];
    assert_eq!(
        subject,
        "vpcwarden: 1 idle Elastic IPs, 1 flagged ($3.65/month)"
    );
    assert!(
        message.starts_with("1 of 2 Elastic IPs idle ($3.65/month); 1 flagged"),
        "{message}"
    );
    assert!(
        message.contains(&format!("s3://fake-data/{}", out.reports.key(Format::Html))),
        "{message}"
    );
    assert_eq!(out.sns_message_id.as_deref(), Some("fake-1"));
    assert_eq!(out.metrics["IdleAddresses"], 1);
    assert_eq!(*engine.calls.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_trail_gap_makes_free_addresses_unknown_and_holds_the_release_step() {
    let store = bucket(Duration::hours(1));
    let mut gap = Coverage::default();
    gap.add_days(
        ACCOUNT,
        REGION,
        (now() - Duration::days(95)).date_naive(),
        (now() - Duration::days(30)).date_naive(),
    );
    let engine = FakeEngine::new(Vec::new(), gap);
    let notifier = Recorder::default();
    let cfg = JobConfig {
        release: ReleaseMode::DryRun,
        ..JobConfig::default()
    };
    let out = run(&deps(&store, &engine, &notifier), &cfg, now())
        .await
        .unwrap();
    assert_eq!(
        (out.summary.idle, out.summary.unknown, out.summary.flagged),
        (0, 1, 0)
    );
    let why = out.release_skipped.as_deref().unwrap();
    assert!(
        why.contains("the trail misses days of 1 account/region(s)"),
        "{why}"
    );
    assert!(out.released.is_empty());
    assert!(
        out.markdown.contains("**Trail coverage has gaps**"),
        "{}",
        out.markdown
    );
    assert!(
        out.markdown.contains(&format!("**{why}.**")),
        "{}",
        out.markdown
    );
    assert_eq!(out.metrics["CoverageGaps"], 1);
    let message = &notifier.sent.lock().unwrap()[0].1;
    assert!(
        message.contains(why),
        "the summary says why nothing was released"
    );
}

#[tokio::test]
async fn releasing_waits_for_a_fresh_snapshot_and_is_silent_when_off() {
    let engine = FakeEngine::new(Vec::new(), covered());
    let notifier = Recorder::default();
    // Off: nothing said about releasing.
    let store = bucket(Duration::hours(1));
    let out = run(
        &deps(&store, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!((out.release_skipped, out.released.len()), (None, 0));
    assert!(!out.markdown.contains("## Release"));
    // On, with a snapshot older than twice its schedule: held back, and why.
    let store = bucket(Duration::hours(13));
    for mode in [ReleaseMode::DryRun, ReleaseMode::Release] {
        let cfg = JobConfig {
            release: mode,
            ..JobConfig::default()
        };
        let out = run(&deps(&store, &engine, &notifier), &cfg, now())
            .await
            .unwrap();
        let why = out.release_skipped.unwrap();
        assert!(
            why.contains("13 h old, older than twice its schedule (12 h)"),
            "{why}"
        );
        assert!(
            why.starts_with(&format!("release step ({})", mode.as_str())),
            "{why}"
        );
        assert_eq!(out.summary.flagged, 1, "the answer is still given");
    }
}

#[tokio::test]
async fn each_port_failing_stops_the_run_and_says_where() {
    // The bucket cannot be listed: nothing read, nothing written, nothing sent.
    let store = bucket(Duration::hours(1));
    store.fail(Op::List, "snapshots/");
    let engine = FakeEngine::new(Vec::new(), covered());
    let notifier = Recorder::default();
    let err = run(
        &deps(&store, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, JobError::Store(_)), "{err}");
    assert!(
        err.to_string()
            .contains("ListObjectsV2 s3://fake-data/snapshots/"),
        "{err}"
    );
    assert!(store.keys("reports/").is_empty() && notifier.sent.lock().unwrap().is_empty());
    assert_eq!(
        *engine.calls.lock().unwrap(),
        0,
        "no trail read for nothing"
    );

    // The engine fails: no report, no message.
    let store = bucket(Duration::hours(1));
    let mut engine = FakeEngine::new(Vec::new(), covered());
    engine.fail = Some("worker panicked".into());
    let err = run(
        &deps(&store, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("local scan stopped: worker panicked"),
        "{err}"
    );
    assert!(store.keys("reports/").is_empty() && notifier.sent.lock().unwrap().is_empty());

    // A report cannot be written: no message points at a report that is not there.
    let store = bucket(Duration::hours(1));
    store.fail(Op::Put, "reports/");
    let engine = FakeEngine::new(Vec::new(), covered());
    let err = run(
        &deps(&store, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("PutObject s3://fake-data/reports/dt=2026-12-01/060000-idle-eips.json"),
        "{err}"
    );
    assert!(notifier.sent.lock().unwrap().is_empty());

    // The notifier fails: the reports are written (the run is not lost), and the error names the topic.
    let store = bucket(Duration::hours(1));
    let failing = Recorder {
        fail: true,
        ..Recorder::default()
    };
    let err = run(
        &deps(&store, &engine, &failing),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("SNS Publish to arn:aws:sns:us-east-1:111122223333:fake"),
        "{err}"
    );
    assert_eq!(store.keys("reports/").len(), 4);
}

#[tokio::test]
async fn no_snapshot_or_a_bad_one_is_said_with_its_key() {
    let engine = FakeEngine::new(Vec::new(), covered());
    let notifier = Recorder::default();
    let empty = MemoryStore::default();
    let err = run(
        &deps(&empty, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no snapshot under s3://fake-data/snapshots/: run eip-snapshot first"
    );

    let bad = bucket(Duration::hours(1));
    bad.put_text(
        "snapshots/dt=2026-12-01/055900.jsonl",
        "{\"allocation_id\": 7}\n",
    );
    let err = run(
        &deps(&bad, &engine, &notifier),
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("snapshots/dt=2026-12-01/055900.jsonl: line 1"),
        "{err}"
    );
    assert!(bad.keys("reports/").is_empty());
}
