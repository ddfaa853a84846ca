//! `vpcwarden ipv4 report` from AWS CLI output: the hand-written
//! DescribeNetworkInterfaces fixture of shared/ipv4/tests (documented shape),
//! with describe-addresses and describe-subnets output written here by hand.

use std::process::Command;

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/ipv4/tests/fixtures/describe-network-interfaces.json")
}

#[test]
fn report_from_aws_cli_output_prices_every_address_and_names_bad_files() {
    let dir = std::env::temp_dir().join(format!("vpcwarden-ipv4-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let eips = dir.join("eips.json");
    std::fs::write(
        &eips,
        r#"{"Addresses": [
  {"AllocationId": "eipalloc-0a000000000000009", "PublicIp": "54.10.0.9", "Domain": "vpc", "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1"},
  {"AllocationId": "eipalloc-0a000000000000006", "PublicIp": "198.51.100.7", "Domain": "vpc", "PublicIpv4Pool": "ipv4pool-ec2-0123456789abcdef0",
   "NetworkBorderGroup": "us-east-1", "InstanceId": "i-0aaa00000000000a3", "AssociationId": "eipassoc-0a000000000000006", "NetworkInterfaceId": "eni-0a00000000000000a"}]}"#,
    )
    .unwrap();
    let subnets = dir.join("subnets.json");
    std::fs::write(
        &subnets,
        r#"{"Subnets": [{"SubnetId": "subnet-0aaa0000000000001", "MapPublicIpOnLaunch": true}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(["ipv4", "report", "--interfaces"])
        .arg(fixture())
        .arg("--addresses")
        .arg(&eips)
        .arg("--subnets")
        .arg(&subnets)
        .args([
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    // 10 addresses on interfaces (the Lambda interface has none) plus the idle Elastic IP.
    assert_eq!(csv.lines().count(), 1 + 11, "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("198.51.100.7,byoip,instance,i-0aaa00000000000a3,")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("54.10.0.9,elastic_ip,nothing,,111122223333,us-east-1,")),
        "{csv}"
    );

    // A file of the wrong shape: exit 2, the file and the expected shape named.
    let bad = Command::new(env!("CARGO_BIN_EXE_vpcwarden"))
        .args(["ipv4", "report", "--interfaces"])
        .arg(&subnets)
        .args(["--account", "111122223333", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("subnets.json") && err.contains("NetworkInterfaces"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
