//! Lambda entrypoint (scheduled): every Elastic IP in every enabled region →
//! `snapshots/dt=YYYY-MM-DD/HHMMSS.jsonl`, and every public IPv4 address of
//! those regions → `public-ipv4/dt=YYYY-MM-DD/HHMMSS.jsonl`, in the data bucket.

#![recursion_limit = "256"]

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::{info, warn};
use vpcwarden_aws_setup::{init_tracing, load, LogFormat};
use vpcwarden_idle_report::{
    snapshot, snapshot_accounts, snapshot_from_env, SnapshotOutcome, SnapshotSettings,
};
use vpcwarden_inventory::{caller_account, SdkAddresses};
use vpcwarden_store::Bucket;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing(LogFormat::Json);
    let config = load().await;
    let settings = snapshot_from_env(&|k| std::env::var(k).ok())?;
    let bucket = Bucket::new(aws_sdk_s3::Client::new(&config), settings.bucket.clone());
    let addresses = SdkAddresses::new(config.clone());
    let account = caller_account(&config).await?;
    run(service_fn(|_: LambdaEvent<Value>| {
        handler(&config, &settings, &addresses, &bucket, &account)
    }))
    .await
}

async fn handler(
    config: &aws_config::SdkConfig,
    settings: &SnapshotSettings,
    addresses: &SdkAddresses,
    bucket: &Bucket,
    account: &str,
) -> Result<SnapshotOutcome, Error> {
    let only = (!settings.regions.is_empty()).then_some(settings.regions.as_slice());
    let now = chrono::Utc::now();
    let out = match &settings.accounts {
        // Several accounts, each through the member role (infra/member.yaml).
        Some(spec) => snapshot_accounts(config, account, spec, bucket, only, now).await?,
        None => snapshot(addresses, Some(addresses), bucket, account, only, now).await?,
    };
    for f in out.scope_failures.iter().filter(|f| f.region.is_none()) {
        warn!(account = %f.account, reason = %f.reason, "account not recorded");
    }
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
