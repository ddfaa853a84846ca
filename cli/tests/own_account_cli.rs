//! Issue 24's own-account path, as a person runs it from a plain shell with the
//! README only, against moto: snapshot into a file (no bucket), report from the
//! trail's bucket given as `s3://bucket/`, `s3://bucket/AWSLogs/` and the
//! account below it — the same answer — and from the newest snapshot in a data
//! bucket; a trail of 20 days under the default 90-day window says so on the
//! report's first line under its title, and `--days 20` then answers; a location that names no
//! trail is refused before any call. The trail's files are written here in
//! CloudTrail's delivery layout (empty `Records`: quiet days, hand-written).

use std::process::Command;

use chrono::{Duration, Utc};
use serde_json::Value;
use vpcwarden_e2e::eip::{allocate_named, bucket, bucket_name};
use vpcwarden_e2e::{config_at, moto_s3, standin};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "ap-east-1";

fn vpcwarden(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(args)
        .env("AWS_ENDPOINT_URL", standin("VPCWARDEN_MOTO_URL"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn your_account_from_a_plain_shell_snapshot_to_a_file_then_report() {
    let ec2 = aws_sdk_ec2::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), REGION).await);
    let (idle, _) = allocate_named(&ec2, "forgotten").await;

    // 1. The snapshot, into a file: no bucket, no deployment.
    let dir = std::env::temp_dir().join(format!("vpcwarden-own-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("mine.jsonl");
    let (code, _, err) = vpcwarden(&[
        "eip",
        "snapshot",
        "--output",
        snap.to_str().unwrap(),
        "--regions",
        REGION,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("written to"), "{err}");
    let lines = std::fs::read_to_string(&snap).unwrap();
    assert!(lines.lines().any(|l| l.contains(&idle)), "{lines}");

    // 2. A trail of 20 days (CloudTrail's layout: AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/).
    let s3 = moto_s3().await;
    let trail = bucket_name("own-trail");
    bucket(&s3, &trail).await;
    let today = Utc::now().date_naive();
    for back in 1..=20 {
        let d = today - Duration::days(back);
        let key = format!(
            "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/{}/{ACCOUNT}_CloudTrail_{REGION}_{}T0000Z_quiet.json",
            d.format("%Y/%m/%d"),
            d.format("%Y%m%d")
        );
        s3.put_object()
            .bucket(&trail)
            .key(key)
            .body(r#"{"Records":[]}"#.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }

    // 3. The default 90-day window: the first line under the title says the trail is too young, and what works.
    let (code, md, err) = vpcwarden(&[
        "eip",
        "report",
        "--cloudtrail",
        &format!("s3://{trail}/"),
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // The title, then this: before the window, the settings and the answer.
    let report_lines: Vec<&str> = md.lines().collect();
    assert!(report_lines[0].starts_with("# Idle Elastic IPs — "), "{md}");
    let first = report_lines[2];
    assert!(
        first.contains("the 90-day window cannot be answered") && first.contains("`--days 20`"),
        "{first}"
    );

    // 4. Same answer from the bucket, from AWSLogs/ and from the account below it (one `now`).
    let now = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let json = |cloudtrail: &str, days: &str| {
        let (code, out, err) = vpcwarden(&[
            "eip",
            "report",
            "--cloudtrail",
            cloudtrail,
            "--snapshot",
            snap.to_str().unwrap(),
            "--days",
            days,
            "--format",
            "json",
            "--now",
            &now,
        ]);
        assert_eq!(code, 0, "{cloudtrail}: {err}");
        let mut doc: Value = serde_json::from_str(&out).unwrap();
        doc.as_object_mut().unwrap().remove("engine");
        doc
    };
    let a = json(&format!("s3://{trail}/"), "20");
    let b = json(&format!("s3://{trail}/AWSLogs/"), "20");
    let c = json(&format!("s3://{trail}/AWSLogs/{ACCOUNT}/"), "20");
    assert_eq!(
        a, b,
        "s3://bucket/ and s3://bucket/AWSLogs/ give the same answer"
    );
    assert_eq!(a, c);
    assert_eq!(a["coverage"]["complete"], true, "{}", a["coverage"]);
    let row = a["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["allocation_id"] == idle.as_str())
        .unwrap();
    assert_eq!(row["status"], "idle", "{row}");

    // 5. The newest snapshot in a data bucket, as eip-snapshot keeps it.
    let data = bucket_name("own-data");
    bucket(&s3, &data).await;
    let key = vpcwarden_store::snapshot_key(Utc::now());
    s3.put_object()
        .bucket(&data)
        .key(&key)
        .body(lines.into_bytes().into())
        .send()
        .await
        .unwrap();
    let (code, out, err) = vpcwarden(&[
        "eip",
        "report",
        "--cloudtrail",
        &format!("s3://{trail}/"),
        "--snapshot",
        &format!("s3://{data}/"),
        "--days",
        "20",
        "--format",
        "json",
        "--now",
        &now,
    ]);
    assert_eq!(code, 0, "{err}");
    let mut d: Value = serde_json::from_str(&out).unwrap();
    d.as_object_mut().unwrap().remove("engine");
    assert_eq!(d["addresses"], a["addresses"]);

    // 6. A location that names no trail: refused, naming the flag, before any call.
    let (code, _, err) = vpcwarden(&[
        "eip",
        "report",
        "--cloudtrail",
        &format!("s3://{trail}/AWSLogs/{ACCOUNT}/CloudTrail/"),
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--cloudtrail") && err.contains("the prefix before AWSLogs/"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
