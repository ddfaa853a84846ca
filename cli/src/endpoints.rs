//! `vpcwarden endpoints apply` and `vpcwarden endpoints reconcile`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use clap::Subcommand;
use serde_json::Value;
use vpcwarden_aws_setup::{init_tracing, load, LogFormat};
use vpcwarden_endpoints::{
    handle, reconcile_regions, Ec2Endpoints, Envelope, MwaaApi, Regional, Settings,
};

use crate::exit::{self, bad_input};

#[derive(Subcommand)]
pub enum Cmd {
    /// Carry out one MWAA status-change event (the Lambda's job, once).
    ///
    /// Everything is read and checked before the first change: a bad event, a
    /// VPC without an SQS endpoint, or a policy that denies one Celery action
    /// fails with exit 2 and changes nothing.
    #[command(after_help = concat!(
        "Examples:\n  vpcwarden endpoints apply --event pending.json --dry-run\n  aws events ... | vpcwarden endpoints apply --event -\n\n",
        exit_help!()
    ))]
    Apply {
        /// EventBridge event JSON file (`-` for stdin).
        #[arg(long)]
        event: PathBuf,
        /// Print the plan and change nothing (also `DRY_RUN=true`).
        #[arg(long)]
        dry_run: bool,
        /// Logs as JSON lines on stderr.
        #[arg(long)]
        log_json: bool,
    },
    /// Converge every MWAA environment's endpoints and queue grant to what
    /// GetEnvironment says it needs (the scheduled reconciler's job, once).
    ///
    /// Lists the environments of the configured accounts (VPCWARDEN_MWAA_ACCOUNTS,
    /// default: this account; other accounts through VPCWARDEN_MWAA_ROLE_ARN),
    /// compares them with the endpoints and SQS endpoint grants this tool made,
    /// and heals each drift. Never touches endpoints or grants it did not make.
    #[command(after_help = concat!(
        "Examples:\n  vpcwarden endpoints reconcile --dry-run\n  vpcwarden endpoints reconcile --region eu-west-1 --region us-east-1 --fail-on-drift\n\n",
        exit_help!()
    ))]
    Reconcile {
        /// Report the drifts and change nothing (also `DRY_RUN=true`).
        #[arg(long)]
        dry_run: bool,
        /// Region to reconcile (repeatable; default VPCWARDEN_RECONCILE_REGIONS, else AWS_REGION).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Exit 1 when any drift was found (with --dry-run: "is everything in sync?").
        #[arg(long)]
        fail_on_drift: bool,
        /// Logs as JSON lines on stderr.
        #[arg(long)]
        log_json: bool,
    },
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Apply {
            event,
            dry_run,
            log_json,
        } => apply(event, dry_run, log_json),
        Cmd::Reconcile {
            dry_run,
            regions,
            fail_on_drift,
            log_json,
        } => reconcile(dry_run, regions, fail_on_drift, log_json),
    }
}

/// One thread: a one-shot process making a handful of HTTP calls gains
/// nothing from a worker pool but threads and memory.
fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn settings(dry_run: bool) -> Result<(aws_config::SdkConfig, Settings)> {
    let config = load().await;
    let region = config
        .region()
        .map(|r| r.to_string())
        .context("no AWS region: set AWS_REGION")?;
    let mut settings = Settings::new(region)
        .with_env(|k| std::env::var(k).ok())
        .map_err(bad_input)?;
    settings.dry_run |= dry_run;
    Ok((config, settings))
}

fn reconcile(
    dry_run: bool,
    regions: Vec<String>,
    fail_on_drift: bool,
    log_json: bool,
) -> Result<ExitCode> {
    init_tracing(if log_json {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    runtime()?.block_on(async {
        let (config, settings) = settings(dry_run).await?;
        let regions = if regions.is_empty() {
            Regional::regions_from_env(|k| std::env::var(k).ok(), &settings.region)
        } else {
            Regional::parse_regions(&regions.join(","), "--region")
        }
        .map_err(bad_input)?;
        let clients = Regional::build(&config, &regions, &settings);
        let reports = reconcile_regions(&clients, &settings).await;
        exit::outln(&serde_json::to_string_pretty(&reports)?);
        let code = if reports.iter().any(|r| !r.errors.is_empty()) {
            exit::FAILURE
        } else if fail_on_drift && reports.iter().any(|r| !r.drifts.is_empty()) {
            exit::NO
        } else {
            exit::OK
        };
        Ok(ExitCode::from(code))
    })
}

fn apply(event: PathBuf, dry_run: bool, log_json: bool) -> Result<ExitCode> {
    init_tracing(if log_json {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    let text = if event.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the event from stdin")?
    } else {
        std::fs::read_to_string(&event).with_context(|| format!("reading {}", event.display()))?
    };
    let ev: EventBridgeEvent<Value> = serde_json::from_str(&text).map_err(|e| {
        bad_input(format!(
            "{} is not an EventBridge event: {e}",
            event.display()
        ))
    })?;
    runtime()?.block_on(async {
        let (config, settings) = settings(dry_run).await?;
        let ec2 = Ec2Endpoints::new(aws_sdk_ec2::Client::new(&config));
        let mwaa = MwaaApi::new(&config, settings.mwaa_role_template.clone());
        let envelope = Envelope {
            id: ev.id.as_deref(),
            source: Some(&ev.source),
            detail_type: Some(&ev.detail_type),
            account: ev.account.as_deref(),
            region: ev.region.as_deref(),
            time: ev.time.map(|t| t.timestamp()),
            detail: &ev.detail,
        };
        let report = handle(&ec2, &mwaa, envelope, &settings).await?;
        exit::outln(&serde_json::to_string_pretty(&report)?);
        Ok(ExitCode::SUCCESS)
    })
}
