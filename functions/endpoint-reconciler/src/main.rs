//! Lambda entrypoint (scheduled, every 30 minutes by default): every MWAA
//! environment in the configured accounts and regions → its VPC converged →
//! the report, and EMF metrics (`Drifts`, `PendingTooLong`, `ReconcileErrors`,
//! `LedgerTagsUsed`).
//! Clients are built once per container.

#![recursion_limit = "256"]

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::{error, info};
use vpcwarden_aws_setup::{emf_document, init_tracing, load, LogFormat};
use vpcwarden_endpoints::{reconcile_regions, ReconcileReport, Regional, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing(LogFormat::Json);
    let config = load().await;
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or("AWS_REGION is not set")?;
    let settings = Settings::new(region).with_env(|k| std::env::var(k).ok())?;
    let regions = Regional::regions_from_env(|k| std::env::var(k).ok(), &settings.region)?;
    let clients = Regional::build(&config, &regions, &settings);
    run(service_fn(|_: LambdaEvent<Value>| {
        handler(&clients, &settings)
    }))
    .await
}

async fn handler(clients: &[Regional], settings: &Settings) -> Result<Vec<ReconcileReport>, Error> {
    let reports = reconcile_regions(clients, settings).await;
    let drifts: usize = reports.iter().map(|r| r.drifts.len()).sum();
    let pending: usize = reports.iter().map(|r| r.pending_too_long.len()).sum();
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    // The fullest SQS endpoint ledger: a claim past 50 tags fails.
    let ledger: usize = reports
        .iter()
        .flat_map(|r| r.ledgers.iter().map(|l| l.tags))
        .max()
        .unwrap_or(0);
    // Embedded metric format: CloudWatch reads metrics from this stdout line.
    println!(
        "{}",
        emf_document(
            "endpoint-reconciler",
            chrono::Utc::now(),
            &[
                ("Drifts", "Count", drifts.into()),
                ("PendingTooLong", "Count", pending.into()),
                ("ReconcileErrors", "Count", errors.into()),
                ("LedgerTagsUsed", "Count", ledger.into()),
            ],
        )
    );
    for r in &reports {
        let line = serde_json::to_string(r).unwrap_or_default();
        if r.errors.is_empty() {
            info!(region = %r.region, report = %line, "reconciled");
        } else {
            error!(region = %r.region, report = %line, "reconciled with errors");
        }
    }
    Ok(reports)
}
