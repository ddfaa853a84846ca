//! Issue 12's must-shows for the local engine: a report from the event store
//! equals a full rescan of the window (both layouts, day after day); a rerun
//! changes nothing; a late file for yesterday is picked up; a version bump
//! re-extracts; two overlapping runs leave one copy of each day (S3, moto).
//! Trails are the generator's (its own code); the report's inputs are its snapshots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use vpcwarden_cloudtrail_gen::{Layout, Options};
use vpcwarden_e2e::eip::{bucket, bucket_name, generated, scratch};
use vpcwarden_eip::{parse_snapshot, FileDefaults, SnapshotAddress};
use vpcwarden_event_store::{DirStore, EventStore, S3Store, StoreBackend};
use vpcwarden_idle_report::{analyse_window, Analysis, Engine, JobConfig};
use vpcwarden_trail::Dir;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T06:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Trail {
    root: PathBuf,
    tree: PathBuf,
    latest: Vec<SnapshotAddress>,
    earlier: Vec<SnapshotAddress>,
}

fn snapshot(path: &Path) -> Vec<SnapshotAddress> {
    parse_snapshot(
        &std::fs::read_to_string(path).unwrap(),
        &FileDefaults::default(),
    )
    .unwrap()
}

fn trail(name: &str, layout: Layout) -> Trail {
    let root = scratch(name);
    let opts = Options {
        layout,
        files_per_day: 2,
        ..Options::small(root.join("gen"), now())
    };
    let sum = generated(&opts);
    Trail {
        tree: opts.root.join(&sum.cloudtrail),
        latest: snapshot(&opts.root.join(&sum.snapshot)),
        earlier: snapshot(&opts.root.join(&sum.earlier_snapshot)),
        root,
    }
}

fn engine(tree: &Path) -> Engine {
    Engine::Local {
        source: Arc::new(Dir(tree.to_path_buf())),
        threads: 2,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        progress: None,
    }
}

fn store(backend: Arc<dyn StoreBackend>, engine: &Engine) -> EventStore {
    EventStore::new(backend, engine.source_id())
}

async fn report(t: &Trail, store: Option<&EventStore>, at: DateTime<Utc>) -> Analysis {
    analyse_window(
        &engine(&t.tree),
        store,
        &t.latest,
        &t.earlier,
        &JobConfig::default(),
        at,
    )
    .await
    .unwrap()
}

/// The report a user reads: rows, coverage, malformed records, event count.
fn assert_same_report(stored: &Analysis, full: &Analysis, what: &str) {
    assert_eq!(stored.rows, full.rows, "{what}: rows");
    assert_eq!(stored.coverage, full.coverage, "{what}: coverage");
    assert_eq!(stored.engine.malformed, full.engine.malformed, "{what}");
    assert_eq!(stored.engine.events, full.engine.events, "{what}: events");
    assert!(
        !full.engine.events.is_empty(),
        "{what}: the window has events"
    );
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

async fn daily_runs_equal_full_rescans(t: &Trail) {
    let dir = t.root.join("store");
    let e = engine(&t.tree);
    let s = store(Arc::new(DirStore(dir.clone())), &e);
    let mut first_bytes = 0;
    // A week of daily runs at different hours, the first one backfilling.
    for k in 0..7 {
        let at = now() - Duration::days(6 - k) + Duration::hours(k * 3 % 17);
        let stored = report(t, Some(&s), at).await;
        let full = report(t, None, at).await;
        assert_same_report(&stored, &full, &format!("run {k} at {at}"));
        let fig = stored.engine.store.clone().unwrap();
        assert_eq!(
            fig.days_in_window, 93,
            "90 days, a day of slack either side"
        );
        if k == 0 {
            assert_eq!(fig.days_extracted, 93, "the first run backfills");
            first_bytes = fig.raw_bytes_read;
            assert_eq!(Some(first_bytes), full.engine.input_bytes);
        } else {
            assert_eq!(
                fig.days_extracted, 4,
                "the day before yesterday, yesterday, today and tomorrow's folder"
            );
            assert!(
                fig.raw_bytes_read * 20 < first_bytes,
                "a daily run reads a few days: {} of {first_bytes} bytes",
                fig.raw_bytes_read
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_account_reports_from_the_store_equal_full_rescans() {
    let t = trail("store-single", Layout::SingleAccount);
    daily_runs_equal_full_rescans(&t).await;
    std::fs::remove_dir_all(&t.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_reports_from_the_store_equal_full_rescans() {
    let t = trail("store-org", Layout::Organization("o-a1b2c3d4e5".into()));
    daily_runs_equal_full_rescans(&t).await;
    std::fs::remove_dir_all(&t.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_changes_nothing_and_a_version_bump_re_extracts() {
    let t = trail("store-rerun", Layout::SingleAccount);
    let dir = t.root.join("store");
    let e = engine(&t.tree);
    let s = store(Arc::new(DirStore(dir.clone())), &e);
    let first = report(&t, Some(&s), now()).await;
    let before = files(&dir);
    assert_eq!(
        before.len(),
        93,
        "one object per day folder: {:?}",
        before.keys()
    );
    let again = report(&t, Some(&s), now()).await;
    assert_eq!(files(&dir), before, "same bytes, no extra object");
    assert_same_report(&again, &first, "rerun");
    assert_eq!(again.engine.store.as_ref().unwrap().days_extracted, 4);

    let mut bumped = s.clone();
    bumped.version += 1;
    let third = report(&t, Some(&bumped), now()).await;
    let fig = third.engine.store.clone().unwrap();
    assert_eq!(
        fig.days_extracted, 93,
        "a new version reads every day again"
    );
    let after = files(&dir);
    let old = format!("events/v{}/", s.version);
    let new = format!("events/v{}/", bumped.version);
    assert_eq!(
        after
            .iter()
            .filter(|(k, _)| k.starts_with(&old))
            .collect::<BTreeMap<_, _>>(),
        before.iter().collect::<BTreeMap<_, _>>(),
        "the old version's days are left as they were"
    );
    assert_eq!(after.keys().filter(|k| k.starts_with(&new)).count(), 93);
    assert_same_report(&third, &first, "after the bump");
    std::fs::remove_dir_all(&t.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_file_for_yesterday_is_picked_up() {
    let t = trail("store-late", Layout::SingleAccount);
    // A day with lifecycle events, and the file that holds one of them.
    let all = report(&t, None, now()).await;
    let late = all
        .engine
        .events
        .iter()
        .rev()
        .find(|ev| ev.time < now() - Duration::days(3))
        .expect("an event days before now")
        .clone();
    let holder = files(&t.tree)
        .into_iter()
        .find(|(_, bytes)| {
            let mut text = String::new();
            let r = std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&bytes[..]),
                &mut text,
            );
            let text = if r.is_ok() {
                text
            } else {
                String::from_utf8_lossy(bytes).into_owned()
            };
            text.contains(&late.event_id)
        })
        .map(|(p, _)| t.tree.join(p))
        .expect("the file holding the event");
    let folder_day = vpcwarden_trail::day_of_path(&holder).unwrap();
    let aside = t.root.join("late-file");
    std::fs::rename(&holder, &aside).unwrap();

    // The run the morning after that day: the file is not there yet.
    let dir = t.root.join("store");
    let s = store(Arc::new(DirStore(dir)), &engine(&t.tree));
    let morning = folder_day.and_hms_opt(6, 0, 0).unwrap().and_utc() + Duration::days(1);
    let first = report(&t, Some(&s), morning).await;
    assert!(!first
        .engine
        .events
        .iter()
        .any(|e| e.event_id == late.event_id));

    // It arrives; the next day's run reads that day again and has it.
    std::fs::rename(&aside, &holder).unwrap();
    let next = morning + Duration::days(1);
    let second = report(&t, Some(&s), next).await;
    assert!(
        second
            .engine
            .events
            .iter()
            .any(|e| e.event_id == late.event_id),
        "the late event of {folder_day} is in the next run's report"
    );
    assert_same_report(
        &second,
        &report(&t, None, next).await,
        "after the late file",
    );
    std::fs::remove_dir_all(&t.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_overlapping_runs_leave_one_copy_of_each_day() {
    let t = trail("store-overlap", Layout::SingleAccount);
    let s3 = vpcwarden_e2e::moto_s3().await;
    let name = bucket_name("event-store");
    bucket(&s3, &name).await;
    let uri = vpcwarden_store::S3Uri::parse(&format!("s3://{name}/vpcwarden/")).unwrap();
    let e = engine(&t.tree);
    let s = store(Arc::new(S3Store::new(s3.clone(), &uri)), &e);
    let (a, b) = tokio::join!(report(&t, Some(&s), now()), report(&t, Some(&s), now()));
    let keys: Vec<String> = vpcwarden_store::Bucket::new(s3.clone(), name.clone())
        .list("")
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let days: Vec<String> = vpcwarden_event_store::needed_days(now() - Duration::days(90), now())
        .into_iter()
        .map(|d| format!("vpcwarden/{}", s.day_key(d)))
        .collect();
    assert_eq!(keys, days, "exactly one object per day, nothing else");
    let full = report(&t, None, now()).await;
    assert_same_report(&a, &full, "first of two");
    assert_same_report(&b, &full, "second of two");
    // And a third run reads what they left.
    let c = report(&t, Some(&s), now()).await;
    assert_eq!(c.engine.store.as_ref().unwrap().days_extracted, 4);
    assert_same_report(&c, &full, "after both");
    std::fs::remove_dir_all(&t.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_keeps_its_day_open_and_files_outside_the_layout_stop_the_run() {
    let t = trail("store-damaged", Layout::SingleAccount);
    let dir = t.root.join("store");
    let e = engine(&t.tree);
    let s = store(Arc::new(DirStore(dir.clone())), &e);
    // A cut file in an old day folder: that day is a gap for its account and region.
    let old = now() - Duration::days(40);
    let folder = t.tree.join(format!(
        "AWSLogs/111122223333/CloudTrail/us-east-1/{}",
        old.format("%Y/%m/%d")
    ));
    let cut = folder.join("111122223333_CloudTrail_us-east-1_cut.json.gz");
    std::fs::write(&cut, b"\x1f\x8b\x08\x00 cut short").unwrap();
    let first = report(&t, Some(&s), now()).await;
    assert_same_report(&first, &report(&t, None, now()).await, "with the cut file");
    assert!(
        !first.coverage.complete,
        "the day with the cut file is a gap"
    );
    // Still unreadable the next run: that day is read again, and stays a gap.
    let again = report(&t, Some(&s), now()).await;
    assert_eq!(
        again.engine.store.as_ref().unwrap().days_extracted,
        5,
        "4 + the open day"
    );
    // Repaired: read once more, then settled.
    std::fs::remove_file(&cut).unwrap();
    let repaired = report(&t, Some(&s), now()).await;
    assert!(repaired.coverage.complete);
    assert_eq!(repaired.engine.store.as_ref().unwrap().days_extracted, 5);
    let settled = report(&t, Some(&s), now()).await;
    assert_eq!(settled.engine.store.as_ref().unwrap().days_extracted, 4);
    assert_same_report(&settled, &report(&t, None, now()).await, "repaired");

    // A file outside the day-folder layout: the store cannot place it; nothing is written.
    let flat = t.root.join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    std::fs::copy(
        files(&t.tree)
            .keys()
            .find(|p| p.to_string_lossy().ends_with(".json.gz"))
            .map(|p| t.tree.join(p))
            .unwrap(),
        flat.join("copied.json.gz"),
    )
    .unwrap();
    let other = t.root.join("other-store");
    let e = engine(&flat);
    let s = store(Arc::new(DirStore(other.clone())), &e);
    let err = analyse_window(
        &e,
        Some(&s),
        &t.latest,
        &t.earlier,
        &JobConfig::default(),
        now(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("1 file(s) outside it") && err.contains("copied.json.gz"),
        "{err}"
    );
    assert!(!other.exists(), "nothing written");
    std::fs::remove_dir_all(&t.root).unwrap();
}
