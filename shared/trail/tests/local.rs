//! The local engine over a CloudTrail tree written by the test (records by
//! hand in CloudTrail's record shape, gzip like CloudTrail delivers them).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use flate2::write::GzEncoder;
use serde_json::{json, Value};
use vpcwarden_eip::EventKind;
use vpcwarden_trail::{scan, Dir, Progress, ScanOptions};

fn rec(id: &str, time: &str, source: &str, name: &str, req: Value, resp: Value) -> Value {
    json!({"eventVersion": "1.09", "eventTime": time, "eventSource": source, "eventName": name,
           "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "requestParameters": req,
           "responseElements": resp, "eventID": id, "recipientAccountId": "123456789012"})
}

fn write(root: &Path, rel: &str, records: &[Value], gzip: bool) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let body = json!({ "Records": records }).to_string();
    if gzip {
        let mut enc = GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(body.as_bytes()).unwrap();
        enc.finish().unwrap();
    } else {
        std::fs::write(&path, body).unwrap();
    }
    path
}

fn tree(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("vpcwarden-trail-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

struct Count(std::sync::atomic::AtomicU64);
impl Progress for Count {
    fn file_done(&self, _bytes: u64) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn scans_both_layouts_in_the_window_and_reports_bad_files() {
    let root = tree("layouts");
    let noise: Vec<Value> = (0..50)
        .map(|i| {
            rec(
                &format!("n{i}"),
                "2026-11-10T00:00:00Z",
                "s3.amazonaws.com",
                "GetObject",
                json!({"bucketName": "b"}),
                Value::Null,
            )
        })
        .collect();
    let mut single = noise.clone();
    single.push(rec(
        "a1",
        "2026-11-10T08:00:00Z",
        "ec2.amazonaws.com",
        "AllocateAddress",
        json!({"domain": "vpc"}),
        json!({"allocationId": "eipalloc-01", "publicIp": "203.0.113.1"}),
    ));
    let mut failed = rec(
        "a2",
        "2026-11-10T09:00:00Z",
        "ec2.amazonaws.com",
        "AssociateAddress",
        json!({"allocationId": "eipalloc-01", "instanceId": "i-1"}),
        Value::Null,
    );
    failed["errorCode"] = json!("Client.InvalidInstanceID.NotFound");
    single.push(failed);
    write(&root, "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/10/123456789012_CloudTrail_us-east-1_20261110T0805Z_a.json.gz", &single, true);
    // Organization layout, plain JSON.
    write(
        &root,
        "AWSLogs/o-abc123/123456789012/CloudTrail/us-east-1/2026/11/12/f.json",
        &[rec(
            "a3",
            "2026-11-12T10:00:00Z",
            "ec2.amazonaws.com",
            "AssociateAddress",
            json!({"allocationId": "eipalloc-01", "networkInterfaceId": "eni-1"}),
            json!({"associationId": "eipassoc-01"}),
        )],
        false,
    );
    // Only other services: never parsed, only recognised as a log file.
    write(
        &root,
        "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/10/noise.json.gz",
        &noise,
        true,
    );
    // JSON, but not a CloudTrail log file: reported, not silently skipped.
    let stray = root.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/10/stray.json");
    std::fs::write(&stray, br#"{"hello": "world"}"#).unwrap();
    // Outside the window: its day folder is never opened (the file is not even valid gzip).
    let old = root.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/01/old.json.gz");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(&old, b"not gzip").unwrap();
    // In the window but broken: reported, the rest still read.
    let broken = root.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/11/broken.json.gz");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, b"not gzip").unwrap();

    let opts = ScanOptions {
        from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        threads: 2,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
    };
    let progress = Count(Default::default());
    let out = scan(&Dir(root.clone()), &opts, &progress).unwrap();
    assert_eq!(out.files, 4, "the broken file is not counted as read");
    assert_eq!(progress.0.into_inner(), 4);
    assert_eq!(out.skipped_files, 1, "the noise-only file is skipped whole");
    assert_eq!(out.records, 53, "records of the parsed files");
    assert_eq!(
        out.parsed, 3,
        "the 50 S3 records are rejected before parsing"
    );
    let ids: Vec<&str> = out.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["a1", "a3"], "failed call dropped, time order kept");
    assert!(matches!(out.events[1].kind, EventKind::Associate { .. }));
    assert_eq!(out.unreadable.len(), 2, "{:?}", out.unreadable);
    assert!(out.unreadable.iter().any(|u| u.contains("broken.json.gz")));
    assert!(out
        .unreadable
        .iter()
        .any(|u| u.contains("stray.json: not a CloudTrail log file")));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn events_outside_the_window_are_dropped_even_in_a_kept_folder() {
    let root = tree("window");
    write(
        &root,
        "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01/f.json.gz",
        &[
            rec(
                "early",
                "2026-10-31T23:59:59Z",
                "ec2.amazonaws.com",
                "ReleaseAddress",
                json!({"allocationId": "eipalloc-02"}),
                Value::Null,
            ),
            rec(
                "in",
                "2026-11-01T00:00:00Z",
                "ec2.amazonaws.com",
                "ReleaseAddress",
                json!({"allocationId": "eipalloc-03"}),
                Value::Null,
            ),
            rec(
                "bad",
                "2026-11-01T00:00:01Z",
                "ec2.amazonaws.com",
                "ReleaseAddress",
                json!({}),
                Value::Null,
            ),
        ],
        true,
    );
    let opts = ScanOptions {
        from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap(),
        threads: 0,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
    };
    let out = scan(&Dir(root.clone()), &opts, &()).unwrap();
    assert_eq!(
        out.events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        ["in"]
    );
    assert_eq!(out.malformed.len(), 1);
    assert!(out.malformed[0].contains("requestParameters.allocationId"));
    std::fs::remove_dir_all(&root).unwrap();
}

/// The same records with keys in CloudTrail's order (records found around the
/// event names) and sorted (the whole file split): the same events. And a file
/// of two gzip members (a concatenation), and a cut one.
#[test]
fn every_path_through_a_file_finds_the_same_events() {
    let root = tree("paths");
    let lifecycle = [
        rec(
            "a1",
            "2026-11-10T01:00:00Z",
            "ec2.amazonaws.com",
            "AllocateAddress",
            json!({"domain": "vpc"}),
            json!({"allocationId": "eipalloc-0a1", "publicIp": "203.0.113.1"}),
        ),
        rec(
            "a2",
            "2026-11-10T02:00:00Z",
            "ec2.amazonaws.com",
            "TerminateInstances",
            json!({"instancesSet": {"items": [{"instanceId": "i-0a"}]}}),
            json!({"note": "a } and a \" and {\"eventVersion\": in a string"}),
        ),
        rec(
            "a3",
            "2026-11-10T03:00:00Z",
            "ec2.amazonaws.com",
            "ReleaseAddress",
            json!({"allocationId": "eipalloc-0a1"}),
            json!({"_return": true}),
        ),
    ];
    let mut records: Vec<Value> = Vec::new();
    for (i, r) in lifecycle.iter().enumerate() {
        for n in 0..20 {
            records.push(rec(
                &format!("n{i}-{n}"),
                "2026-11-10T00:30:00Z",
                "s3.amazonaws.com",
                "GetObject",
                json!({"bucketName": "b", "key": "StopInstances is only a word here"}),
                Value::Null,
            ));
        }
        records.push(r.clone());
    }
    let sorted: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut keys: Vec<(&String, &Value)> = r.as_object().unwrap().iter().collect();
            keys.sort_by_key(|(k, _)| k.as_str());
            Value::Object(
                keys.into_iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        })
        .collect();
    assert!(!sorted[0].to_string().starts_with(r#"{"eventVersion""#));
    let day = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/10";
    let opts = ScanOptions {
        from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        threads: 1,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
    };
    let events_of = |dir: &str, recs: &[Value], gzip: bool| {
        let r = root.join(dir);
        write(
            &r,
            &format!("{day}/f.json{}", if gzip { ".gz" } else { "" }),
            recs,
            gzip,
        );
        let s = scan(&Dir(r), &opts, &()).unwrap();
        assert!(s.unreadable.is_empty() && s.malformed.is_empty(), "{s:?}");
        assert_eq!(s.records, 63);
        s.events
    };
    let fast = events_of("ordered", &records, true);
    assert_eq!(fast.len(), 3);
    assert!(matches!(fast[1].kind, EventKind::InstancesTerminate { .. }));
    assert_eq!(events_of("sorted", &sorted, true), fast);
    assert_eq!(events_of("plain", &records, false), fast);

    // Two gzip members in one file: both are read.
    let two = root.join("two");
    let path = two.join(format!("{day}/f.json.gz"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // A document split across two members (what `cat a.gz b.gz` of two halves gives) reads whole.
    let text = json!({ "Records": records }).to_string();
    let (a, b) = text.as_bytes().split_at(text.len() / 2);
    let mut bytes = Vec::new();
    for part in [a, b] {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(part).unwrap();
        bytes.extend(enc.finish().unwrap());
    }
    std::fs::write(&path, &bytes).unwrap();
    let s = scan(&Dir(two), &opts, &()).unwrap();
    assert!(s.unreadable.is_empty(), "{s:?}");
    assert_eq!(s.events, fast);

    // Cut short: unreadable, and its day is not counted as covered.
    let cut = root.join("cut");
    let path = cut.join(format!("{day}/f.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &text.as_bytes()[..text.len() - 300]).unwrap();
    let s = scan(&Dir(cut), &opts, &()).unwrap();
    assert_eq!(s.unreadable.len(), 1, "{s:?}");
    assert!(s.coverage.is_empty());
    std::fs::remove_dir_all(&root).unwrap();
}

/// Gzip of `body` with its trailer's length field (ISIZE) set to `claimed`.
fn gzip_claiming(body: &[u8], claimed: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body).unwrap();
    let mut gz = enc.finish().unwrap();
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&claimed.to_le_bytes());
    gz
}

/// Issue 22: what the scan inflates is bounded by a setting. A trailer that
/// claims 4 GiB, a bomb (16 MiB of spaces in ~16 KB), and a file whose trailer
/// lies small each fail on their own as unreadable — a gap for their day, as
/// any unreadable file is — while the other files are read.
#[test]
fn files_that_would_inflate_past_the_limit_are_refused_and_the_rest_read() {
    let root = tree("bombs");
    let day = |d: u32| format!("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/{d:02}");
    let good = rec(
        "ok1",
        "2026-11-12T00:00:00Z",
        "ec2.amazonaws.com",
        "AllocateAddress",
        json!({"domain": "vpc"}),
        json!({"allocationId": "eipalloc-0abc", "publicIp": "203.0.113.9"}),
    );
    write(&root, &format!("{}/good.json.gz", day(12)), &[good], true);
    let claims_huge = gzip_claiming(br#"{"Records":[]}"#, u32::MAX);
    let zeros = vec![b' '; 16 << 20];
    let bomb = gzip_claiming(&zeros, zeros.len() as u32);
    let lies_small = gzip_claiming(&zeros, 100);
    for (d, name, bytes) in [
        (13, "huge", &claims_huge),
        (14, "bomb", &bomb),
        (15, "liar", &lies_small),
    ] {
        let p = root.join(format!("{}/{name}.json.gz", day(d)));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    assert!(bomb.len() < 1 << 20, "a bomb: {} bytes stored", bomb.len());
    let opts = ScanOptions {
        from: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        threads: 2,
        max_file_bytes: 1 << 20,
    };
    let out = scan(&Dir(root.clone()), &opts, &()).unwrap();
    assert_eq!(out.events.len(), 1, "the good file is read");
    assert_eq!(out.unreadable.len(), 3, "{:?}", out.unreadable);
    for (name, why) in [
        ("huge", "its gzip trailer claims 4294967295 bytes inflated"),
        ("bomb", "its gzip trailer claims 16777216 bytes inflated"),
        ("liar", "it inflates to more"),
    ] {
        assert!(
            out.unreadable.iter().any(|u| u.contains(&format!(
                "{name}.json.gz: refused: {why}, over the limit of 1 MiB per file"
            ))),
            "{name}: {:?}",
            out.unreadable
        );
    }
    let mut days: Vec<u32> = out
        .damaged
        .iter()
        .map(|(_, _, d)| chrono::Datelike::day(d))
        .collect();
    days.sort();
    assert_eq!(days, [13, 14, 15], "each refused file is a gap for its day");
    assert!(
        out.inflated_bytes < 1 << 20,
        "nothing past the limit was kept: {}",
        out.inflated_bytes
    );

    // The default limit reads the 16 MiB file (it is no CloudTrail file, so it is unreadable as that, not refused).
    let out = scan(
        &Dir(root.clone()),
        &ScanOptions {
            max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
            ..opts
        },
        &(),
    )
    .unwrap();
    assert!(
        out.unreadable
            .iter()
            .any(|u| u.contains("bomb.json.gz: not a CloudTrail log file")),
        "{:?}",
        out.unreadable
    );
    std::fs::remove_dir_all(&root).unwrap();
}
