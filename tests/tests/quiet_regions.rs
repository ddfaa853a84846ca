//! Issue 24: covered but quiet is not a gap. A region with a digest file for
//! every hour and log files on only three of ten days is covered — quiet days
//! rest on the digests — and its idle address is flagged; the same trail
//! without digests has gaps, as before; a digest naming a log file that is
//! not there leaves its day a gap. The local engine (whole window and day by
//! day, as the event store reads) and the Athena engine's coverage (S3
//! listing and digests, on moto) agree. Trees from `quiet_trail` (digests
//! hand-written in AWS's documented shape).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vpcwarden_e2e::eip::{bucket_name, quiet_trail, scratch, upload_dir, QuietTrail};
use vpcwarden_e2e::moto_s3;
use vpcwarden_eip::{
    analyse, parse_snapshot, required_days, Coverage, CoverageReport, FileDefaults, Settings,
};
use vpcwarden_store::{day_coverage, Bucket, DayFolders};
use vpcwarden_trail::{scan, scan_days, Dir, ScanOptions, DEFAULT_MAX_FILE_BYTES};

const A: &str = "111122223333";
const R: &str = "me-south-1";

fn now() -> DateTime<Utc> {
    "2026-11-21T12:00:00Z".parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn window() -> Vec<NaiveDate> {
    required_days(now() - Duration::days(10), now())
}

fn tree(name: &str, digests: bool, missing: Option<NaiveDate>) -> std::path::PathBuf {
    let root = scratch(name);
    quiet_trail(
        &root,
        &QuietTrail {
            account: A,
            region: R,
            first: day("2026-11-10"),
            last: day("2026-11-20"),
            log_days: &[day("2026-11-11"), day("2026-11-15"), day("2026-11-20")],
            digests,
            missing_log_on: missing,
        },
    );
    root
}

fn local(root: &std::path::Path) -> Coverage {
    let opts = ScanOptions {
        from: now() - Duration::days(10),
        to: now(),
        threads: 2,
        max_file_bytes: DEFAULT_MAX_FILE_BYTES,
    };
    let s = scan(&Dir(root.to_path_buf()), &opts, &()).unwrap();
    assert!(s.unreadable.is_empty(), "{:?}", s.unreadable);
    assert_eq!(s.unplaced_files, 0, "digests are not log files");
    s.coverage
}

fn report(c: &Coverage) -> CoverageReport {
    CoverageReport::new(c, [(A, R)], &window())
}

async fn athena(root: &std::path::Path, name: &str) -> Coverage {
    let s3 = moto_s3().await;
    let b = bucket_name(name);
    vpcwarden_e2e::eip::bucket(&s3, &b).await;
    upload_dir(&s3, &b, "", root).await.unwrap();
    let w = window();
    day_coverage(
        &Bucket::new(s3, b),
        &DayFolders {
            prefix: "",
            organization: None,
            accounts: &[A.to_string()],
            regions: &[R.to_string()],
            first: w[0],
            last: *w.last().unwrap(),
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_region_with_digests_is_covered_and_its_idle_address_flagged() {
    let root = tree("quiet-digests", true, None);
    let c = local(&root);
    let r = report(&c);
    assert!(r.complete, "{r:#?}");
    let scope = r.scope(A, R).unwrap();
    assert_eq!((scope.days_covered, scope.days_quiet), (10, 7));
    assert_eq!(scope.evidence, "log_files_and_digests");

    // The idle address there is flagged, not unknown.
    let line = format!(
        r#"{{"allocation_id": "eipalloc-0aaaaaaaaaaaaaaa1", "public_ip": "203.0.113.44", "region": "{R}", "account": "{A}", "association_id": null, "instance_id": null, "network_interface_id": null, "network_interface_owner_id": null, "public_ipv4_pool": "amazon", "tags": []}}"#
    );
    let snap = parse_snapshot(&line, &FileDefaults::default()).unwrap();
    let settings = Settings {
        window_start: now() - Duration::days(10),
        ..Settings::new(now())
    };
    let rows = analyse(&snap, &[], &[], &r, &settings);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].flagged),
        ("idle", true),
        "{:?}",
        rows[0]
    );

    // Day by day, as the event store reads: the same quiet days.
    let days: BTreeSet<NaiveDate> = window().into_iter().collect();
    let by_day = scan_days(&Dir(root.clone()), &days, 2, DEFAULT_MAX_FILE_BYTES, &()).unwrap();
    let mut quiet: Vec<NaiveDate> = by_day
        .days
        .iter()
        .filter(|(_, s)| s.coverage.quiet_entries().count() > 0)
        .map(|(d, _)| *d)
        .collect();
    quiet.sort();
    assert_eq!(quiet.len(), 7, "{quiet:?}");
    assert!(by_day.unplaced.is_empty());

    // The Athena engine's coverage (S3 listing + digests) says the same.
    let a = athena(&root, "quiet-digests").await;
    assert_eq!(report(&a), r, "the engines agree");
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_digests_quiet_days_stay_gaps_and_a_missing_named_file_is_a_gap() {
    let bare = tree("quiet-bare", false, None);
    let r = report(&local(&bare));
    assert!(!r.complete);
    let scope = r.scope(A, R).unwrap();
    assert_eq!(
        (
            scope.days_missing,
            scope.days_quiet,
            scope.evidence.as_str()
        ),
        (7, 0, "log_files")
    );
    assert_eq!(report(&athena(&bare, "quiet-bare").await), r);

    // A digest names a log file of 2026-11-13 that is not there: that day is a gap.
    let holed = tree("quiet-holed", true, Some(day("2026-11-13")));
    let r = report(&local(&holed));
    let scope = r.scope(A, R).unwrap();
    assert_eq!(scope.days_missing, 1, "{scope:?}");
    assert_eq!(scope.gaps[0].from, day("2026-11-13"));
    assert_eq!(
        report(&athena(&holed, "quiet-holed").await),
        r,
        "the engines agree"
    );
    for root in [bare, holed] {
        std::fs::remove_dir_all(&root).unwrap();
    }
}
