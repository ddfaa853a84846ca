//! Must show 2: the Athena engine's SQL — exactly the text and parameters the
//! report function sends — run by a real SQL engine (DuckDB, over a view shaped
//! like the generated table) on the same files returns the same rows as the
//! local engine: same events, same malformed records.

use chrono::{DateTime, Duration, Utc};
use vpcwarden_athena::{extraction_query, lifecycle_query, rows_to_day_events, rows_to_events};
use vpcwarden_cloudtrail_gen::{Layout, Options};
use vpcwarden_e2e::eip::{duckdb, generated, scratch, trail_table};
use vpcwarden_trail::{scan, scan_days, Dir, ScanOptions};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn same_rows(opts: &Options, org: Option<&str>, windows: &[(DateTime<Utc>, DateTime<Utc>)]) {
    let sum = generated(opts);
    let root = opts.root.join(&sum.cloudtrail);
    let t = trail_table(org, &opts.accounts, &opts.regions);
    for (from, to) in windows {
        let local = scan(
            &Dir(root.clone()),
            &ScanOptions {
                from: *from,
                to: *to,
                threads: 2,
                max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
            },
            &(),
        )
        .unwrap();
        let q = lifecycle_query(&t, *from, *to).unwrap();
        let (header, rows) = duckdb(&root, &t.database, &t.table, &q).unwrap();
        let (events, malformed) = rows_to_events(&header, &rows).unwrap();
        assert!(!events.is_empty(), "the window {from}..{to} holds events");
        assert_eq!(events.len(), local.events.len(), "window {from}..{to}");
        assert_eq!(events, local.events, "window {from}..{to}");
        assert_eq!(malformed, local.malformed);

        // The query's own filters do work: without `errorcode IS NULL` failed calls come back.
        let loose = vpcwarden_athena::Query {
            sql: q.sql.replace("  AND errorcode IS NULL\n", ""),
            parameters: q.parameters.clone(),
        };
        let (_, loose_rows) = duckdb(&root, &t.database, &t.table, &loose).unwrap();
        assert!(
            loose_rows.len() > rows.len(),
            "failed calls are filtered in SQL"
        );
    }
}

#[test]
fn single_account_sql_returns_the_local_engines_rows() {
    let root = scratch("sql-single");
    let opts = Options {
        noise_per_file: 40,
        ..Options::small(&root, now())
    };
    // The full window, and one whose edges cut through stories' events (day and time bounds).
    same_rows(
        &opts,
        None,
        &[
            (now() - Duration::days(90), now()),
            (
                now() - Duration::days(29) - Duration::hours(5),
                now() - Duration::days(3) - Duration::hours(2),
            ),
        ],
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn organization_sql_returns_the_local_engines_rows() {
    let root = scratch("sql-org");
    let opts = Options {
        layout: Layout::Organization("o-a1b2c3d4e5".into()),
        regions: vec![
            "us-east-1".into(),
            "eu-central-1".into(),
            "ap-northeast-1".into(),
        ],
        seed: 3,
        ..Options::small(&root, now())
    };
    same_rows(
        &opts,
        Some("o-a1b2c3d4e5"),
        &[(now() - Duration::days(90), now())],
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// The event store's extraction query: whole day folders, grouped by the
/// folder's day, the same events and malformed records per day as the local
/// engine's per-day scan — and nothing of the days outside the range.
#[test]
fn extraction_sql_returns_each_day_folders_events() {
    let root = scratch("sql-extract");
    let opts = Options {
        layout: Layout::Organization("o-a1b2c3d4e5".into()),
        noise_per_file: 30,
        seed: 11,
        ..Options::small(&root, now())
    };
    let sum = generated(&opts);
    let tree = opts.root.join(&sum.cloudtrail);
    let t = trail_table(Some("o-a1b2c3d4e5"), &opts.accounts, &opts.regions);
    let (first, last) = (
        (now() - Duration::days(40)).date_naive(),
        (now() - Duration::days(20)).date_naive(),
    );
    let q = extraction_query(&t, first, last).unwrap();
    let (header, rows) = duckdb(&tree, &t.database, &t.table, &q).unwrap();
    let by_day = rows_to_day_events(&header, &rows).unwrap();
    let days = first.iter_days().take_while(|d| *d <= last).collect();
    let local = scan_days(
        &Dir(tree.clone()),
        &days,
        2,
        vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        &(),
    )
    .unwrap();
    assert!(
        by_day.keys().all(|d| days.contains(d)),
        "only the range's days"
    );
    let mut events = 0;
    for (day, scan) in &local.days {
        let (e, m) = by_day.get(day).cloned().unwrap_or_default();
        assert_eq!(e, scan.events, "{day}");
        assert_eq!(m, scan.malformed, "{day}");
        events += e.len();
    }
    assert!(events > 5, "the range holds events: {events}");
    std::fs::remove_dir_all(&root).unwrap();
}
