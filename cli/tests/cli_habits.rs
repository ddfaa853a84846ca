//! Issue 24's CLI habits: `--version` names the commit it was built from,
//! `completions` prints a script for the shell asked, and `--help` lists the
//! `VPCWARDEN_*` settings a command reads through clap's `env`.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn version_names_the_commit() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert!(!head.is_empty());
    assert_eq!(
        out.trim(),
        format!("vpcwarden {} ({head})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_cover_the_commands_and_refuse_an_unknown_shell() {
    let (code, out, _) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    for word in ["_vpcwarden", "endpoints", "restore", "snapshot"] {
        assert!(out.contains(word), "bash completions lack {word}");
    }
    let (code, out, _) = run(&["completions", "fish"]);
    assert_eq!(code, 0);
    assert!(out.contains("complete -c vpcwarden"));
    let (code, _, err) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn help_lists_the_settings_read_from_the_environment() {
    let (code, out, _) = run(&["eip", "snapshot", "--help"]);
    assert_eq!(code, 0);
    for var in [
        "VPCWARDEN_BUCKET",
        "VPCWARDEN_SNAPSHOT_REGIONS",
        "VPCWARDEN_SNAPSHOT_ACCOUNTS",
    ] {
        assert!(
            out.contains(&format!("[env: {var}")),
            "eip snapshot --help lacks {var}"
        );
    }
    let (_, out, _) = run(&["eip", "report", "--help"]);
    assert!(out.contains("[env: VPCWARDEN_MAX_FILE_MIB"), "{out}");
    // The scheduled job's ~30 settings, each a flag and its variable (the list is
    // checked against what the job reads in cli/src/run_settings.rs).
    let (_, out, _) = run(&["eip", "run", "--help"]);
    assert!(out.matches("[env: VPCWARDEN_").count() >= 29, "{out}");
    for var in [
        "VPCWARDEN_BUCKET",
        "VPCWARDEN_RELEASE_GRACE_DAYS",
        "VPCWARDEN_CLOUDTRAIL_URI",
    ] {
        assert!(
            out.contains(&format!("[env: {var}]")),
            "eip run --help lacks {var}"
        );
    }
}
