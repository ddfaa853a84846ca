//! `vpcwarden eip restore` against moto: a record that is not one, a record of
//! another account (refused before any change), and a real restore, twice.
//! The records are written by the project's own `Evidence` type.

use std::process::Command;

use chrono::{TimeZone, Utc};
use vpcwarden_e2e::{config_at, standin, unique};
use vpcwarden_eip_release::{Evidence, EVIDENCE_SCHEMA};

fn restore(record: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(["eip", "restore", record.to_str().unwrap()])
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

fn record(account: &str, ip: &str) -> std::path::PathBuf {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap();
    let ev = Evidence {
        schema: EVIDENCE_SCHEMA.into(),
        run_at: at,
        account: account.into(),
        region: "eu-central-2".into(),
        allocation_id: "eipalloc-0123456789abcdef0".into(),
        public_ip: ip.into(),
        tags: vec![
            ("Name".into(), "partner-vpn".into()),
            (
                "vpcwarden:release-after".into(),
                "2026-11-30T06:00:00Z".into(),
            ),
        ],
        idle_since: Some(at - chrono::Duration::days(40)),
        idle_since_basis: vpcwarden_eip::SinceBasis::Detachment,
        idle_days: Some(40.0),
        monthly_cost_usd: 3.65,
        marked_at: Some(at - chrono::Duration::days(8)),
        release_after: at - chrono::Duration::days(1),
        checks: vec![],
        outcome: None,
    };
    let path = std::env::temp_dir().join(format!("{}.json", unique("release-record")));
    std::fs::write(&path, serde_json::to_vec(&ev).unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_gives_the_address_back_once_and_refuses_what_is_not_its_to_ask() {
    let junk = std::env::temp_dir().join(format!("{}.json", unique("junk")));
    std::fs::write(&junk, r#"{"Records": []}"#).unwrap();
    let (code, _, err) = restore(&junk);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a vpcwarden release record"), "{err}");

    let (code, _, err) = restore(&record("999999999999", "127.77.0.9"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is account 999999999999's address; these credentials act in 123456789012"),
        "{err}"
    );

    let ec2 =
        aws_sdk_ec2::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), "eu-central-2").await);
    let ip = "127.77.0.10";
    let rec = record("123456789012", ip);
    let (code, out, err) = restore(&rec);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("AWS gave the address back"), "{out}");
    let got = ec2
        .describe_addresses()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("public-ip")
                .values(ip)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let a = &got.addresses()[0];
    let tags: Vec<(&str, &str)> = a
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(
        tags,
        vec![("Name", "partner-vpn")],
        "its tags, not the release mark"
    );
    let (code, out, _) = restore(&rec);
    assert_eq!(code, 0);
    assert!(out.contains("already this account's"), "{out}");
    assert_eq!(
        ec2.describe_addresses()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("public-ip")
                    .values(ip)
                    .build()
            )
            .send()
            .await
            .unwrap()
            .addresses()
            .len(),
        1,
        "not allocated twice"
    );
}
