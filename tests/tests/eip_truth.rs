//! Must show 1: generated trails with known idle and in-use addresses (NAT
//! gateway, NLB, ENI, a disassociation known only by association id, failed
//! calls, events outside the window, BYOIP, the exclusion tag, releases) give
//! exactly the generator's ground truth — from a directory and from S3 (moto).

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use vpcwarden_cloudtrail_gen::{read_truth, Layout, Options, Truth, STORIES};
use vpcwarden_e2e::eip::{bucket, bucket_name, generated, mismatches, scratch, upload_dir};
use vpcwarden_eip::{
    analyse, required_days, AddressReport, CoverageReport, Settings, SnapshotAddress, Status,
};
use vpcwarden_store::{day_coverage, Bucket, DayFolders, S3Trail, S3Uri};
use vpcwarden_trail::{scan, Dir, Scan, ScanOptions, Source};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn snapshot(path: &Path) -> Vec<SnapshotAddress> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn settings(truth: &Truth) -> Settings {
    Settings {
        window_start: truth.now - Duration::days(truth.window_days),
        idle_threshold: Duration::days(truth.threshold_days),
        exclude_tag: truth.exclude_tag.clone(),
        ..Settings::new(truth.now)
    }
}

fn scan_with(source: &dyn Source, truth: &Truth) -> Scan {
    let s = settings(truth);
    scan(
        source,
        &ScanOptions {
            from: s.window_start,
            to: truth.now,
            threads: 2,
            max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        },
        &(),
    )
    .unwrap()
}

fn coverage_of(root: &Path, scan: &Scan, truth: &Truth) -> CoverageReport {
    let latest = snapshot(&root.join("snapshot-latest.jsonl"));
    CoverageReport::for_window(
        &scan.coverage,
        &latest,
        settings(truth).window_start,
        truth.now,
    )
}

fn report(root: &Path, scan: &Scan, truth: &Truth) -> Vec<AddressReport> {
    let latest = snapshot(&root.join("snapshot-latest.jsonl"));
    let earlier = snapshot(&root.join("snapshot-earlier.jsonl"));
    let coverage = coverage_of(root, scan, truth);
    assert!(coverage.complete, "{:?}", coverage.gap_lines());
    analyse(&latest, &earlier, &scan.events, &coverage, &settings(truth))
}

fn assert_truth(rows: &[AddressReport], truth: &Truth) {
    let m = mismatches(rows, truth);
    assert!(m.is_empty(), "{} mismatches:\n{}", m.len(), m.join("\n"));
}

#[test]
fn single_account_tree_from_a_directory_gives_the_truth() {
    let root = scratch("truth-single");
    let sum = generated(&Options::small(&root, now()));
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    let s = scan_with(&Dir(root.join(&sum.cloudtrail)), &truth);
    assert!(
        s.unreadable.is_empty() && s.malformed.is_empty(),
        "{:?} {:?}",
        s.unreadable,
        s.malformed
    );
    assert!(
        s.files > 300,
        "a plain .json file every seventh, gzip the rest: {} files",
        s.files
    );
    assert!(s.skipped_files > 0, "noise-only files are skipped whole");
    let rows = report(&root, &s, &truth);
    assert_truth(&rows, &truth);
    // Every story is represented, in each account and region.
    assert_eq!(
        truth.addresses.len() + truth.released.len(),
        STORIES.len() * 4
    );
    assert!(
        truth.addresses.iter().any(|e| e.flagged)
            && truth
                .addresses
                .iter()
                .any(|e| !e.flagged && e.status == "idle")
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn organization_tree_gives_the_truth() {
    let root = scratch("truth-org");
    let opts = Options {
        layout: Layout::Organization("o-a1b2c3d4e5".into()),
        accounts: vec![
            "111122223333".into(),
            "444455556666".into(),
            "777788889999".into(),
        ],
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        seed: 11,
        ..Options::small(&root, now())
    };
    let sum = generated(&opts);
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    assert!(root
        .join("cloudtrail/AWSLogs/o-a1b2c3d4e5/777788889999/CloudTrail/ap-southeast-2")
        .is_dir());
    let s = scan_with(&Dir(root.join(&sum.cloudtrail)), &truth);
    assert_truth(&report(&root, &s, &truth), &truth);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_longer_threshold_flags_exactly_what_the_truth_says() {
    // The same stories judged with a 30-day threshold: fewer flags.
    let root = scratch("truth-threshold");
    let opts = Options {
        threshold_days: 30,
        ..Options::small(&root, now())
    };
    let sum = generated(&opts);
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    let s = scan_with(&Dir(root.join(&sum.cloudtrail)), &truth);
    let rows = report(&root, &s, &truth);
    assert_truth(&rows, &truth);
    let seven = Options::small(scratch("truth-seven"), now());
    let seven_truth = read_truth(&seven.root.join(generated(&seven).truth)).unwrap();
    let flagged = |t: &Truth| t.addresses.iter().filter(|e| e.flagged).count();
    assert!(
        flagged(&truth) < flagged(&seven_truth),
        "{} vs {}",
        flagged(&truth),
        flagged(&seven_truth)
    );
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&seven.root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_prefix_gives_the_same_events_and_the_truth() {
    let root = scratch("truth-s3");
    let opts = Options {
        layout: Layout::Organization("o-z9y8x7w6v5".into()),
        ..Options::small(&root, now())
    };
    let sum = generated(&opts);
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    let s3 = vpcwarden_e2e::moto_s3().await;
    let name = bucket_name("trail");
    bucket(&s3, &name).await;
    let uploaded = upload_dir(&s3, &name, "org-trail/", &root.join(&sum.cloudtrail))
        .await
        .unwrap();
    // A stray object outside AWSLogs/ is not listed: the walk follows the trail's layout.
    s3.put_object()
        .bucket(&name)
        .key("org-trail/README.txt")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();

    let uri = S3Uri::parse(&format!("s3://{name}/org-trail")).unwrap();
    let trail = S3Trail::new(s3.clone(), &uri, tokio::runtime::Handle::current()).unwrap();
    let dir_truth = truth.clone();
    let dir = root.join(&sum.cloudtrail);
    let (from_s3, from_dir) = tokio::task::spawn_blocking(move || {
        (scan_with(&trail, &truth), scan_with(&Dir(dir), &dir_truth))
    })
    .await
    .unwrap();
    assert!(from_s3.unreadable.is_empty(), "{:?}", from_s3.unreadable);
    assert_eq!(from_s3.events, from_dir.events);
    assert_eq!(
        from_s3.files, from_dir.files,
        "the same day folders are kept ({uploaded} uploaded)"
    );
    assert!(
        from_s3.files < uploaded,
        "days before the window are not even listed"
    );
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    assert_truth(&report(&root, &from_s3, &truth), &truth);
    assert_eq!(from_s3.coverage, from_dir.coverage);
    // The Athena engine's coverage: day folders alone, no object read, the same days.
    let s = settings(&truth);
    // A mistyped organization id finds no folder: every day is a gap.
    let required = required_days(s.window_start, truth.now);
    for (organization, found) in [("o-z9y8x7w6v5", true), ("o-mistyped00", false)] {
        let folders = day_coverage(
            &Bucket::new(s3.clone(), name.clone()),
            &DayFolders {
                prefix: "org-trail/",
                organization: Some(organization),
                accounts: &opts.accounts,
                regions: &opts.regions,
                first: s.window_start.date_naive(),
                last: truth.now.date_naive(),
            },
        )
        .await
        .unwrap();
        assert_eq!(folders.is_empty(), !found);
        for a in &opts.accounts {
            for r in &opts.regions {
                let missing = folders.missing(a, r, &required).len();
                assert_eq!(missing == 0, found, "{organization} {a}/{r}: {missing}");
            }
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// The case: an empty folder (or a mistyped prefix) must not read as
/// "every address idle since before the window".
#[test]
fn an_empty_trail_flags_nothing_and_says_why() {
    let root = scratch("truth-empty");
    let sum = generated(&Options::small(&root, now()));
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    let empty = scratch("truth-empty-trail");
    let s = scan_with(&Dir(empty.clone()), &truth);
    let coverage = coverage_of(&root, &s, &truth);
    assert!(!coverage.complete);
    let latest = snapshot(&root.join("snapshot-latest.jsonl"));
    let rows = analyse(&latest, &[], &s.events, &coverage, &settings(&truth));
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.flagged), "nothing flagged");
    for r in &rows {
        match r.status {
            Status::InUse => assert!(r.note.is_none()),
            Status::Unknown => {
                assert!(r.idle_since.is_none() && r.waste_in_window_usd.is_none());
                assert!(
                    r.note.as_deref().unwrap().contains("no files"),
                    "{:?}",
                    r.note
                );
            }
            Status::Idle => panic!("{} idle without a trail", r.allocation_id),
        }
    }
    assert!(rows.iter().any(|r| r.status == Status::Unknown));
    assert!(!coverage.complete && !coverage.gap_lines().is_empty());
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

/// A trail without one account (and a `now` past the trail's end) leaves those
/// addresses unknown; the covered account's rows are still the truth.
#[test]
fn a_missing_account_or_a_now_past_the_trail_is_a_gap_not_idleness() {
    let root = scratch("truth-partial");
    let sum = generated(&Options::small(&root, now()));
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    let gone = "444455556666";
    let account_dir = root.join(&sum.cloudtrail).join("AWSLogs").join(gone);
    assert!(account_dir.is_dir());
    std::fs::remove_dir_all(&account_dir).unwrap();
    let s = scan_with(&Dir(root.join(&sum.cloudtrail)), &truth);
    let coverage = coverage_of(&root, &s, &truth);
    assert!(!coverage.complete);
    let latest = snapshot(&root.join("snapshot-latest.jsonl"));
    let earlier = snapshot(&root.join("snapshot-earlier.jsonl"));
    let rows = analyse(&latest, &earlier, &s.events, &coverage, &settings(&truth));
    for r in &rows {
        if r.account == gone {
            assert_ne!(r.status, Status::Idle, "{}", r.allocation_id);
            assert!(!r.flagged);
        }
    }
    let kept: Vec<AddressReport> = rows.iter().filter(|r| r.account != gone).cloned().collect();
    let kept_truth = Truth {
        addresses: truth
            .addresses
            .iter()
            .filter(|e| e.account != gone)
            .cloned()
            .collect(),
        released: vec![],
        ..truth.clone()
    };
    assert_truth(&kept, &kept_truth);

    // Ten days past the trail's end: every account misses days.
    let later = Truth {
        now: truth.now + Duration::days(10),
        ..truth.clone()
    };
    let s = scan_with(&Dir(root.join(&sum.cloudtrail)), &later);
    let coverage = coverage_of(&root, &s, &later);
    let lines = coverage.gap_lines();
    assert!(
        lines.iter().any(|l| l.contains("111122223333")),
        "{lines:?}"
    );
    let rows = analyse(&latest, &earlier, &s.events, &coverage, &settings(&later));
    assert!(rows.iter().all(|r| !r.flagged));
    std::fs::remove_dir_all(&root).unwrap();
}
