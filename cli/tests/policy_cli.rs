//! `vpcwarden policy …` as a user runs it: output and exit codes.

use std::process::Command;

use serde_json::Value;

fn file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vpcwarden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}]}"#;

#[test]
fn validate_exits_non_zero_on_errors_and_reports_json() {
    let bad = file(
        "bad.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"sqs:*","Resource":"q"}]}"#,
    );
    let (code, out, _) = run(&[
        "policy",
        "validate",
        bad.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let findings: Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["issueCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "MISSING_PRINCIPAL",
            "INVALID_EFFECT",
            "INVALID_ARN_RESOURCE"
        ]
    );
    assert_eq!(findings[1]["path"], "$.Statement[0].Effect");

    let good = file("good.json", GOOD);
    let (code, out, _) = run(&["policy", "validate", good.to_str().unwrap()]);
    assert_eq!(code, 0, "only a suggestion: {out}");
    assert!(
        out.contains("SUGGESTION EMPTY_ARRAY_RESOURCE at $.Statement[0].Resource"),
        "{out}"
    );
}

#[test]
fn allow_resource_prints_outcome_diff_and_policy() {
    let p = file("allow.json", GOOD);
    let arn = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-x";
    let (code, out, _) = run(&[
        "policy",
        "allow-resource",
        p.to_str().unwrap(),
        arn,
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"]["outcome"], "appended");
    assert_eq!(v["changes"][0]["path"], "$.Statement[0].Resource");
    assert_eq!(v["policy"]["Statement"][0]["Resource"][0], arn);

    let (code, _, err) = run(&[
        "policy",
        "allow-resource",
        p.to_str().unwrap(),
        "not-an-arn",
    ]);
    assert_eq!(code, 2, "bad input");
    assert!(
        err.contains("not-an-arn") && err.contains("not an ARN"),
        "{err}"
    );
}

#[test]
fn diff_says_whether_two_policies_grant_the_same() {
    let a = file("a.json", GOOD);
    let b = file(
        "b.json",
        &GOOD.replace(r#""Action":"sqs:*""#, r#""Action":["SQS:*"]"#),
    );
    let c = file(
        "c.json",
        &GOOD.replace("[]", r#"["arn:aws:sqs:us-east-1:123456789012:q"]"#),
    );
    let (code, out, _) = run(&["policy", "diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("equivalent"));
    let (code, out, _) = run(&["policy", "diff", a.to_str().unwrap(), c.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains(r#"+ $.Statement[0].Resource: "arn:aws:sqs:us-east-1:123456789012:q""#),
        "{out}"
    );
}

#[test]
fn exit_codes_separate_no_from_bad_input_from_io_failure() {
    let deny = file(
        "deny-one.json",
        r#"{"Statement":[{"Sid":"Recv","Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q"},{"Sid":"NoSend","Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}]}"#,
    );
    let (code, out, err) = run(&[
        "policy",
        "allow-resource",
        deny.to_str().unwrap(),
        "arn:aws:sqs:us-east-1:123456789012:q",
    ]);
    assert_eq!(code, 2, "a Deny on one action refuses the edit: {out}");
    assert!(out.is_empty());
    assert!(
        err.contains("statement 1 (NoSend) denies sqs:SendMessage"),
        "{err}"
    );
    let missing = std::env::temp_dir().join("vpcwarden-no-such-policy.json");
    let (code, _, err) = run(&["policy", "validate", missing.to_str().unwrap()]);
    assert_eq!(code, 3, "an unreadable file is an I/O failure: {err}");
    let (code, _, _) = run(&["policy", "diff", "--bogus"]);
    assert_eq!(code, 2, "bad usage");
    let (code, out, _) = run(&["policy", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes: 0 success"), "{out}");
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    use std::io::Read;
    let p = file("pipe.json", GOOD);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args([
            "policy",
            "allow-resource",
            p.to_str().unwrap(),
            "arn:aws:sqs:us-east-1:123456789012:q",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the command writes.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn every_subcommand_help_has_an_example_and_the_exit_codes() {
    for cmd in [
        &["policy", "validate"][..],
        &["policy", "allow-resource"],
        &["policy", "diff"],
        &["endpoints", "apply"],
        &["eip", "report"],
        &["eip", "snapshot"],
        &["eip", "run"],
        &["eip", "restore"],
        &["athena", "template"],
        &["athena", "ddl"],
        &["athena", "sql"],
        &["gen-cloudtrail"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{cmd:?}: {err}");
        assert!(
            out.contains("Example") && out.contains("vpcwarden "),
            "{cmd:?} has no example:\n{out}"
        );
        assert!(out.contains("Exit codes:"), "{cmd:?}");
    }
}

#[test]
fn allow_resource_for_one_account_adds_that_accounts_statement_and_refuses_a_bad_account() {
    let p = file("account.json", GOOD);
    let q = "arn:aws:sqs:us-east-1:999988887777:airflow-celery-x";
    let (code, out, err) = run(&[
        "policy",
        "allow-resource",
        p.to_str().unwrap(),
        q,
        "--account",
        "111122223333",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let added = &v["policy"]["Statement"][1];
    assert_eq!(added["Sid"], "VpcwardenMwaaCeleryQueues111122223333");
    assert_eq!(
        added["Condition"]["StringEquals"]["aws:PrincipalAccount"],
        "111122223333"
    );
    assert_eq!(
        v["policy"]["Statement"][0]["Resource"],
        serde_json::json!([]),
        "the owner's list is left as it was"
    );

    let (code, _, err) = run(&[
        "policy",
        "allow-resource",
        p.to_str().unwrap(),
        q,
        "--account",
        "1111",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--account"), "{err}");
}
