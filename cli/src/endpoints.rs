//! `vpcwarden endpoints apply`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use clap::Subcommand;
use serde_json::Value;
use vpcwarden_aws_setup::{init_tracing, load, LogFormat};
use vpcwarden_endpoints::{handle, Ec2Endpoints, Envelope, Settings};

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
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    let Cmd::Apply {
        event,
        dry_run,
        log_json,
    } = cmd;
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
    // One thread: a one-shot process making a handful of HTTP calls gains
    // nothing from a worker pool but threads and memory.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .context("no AWS region: set AWS_REGION")?;
        let mut settings = Settings::new(region)
            .with_env(|k| std::env::var(k).ok())
            .map_err(bad_input)?;
        settings.dry_run |= dry_run;
        let ec2 = Ec2Endpoints::new(aws_sdk_ec2::Client::new(&config));
        let envelope = Envelope {
            id: ev.id.as_deref(),
            source: Some(&ev.source),
            detail_type: Some(&ev.detail_type),
            detail: &ev.detail,
        };
        let report = handle(&ec2, envelope, &settings).await?;
        exit::outln(&serde_json::to_string_pretty(&report)?);
        Ok(ExitCode::SUCCESS)
    })
}
