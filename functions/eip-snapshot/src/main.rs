//! Lambda entrypoint (scheduled): every Elastic IP in every enabled region →
//! `snapshots/dt=YYYY-MM-DD/HHMMSS.jsonl`, and every public IPv4 address of
//! those regions → `public-ipv4/dt=YYYY-MM-DD/HHMMSS.jsonl`, in the data bucket.

#![recursion_limit = "256"]

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::{info, warn};
use vpcwarden_aws_setup::{init_tracing, load, LogFormat};
use vpcwarden_idle_report::{snapshot, snapshot_from_env, SnapshotOutcome};
use vpcwarden_inventory::{caller_account, SdkAddresses};
use vpcwarden_store::Bucket;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing(LogFormat::Json);
    let config = load().await;
    let (bucket, regions) = snapshot_from_env(&|k| std::env::var(k).ok())?;
    let bucket = Bucket::new(aws_sdk_s3::Client::new(&config), bucket);
    let addresses = SdkAddresses::new(config.clone());
    let account = caller_account(&config).await?;
    run(service_fn(|_: LambdaEvent<Value>| {
        let only = (!regions.is_empty()).then_some(regions.as_slice());
        handler(&addresses, &bucket, &account, only)
    }))
    .await
}

async fn handler(
    addresses: &SdkAddresses,
    bucket: &Bucket,
    account: &str,
    only: Option<&[String]>,
) -> Result<SnapshotOutcome, Error> {
    let out = snapshot(
        addresses,
        Some(addresses),
        bucket,
        account,
        only,
        chrono::Utc::now(),
    )
    .await?;
    // Embedded metric format: CloudWatch reads metrics from this stdout line.
    println!("{}", out.metrics);
    for (region, reason) in &out.region_failures {
        warn!(region, reason, "region not recorded");
    }
    for (region, reason) in &out.public_ipv4_region_failures {
        warn!(
            region,
            reason, "public IPv4 addresses of the region not recorded"
        );
    }
    info!(key = %out.key, addresses = out.addresses, public_ipv4 = out.public_ipv4_addresses, regions = out.regions_read, "snapshot written");
    Ok(out)
}
