//! `vpcwarden gen-cloudtrail`: a realistic CloudTrail tree with its ground truth.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Args;
use vpcwarden_cloudtrail_gen::{generate, Layout, Options};

#[derive(Args)]
#[command(after_help = concat!(
    "Example:\n  vpcwarden gen-cloudtrail --out /tmp/trail --days 100 --organization-id o-a1b2c3d4e5\n\n",
    exit_help!()
))]
pub struct Gen {
    /// Output directory (cloudtrail/, snapshot-latest.jsonl, snapshot-earlier.jsonl, truth.json).
    #[arg(long)]
    out: PathBuf,
    /// Organization trail layout with this organization id (default: single-account layout).
    #[arg(long)]
    organization_id: Option<String>,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "111122223333,444455556666"
    )]
    accounts: Vec<String>,
    #[arg(long, value_delimiter = ',', default_value = "us-east-1,eu-west-1")]
    regions: Vec<String>,
    /// Days of trail ending at --now.
    #[arg(long, default_value_t = 100)]
    days: u32,
    /// Delivery files per account, region and day.
    #[arg(long, default_value_t = 4)]
    files_per_day: u32,
    /// Records from other services per file.
    #[arg(long, default_value_t = 50)]
    noise_per_file: u32,
    /// The trail's end and the truth's "now" (RFC 3339); default: now, whole seconds.
    #[arg(long)]
    now: Option<String>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Window and threshold the truth is computed for.
    #[arg(long, default_value_t = 90)]
    window_days: i64,
    #[arg(long, default_value_t = 7)]
    threshold_days: i64,
    #[arg(long, default_value = "vpcwarden:keep")]
    exclude_tag: String,
    /// Write every file gzip (by default every seventh is plain .json, as some copies of trails are).
    #[arg(long)]
    all_gzip: bool,
    /// Compression threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn run(g: Gen) -> Result<ExitCode> {
    let now: DateTime<Utc> = match &g.now {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .with_context(|| format!("--now {t:?} is not RFC 3339"))?
            .with_timezone(&Utc),
        None => DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now is representable"),
    };
    let opts = Options {
        root: g.out,
        layout: g
            .organization_id
            .map_or(Layout::SingleAccount, Layout::Organization),
        accounts: g.accounts,
        regions: g.regions,
        days: g.days,
        now,
        files_per_day: g.files_per_day,
        noise_per_file: g.noise_per_file,
        some_plain_json: !g.all_gzip,
        seed: g.seed,
        window_days: g.window_days,
        threshold_days: g.threshold_days,
        exclude_tag: g.exclude_tag,
        threads: g.threads,
    };
    let started = std::time::Instant::now();
    let summary = generate(&opts)?;
    eprintln!(
        "wrote {} files ({:.1} MB), {} records in {:.1} s",
        summary.files,
        summary.bytes as f64 / 1e6,
        summary.records,
        started.elapsed().as_secs_f64()
    );
    crate::exit::outln(&serde_json::to_string_pretty(&summary)?);
    Ok(ExitCode::SUCCESS)
}
