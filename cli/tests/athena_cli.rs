//! `vpcwarden athena …` as a user runs it: the text the report function runs,
//! and values that must never reach SQL refused with the setting named.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(["athena"])
        .args(args)
        // The flags also read VPCWARDEN_* variables: keep the caller's out of it.
        .env_clear()
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const TABLE: &[&str] = &[
    "--cloudtrail-bucket",
    "org-trail-logs",
    "--accounts",
    "111122223333,444455556666",
    "--regions",
    "us-east-1,eu-west-1",
    "--data-bucket",
    "vpcwarden-data",
];

#[test]
fn ddl_fits_the_organization_layout() {
    let mut args = vec![
        "ddl",
        "--organization-id",
        "o-a1b2c3d4e5",
        "--prefix",
        "cloudtrail/",
    ];
    args.extend_from_slice(TABLE);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE EXTERNAL TABLE IF NOT EXISTS `vpcwarden`.`cloudtrail_v1`"));
    assert!(out.contains(
        "'storage.location.template'='s3://org-trail-logs/cloudtrail/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${day}'"
    ));
    assert!(out.contains("'projection.account.values'='111122223333,444455556666'"));
    assert!(out.contains("CREATE EXTERNAL TABLE IF NOT EXISTS `vpcwarden`.`eip_snapshots_v1`"));
}

#[test]
fn sql_keeps_the_window_in_execution_parameters() {
    let mut args = vec![
        "sql",
        "--from",
        "2026-08-22T12:00:00Z",
        "--to",
        "2026-11-20T12:00:00Z",
    ];
    args.extend_from_slice(TABLE);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("WHERE day BETWEEN ? AND ?"));
    assert!(out.contains("AND errorcode IS NULL"));
    let sql = out.split("-- execution parameters").next().unwrap();
    assert!(
        !sql.contains("2026-08-22") && !sql.contains("2026/08/21"),
        "no window value in the SQL text itself"
    );
    assert!(out.contains(
        "-- execution parameters: '2026/08/21', '2026/11/21', '2026-08-22T12:00:00Z', '2026-11-20T12:00:00Z'"
    ));
}

#[test]
fn values_that_could_change_the_sql_are_refused_naming_the_setting() {
    for (flag, value, field) in [
        ("--prefix", "x' OR '1'='1/", "prefix"),
        ("--database", "db`; DROP TABLE t; --", "database"),
        ("--organization-id", "o-abc'--", "organization"),
        ("--table", "Cloud Trail", "table"),
    ] {
        let mut args = vec!["ddl", flag, value];
        args.extend_from_slice(TABLE);
        let (code, out, err) = run(&args);
        assert_ne!(code, 0, "{flag} {value:?} was accepted");
        assert!(out.is_empty(), "nothing printed for {flag}: {out}");
        assert!(err.contains(field), "{flag}: {err}");
    }
    let (code, _, err) = run(&[
        "sql",
        "--from",
        "yesterday",
        "--to",
        "2026-11-20T12:00:00Z",
        "--cloudtrail-bucket",
        "b-b-b",
        "--accounts",
        "111122223333",
        "--regions",
        "us-east-1",
        "--data-bucket",
        "ddd",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("--from"), "{err}");
}
