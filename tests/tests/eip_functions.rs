//! The two scheduled EIP functions, invoked through `cargo lambda watch`
//! against moto, configured as `scripts/with-standins.sh` starts them (local
//! engine over s3://vpcwarden-standin-trail/, data bucket
//! vpcwarden-standin-data, release dry-run, an SNS topic). The release
//! step itself: tests/tests/release_moto.rs.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use vpcwarden_cloudtrail_gen::{read_truth, Options};
use vpcwarden_e2e::eip::{
    allocate_named, bucket, generated, instance, mismatches, scratch, upload_dir, whole_seconds,
};
use vpcwarden_e2e::http::invoke;
use vpcwarden_e2e::{config_at, moto_s3, standin};
use vpcwarden_eip::AddressReport;
use vpcwarden_store::snapshot_key;

const DATA: &str = "vpcwarden-standin-data";
const TRAIL: &str = "vpcwarden-standin-trail";

async fn ec2(region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), region).await)
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_then_report_through_lambda() {
    let lambda = standin("VPCWARDEN_LAMBDA_URL");
    let s3 = moto_s3().await;
    bucket(&s3, DATA).await;
    bucket(&s3, TRAIL).await;

    // Addresses in two regions: one idle, one on an instance.
    let (east, west) = (ec2("us-east-1").await, ec2("eu-west-1").await);
    let idle = allocate_named(&east, "idle-e2e").await.0;
    let used = allocate_named(&west, "used-e2e").await.0;
    let i = instance(&west).await;
    west.associate_address()
        .allocation_id(&used)
        .instance_id(&i)
        .send()
        .await
        .unwrap();
    // An address on a stopped instance: attached, but billed as idle.
    let parked = allocate_named(&west, "parked-e2e").await.0;
    let j = instance(&west).await;
    west.associate_address()
        .allocation_id(&parked)
        .instance_id(&j)
        .send()
        .await
        .unwrap();
    west.stop_instances().instance_ids(&j).send().await.unwrap();

    let out = invoke(&lambda, "eip-snapshot", &json!({"source": "aws.scheduler"}))
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(out["region_failures"], json!([]), "{out}");
    assert!(out["regions_read"].as_u64().unwrap() >= 2);
    let key = out["key"].as_str().unwrap();
    assert!(
        key.starts_with("snapshots/dt=") && key.ends_with(".jsonl"),
        "{key}"
    );
    let snap = lines(&object(&s3, DATA, key).await);
    let find = |id: &str| {
        snap.iter()
            .find(|l| l["allocation_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in snapshot"))
    };
    let (a, b) = (find(&idle), find(&used));
    assert_eq!(
        (a["region"].as_str(), a["account"].as_str()),
        (Some("us-east-1"), Some("123456789012"))
    );
    assert!(a["association_id"].is_null() && a["instance_id"].is_null());
    assert_eq!(a["tags"], json!([["Name", "idle-e2e"]]));
    assert_eq!(
        (b["region"].as_str(), b["instance_id"].as_str()),
        (Some("eu-west-1"), Some(i.as_str()))
    );
    assert!(b["association_id"]
        .as_str()
        .unwrap()
        .starts_with("eipassoc-"));
    // DescribeInstances: the state of what holds each address, and since when.
    let c = find(&parked);
    assert_eq!(
        (b["instance_state"].as_str(), c["instance_state"].as_str()),
        (Some("running"), Some("stopped"))
    );
    let since: chrono::DateTime<Utc> =
        serde_json::from_value(c["instance_state_since"].clone()).unwrap();
    assert!((Utc::now() - since).num_minutes().abs() < 10, "{c}");

    // The report: a generated trail in the trail bucket and its snapshots as the newest ones.
    let now = whole_seconds(Utc::now());
    let root = scratch("fn-report");
    let sum = generated(&Options::small(&root, now));
    let truth = read_truth(&root.join(&sum.truth)).unwrap();
    upload_dir(&s3, TRAIL, "", &root.join(&sum.cloudtrail))
        .await
        .unwrap();
    for (file, at) in [
        (&sum.snapshot, now + Duration::seconds(2)),
        (&sum.earlier_snapshot, now - Duration::days(100)),
    ] {
        let body = std::fs::read(root.join(file)).unwrap();
        s3.put_object()
            .bucket(DATA)
            .key(snapshot_key(at))
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    let sns =
        aws_sdk_sns::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await);
    sns.create_topic()
        .name("vpcwarden-standin-reports")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let out = invoke(&lambda, "eip-report", &json!({"source": "aws.scheduler"}))
        .await
        .unwrap()
        .expect_ok();
    // One object per format, found by its format.
    let reports = out["reports"].as_object().unwrap();
    assert_eq!(
        reports.keys().map(String::as_str).collect::<Vec<_>>(),
        ["json", "csv", "markdown", "html"],
        "{out}"
    );
    for (format, ext) in [
        ("json", ".json"),
        ("csv", ".csv"),
        ("markdown", ".md"),
        ("html", ".html"),
    ] {
        assert!(
            reports[format]
                .as_str()
                .unwrap()
                .ends_with(&format!("-idle-eips{ext}")),
            "{out}"
        );
    }
    assert_eq!(out["engine"]["engine"], "local");
    assert_eq!(out["engine"]["unreadable"], json!([]));
    assert!(
        out["sns_message_id"].is_string(),
        "summary published: {out}"
    );
    let report: Value =
        serde_json::from_slice(&object(&s3, DATA, reports["json"].as_str().unwrap()).await)
            .unwrap();
    let rows: Vec<AddressReport> = serde_json::from_value(report["addresses"].clone()).unwrap();
    let m = mismatches(&rows, &truth);
    assert!(m.is_empty(), "{}", m.join("\n"));
    let idle_truth = truth
        .addresses
        .iter()
        .filter(|e| e.status == "idle")
        .count();
    assert_eq!(out["metrics"]["IdleAddresses"], json!(idle_truth));
    assert_eq!(
        out["metrics"]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "vpcwarden"
    );
    // Dry run: the generated addresses are not in moto, so nothing is released.
    for r in out["released"].as_array().unwrap() {
        assert_ne!(r["action"], "released", "{r}");
    }
    let md =
        String::from_utf8(object(&s3, DATA, reports["markdown"].as_str().unwrap()).await).unwrap();
    assert!(
        md.contains(&format!(
            "{idle_truth} of {} Elastic IPs idle",
            truth.addresses.len()
        )),
        "{md}"
    );
    assert_eq!(out["coverage"]["complete"], true);
    assert_eq!(out["metrics"]["CoverageGaps"], 0);

    // A newer snapshot adds an address in an account the trail does not hold:
    // it is unknown, not idle; the release step waits; CoverageGaps says why.
    let mut body = std::fs::read(root.join(&sum.snapshot)).unwrap();
    body.extend_from_slice(
        json!({"allocation_id": "eipalloc-0ffffffffffffffff", "public_ip": "203.0.113.99",
               "region": "us-east-1", "account": "999988887777", "association_id": null,
               "instance_id": null, "network_interface_id": null, "network_interface_owner_id": null,
               "public_ipv4_pool": "amazon", "tags": []})
        .to_string()
        .as_bytes(),
    );
    body.push(b'\n');
    s3.put_object()
        .bucket(DATA)
        .key(snapshot_key(Utc::now() + Duration::seconds(3)))
        .body(body.into())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let out = invoke(&lambda, "eip-report", &json!({"source": "aws.scheduler"}))
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(out["coverage"]["complete"], false, "{out}");
    assert_eq!(out["summary"]["unknown"], 1);
    assert_eq!(out["metrics"]["CoverageGaps"], 1);
    assert_eq!(out["released"], json!([]));
    assert!(
        out["release_skipped"]
            .as_str()
            .is_some_and(|s| s.contains("skipped")),
        "{out}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
