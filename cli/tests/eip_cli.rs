//! `vpcwarden eip report` over a CloudTrail tree and a snapshot written here
//! (records by hand in CloudTrail's record shape; snapshot lines in the
//! format eip-snapshot writes).

use std::process::Command;

use serde_json::{json, Value};

fn rec(id: &str, time: &str, name: &str, req: Value, resp: Value) -> Value {
    json!({"eventVersion": "1.09", "eventTime": time, "eventSource": "ec2.amazonaws.com", "eventName": name,
           "awsRegion": "us-east-1", "requestParameters": req, "responseElements": resp, "eventID": id,
           "recipientAccountId": "123456789012"})
}

fn snap(id: &str, ip: &str, assoc: Option<&str>) -> String {
    json!({"allocation_id": id, "public_ip": ip, "region": "us-east-1", "account": "123456789012",
           "association_id": assoc, "instance_id": assoc.map(|_| "i-1"), "network_interface_id": null,
           "network_interface_owner_id": null, "public_ipv4_pool": "amazon", "tags": []})
    .to_string()
}

#[test]
fn report_from_files_flags_the_idle_address() {
    let root = std::env::temp_dir().join(format!("vpcwarden-eip-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let day = root.join("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01");
    std::fs::create_dir_all(&day).unwrap();
    let records = json!({"Records": [
        rec("e1", "2026-11-01T00:00:00Z", "AssociateAddress", json!({"allocationId": "eipalloc-01", "instanceId": "i-1"}), json!({"associationId": "eipassoc-01"})),
        rec("e2", "2026-11-01T12:00:00Z", "DisassociateAddress", json!({"associationId": "eipassoc-01"}), Value::Null),
    ]});
    std::fs::write(day.join("f.json"), records.to_string()).unwrap();
    // Every other day of the 90-day window ending 2026-11-21 has a delivery
    // without lifecycle events: the trail covers the window.
    let mut d = chrono::NaiveDate::from_ymd_opt(2026, 8, 23).unwrap();
    while d <= chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() {
        let dir = root.join(format!(
            "AWSLogs/123456789012/CloudTrail/us-east-1/{}",
            d.format("%Y/%m/%d")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("quiet.json"), r#"{"Records":[]}"#).unwrap();
        d = d.succ_opt().unwrap();
    }
    let snapshot = root.join("snapshot.jsonl");
    std::fs::write(
        &snapshot,
        format!(
            "{}\n{}\n",
            snap("eipalloc-01", "203.0.113.1", None),
            snap("eipalloc-02", "203.0.113.2", Some("eipassoc-02"))
        ),
    )
    .unwrap();

    let report_cmd = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
            .args(["eip", "report", "--cloudtrail", root.to_str().unwrap()])
            .args(["--snapshot", snapshot.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = report_cmd(&["--now", "2026-11-21T12:00:00Z", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    vpcwarden_e2e::eip::assert_report_schema(&report);
    // The check can fail: a money figure that is not in cents, a field of another type.
    let mut wrong = report.clone();
    wrong["addresses"][0]["waste_in_window_usd"] = json!(146.0000000000001);
    wrong["addresses"][1]["idle_since"] = json!({"at": "2026-11-01T12:00:00Z"});
    assert!(std::panic::catch_unwind(|| vpcwarden_e2e::eip::assert_report_schema(&wrong)).is_err());
    assert_eq!(report["summary"]["idle"], 1);
    assert_eq!(report["summary"]["flagged"], 1);
    assert_eq!(report["engine"]["engine"], "local");
    assert_eq!(report["engine"]["lifecycle_events"], 2);
    let first = &report["addresses"][0];
    assert_eq!(first["allocation_id"], "eipalloc-01");
    assert_eq!(first["idle_since"], "2026-11-01T12:00:00Z");
    assert_eq!(first["idle_since_basis"], "detachment");
    assert_eq!(report["coverage"]["complete"], true);
    assert_eq!(first["idle_days"], 20.0);
    assert_eq!(first["attachment_count"], 1);
    assert_eq!(report["addresses"][1]["status"], "in_use");
    assert!(String::from_utf8_lossy(&out.stderr).contains("scanned 91 files"));

    // The same addresses as `aws ec2 describe-addresses` prints them (hand-written
    // in its documented shape): the same report once the account is given.
    // Beside the trail, not in it (the scan would read it as a CloudTrail file).
    let cli_json =
        std::env::temp_dir().join(format!("vpcwarden-eip-cli-{}.json", std::process::id()));
    std::fs::write(
        &cli_json,
        json!({"Addresses": [
            {"PublicIp": "203.0.113.1", "AllocationId": "eipalloc-01", "Domain": "vpc", "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1"},
            {"PublicIp": "203.0.113.2", "AllocationId": "eipalloc-02", "AssociationId": "eipassoc-02", "InstanceId": "i-1", "Domain": "vpc",
             "NetworkInterfaceId": "eni-1", "NetworkInterfaceOwnerId": "123456789012", "PrivateIpAddress": "10.0.0.5",
             "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1", "Tags": [{"Key": "Name", "Value": "web"}]}]})
        .to_string(),
    )
    .unwrap();
    let from_cli = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
            .args(["eip", "report", "--cloudtrail", root.to_str().unwrap()])
            .args(["--snapshot", cli_json.to_str().unwrap()])
            .args(["--now", "2026-11-21T12:00:00Z", "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = from_cli(&[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the file does not say the account"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --account"));
    let out = from_cli(&["--account", "123456789012"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let same: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(same["summary"], report["summary"]);
    assert_eq!(same["addresses"][0]["idle_since"], first["idle_since"]);
    std::fs::remove_file(&cli_json).unwrap();

    // The format follows the --output extension; --fail-on-flagged answers "no" with 1.
    let csv = root.join("idle.csv");
    let out = report_cmd(&[
        "--now",
        "2026-11-21T12:00:00Z",
        "--output",
        csv.to_str().unwrap(),
        "--fail-on-flagged",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("allocation_id,public_ip,"), "{text}");
    assert!(
        text.contains(",idle,,2026-11-01T12:00:00+00:00,detachment,20.00,1,"),
        "{text}"
    );
    // An .html output is the HTML report: one page, the same figures.
    let html = root.join("idle.html");
    let out = report_cmd(&[
        "--now",
        "2026-11-21T12:00:00Z",
        "--output",
        html.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(
        page.contains(r#"<dd data-path="/summary/idle">1</dd>"#),
        "{page}"
    );
    let out = report_cmd(&[
        "--now",
        "2026-11-21T12:00:00Z",
        "--output",
        root.join("idle.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));

    // A `now` past the trail's end: the missing days make the free address unknown, not idle.
    let out = report_cmd(&[
        "--now",
        "2026-11-30T12:00:00Z",
        "--format",
        "json",
        "--fail-on-gaps",
    ]);
    assert_eq!(out.status.code(), Some(1), "gaps answer no");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    vpcwarden_e2e::eip::assert_report_schema(&report);
    assert_eq!(report["coverage"]["complete"], false);
    assert_eq!(report["summary"]["flagged"], 0);
    assert_eq!(report["addresses"][0]["status"], "unknown");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("coverage gap: 123456789012/us-east-1: no CloudTrail files on 9 of 90 days"));

    // Numbers that would overflow dates are refused as usage errors, not panics.
    for (flag, v) in [
        ("--days", "99999999999"),
        ("--threshold-days", "999999999999"),
        ("--days", "0"),
    ] {
        let out = report_cmd(&[flag, v]);
        assert_eq!(out.status.code(), Some(2), "{flag} {v}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }

    // An unreadable file exits 3 after the report, and its day is a gap.
    std::fs::write(day.join("broken.json.gz"), b"not gzip").unwrap();
    let out = report_cmd(&["--now", "2026-11-21T12:00:00Z", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["coverage"]["scopes"][0]["gaps"],
        json!([{"from": "2026-11-01", "to": "2026-11-01"}])
    );
    assert_eq!(
        report["summary"]["flagged"], 0,
        "a day with a lost file is not known"
    );
    std::fs::remove_file(day.join("broken.json.gz")).unwrap();

    // A malformed snapshot line is an error naming the file and line.
    std::fs::write(&snapshot, "{\"allocation_id\": \"nope\"}\n").unwrap();
    let bad = report_cmd(&[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("snapshot.jsonl: line 1:"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    std::fs::remove_dir_all(&root).unwrap();
}
