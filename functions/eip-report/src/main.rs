//! Lambda entrypoint (scheduled): the idle-EIP report — events from Athena
//! (or the local engine over an S3 prefix), joined with the latest snapshot,
//! written as JSON, CSV, Markdown and HTML under `reports/dt=…/`.

#![recursion_limit = "256"]

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::info;
use vpcwarden_aws_setup::{init_tracing, load, LogFormat};
use vpcwarden_eip_release::sdk::SdkAccounts;
use vpcwarden_idle_report::{
    build_engine, build_notifier, build_store, from_env, run as report, Deps, Engine, EnvConfig,
    EventStore, Outcome, SnsNotifier,
};
use vpcwarden_store::Bucket;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing(LogFormat::Json);
    let config = load().await;
    let env = from_env(&|k| std::env::var(k).ok())?;
    let bucket = Bucket::new(aws_sdk_s3::Client::new(&config), env.bucket.clone());
    let engine = build_engine(&env.engine, &config, 0)?;
    let store = env
        .store
        .as_ref()
        .map(|spec| build_store(spec, &engine, &config))
        .transpose()?;
    let notifier = build_notifier(env.job.sns_topic.as_deref(), &config);
    // Releases act in each address's own account: this one with the function's
    // credentials, the others through their release role (infra/member.yaml).
    // One STS call, only when releasing is on.
    let own_account = if env.job.release == vpcwarden_idle_report::ReleaseMode::Off {
        String::new()
    } else {
        vpcwarden_inventory::caller_account(&config).await?
    };
    let release = SdkAccounts::new(config.clone(), own_account, env.release_role_name.clone());
    run(service_fn(|_: LambdaEvent<Value>| {
        handler(
            &env,
            &bucket,
            &engine,
            store.as_ref(),
            notifier.as_ref(),
            &release,
        )
    }))
    .await
}

async fn handler(
    env: &EnvConfig,
    bucket: &Bucket,
    engine: &Engine,
    store: Option<&EventStore>,
    notifier: Option<&SnsNotifier>,
    release: &SdkAccounts,
) -> Result<Outcome, Error> {
    let deps = Deps {
        bucket,
        engine,
        store,
        notifier: notifier.map(|n| n as _),
        release: Some(release),
    };
    let out = report(&deps, &env.job, chrono::Utc::now()).await?;
    // Embedded metric format: CloudWatch reads metrics from this stdout line.
    println!("{}", out.metrics);
    info!(
        idle = out.summary.idle,
        flagged = out.summary.flagged,
        monthly_usd = out.summary.flagged_monthly_usd,
        reports = ?out.reports,
        "report written"
    );
    Ok(out)
}
