//! `vpcwarden eip report`: the idle-EIP report from CloudTrail files and snapshots.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use vpcwarden_eip::{analyse, render, Settings, SnapshotAddress};
use vpcwarden_trail::{scan, Progress, ScanOptions};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Csv,
    Json,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Reconstruct attachment history from CloudTrail (local engine) and report idle addresses.
    Report {
        /// Directory holding CloudTrail files (AWSLogs/… trees, .json.gz or .json).
        #[arg(long)]
        cloudtrail: PathBuf,
        /// Latest snapshot: JSON Lines, one address per line (as eip-snapshot writes).
        #[arg(long)]
        snapshot: PathBuf,
        /// Older snapshots: they map association ids of attachments made before the window.
        #[arg(long)]
        earlier: Vec<PathBuf>,
        /// Lookback window in days.
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Idle at least this many days → flagged.
        #[arg(long, default_value_t = 7)]
        threshold_days: i64,
        /// Tag key that excludes an address from flagging.
        #[arg(long, default_value = "vpcwarden:keep")]
        exclude_tag: String,
        /// The report's "now" (RFC 3339); default: the current time.
        #[arg(long)]
        now: Option<String>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Files read in parallel (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
}

/// A one-line progress display on stderr, only when stderr is a terminal.
struct Bar {
    files: AtomicU64,
    bytes: AtomicU64,
}

impl Progress for Bar {
    fn file_done(&self, bytes: u64) {
        let n = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let b = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if n.is_multiple_of(64) {
            eprint!("\rscanned {n} files, {:.1} MB", b as f64 / 1e6);
            let _ = std::io::stderr().flush();
        }
    }
}

fn read_snapshot(path: &Path) -> Result<Vec<SnapshotAddress>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("{}:{}: not a snapshot address", path.display(), i + 1))
        })
        .collect()
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    let Cmd::Report {
        cloudtrail,
        snapshot,
        earlier,
        days,
        threshold_days,
        exclude_tag,
        now,
        format,
        output,
        threads,
    } = cmd;
    if days <= 0 || threshold_days < 0 {
        bail!("--days must be positive and --threshold-days not negative");
    }
    let now: DateTime<Utc> = match now {
        Some(t) => DateTime::parse_from_rfc3339(&t)
            .with_context(|| format!("--now {t:?} is not RFC 3339"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let latest = read_snapshot(&snapshot)?;
    let mut older = Vec::new();
    for p in &earlier {
        older.extend(read_snapshot(p)?);
    }
    let settings = Settings {
        window_start: now - Duration::days(days),
        idle_threshold: Duration::days(threshold_days),
        exclude_tag,
        ..Settings::new(now)
    };
    let opts = ScanOptions {
        from: settings.window_start,
        to: now,
        threads,
    };
    let bar = Bar {
        files: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    };
    let started = std::time::Instant::now();
    let result = if std::io::stderr().is_terminal() {
        scan(&cloudtrail, &opts, &bar)
    } else {
        scan(&cloudtrail, &opts, &())
    }
    .with_context(|| format!("scanning {}", cloudtrail.display()))?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "\rscanned {} files ({:.1} MB) in {secs:.2} s: {} records, {} parsed, {} lifecycle events; {} malformed, {} unreadable",
        result.files,
        result.input_bytes as f64 / 1e6,
        result.records,
        result.parsed,
        result.events.len(),
        result.malformed.len(),
        result.unreadable.len()
    );
    for u in &result.unreadable {
        eprintln!("unreadable: {u}");
    }
    let rows = analyse(&latest, &older, &result.events, &settings);
    let text = match format {
        Format::Markdown => render::markdown(&rows),
        Format::Csv => render::csv(&rows),
        Format::Json => serde_json::to_string_pretty(&json!({
            "generated_at": now,
            "window_start": settings.window_start,
            "summary": render::summary(&rows),
            "scan": {
                "engine": "local",
                "files": result.files,
                "input_bytes": result.input_bytes,
                "records": result.records,
                "lifecycle_events": result.events.len(),
                "malformed": result.malformed,
                "unreadable": result.unreadable,
            },
            "addresses": rows,
        }))?,
    };
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
