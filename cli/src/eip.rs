//! `vpcwarden eip report`: the idle-EIP report from CloudTrail files and snapshots.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use vpcwarden_eip::{idle_history, parse_snapshot, taken_at, FileDefaults, SnapshotAddress};
use vpcwarden_idle_report::{analyse_window, Engine, EventStore, JobConfig};
pub use vpcwarden_report::Format;
use vpcwarden_report::Report;
use vpcwarden_trail::{Dir, Progress, Source};

use crate::exit::{self, bad_input};

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Cmd {
    /// Reconstruct attachment history from CloudTrail (local engine) and report idle addresses.
    ///
    /// An address whose account and region the trail misses days of is `unknown`
    /// and never flagged; the report states the trail's coverage and its gaps.
    #[command(after_help = concat!(
        "Examples:\n",
        "  vpcwarden eip report --cloudtrail ./trail --snapshot latest.jsonl --output idle.md\n",
        "  vpcwarden eip snapshot --output mine.jsonl && vpcwarden eip report --cloudtrail s3://my-trail/ --snapshot mine.jsonl\n",
        "  vpcwarden eip report --cloudtrail s3://my-trail/AWSLogs/ --snapshot s3://my-data-bucket/ --output idle.csv --fail-on-flagged\n",
        "  vpcwarden eip report --cloudtrail ./trail --store ./events --snapshot latest.jsonl   # later runs read only new days\n\n",
        exit_help!()
    ))]
    Report {
        /// CloudTrail files: a directory, or s3://bucket/[prefix/] — the trail's prefix (before
        /// AWSLogs/), or AWSLogs/, AWSLogs/<org-id>/, AWSLogs/<account>/ below it (.json.gz or .json).
        #[arg(long)]
        cloudtrail: String,
        /// Latest snapshot: a file, `-` (stdin), s3://bucket/key, or s3://data-bucket/ (the newest
        /// under its snapshots/). JSON Lines, one address per line (as eip-snapshot and
        /// `eip snapshot --output` write), or `aws ec2 describe-addresses` output
        /// ({"Addresses": [...]}, with --account).
        #[arg(long)]
        snapshot: String,
        /// Older snapshots (files or s3://bucket/key): they map association ids of attachments
        /// made before the window, and bound when an address was freed without a record of it.
        #[arg(long)]
        earlier: Vec<String>,
        /// Account of the addresses in a describe-addresses file (it does not say).
        #[arg(long)]
        account: Option<String>,
        /// Region of the addresses in a describe-addresses file (default: each address's
        /// NetworkBorderGroup, when that is a region).
        #[arg(long)]
        region: Option<String>,
        /// Lookback window in days (1 to 3650).
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=MAX_DAYS))]
        days: i64,
        /// Idle at least this many days → flagged (0 to 3650).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(i64).range(0..=MAX_DAYS))]
        threshold_days: i64,
        /// Tag key that excludes an address from flagging.
        #[arg(long, default_value = "vpcwarden:keep")]
        exclude_tag: String,
        /// The report's "now" (RFC 3339); default: the current time.
        #[arg(long)]
        now: Option<String>,
        /// Output format; default: from the --output extension (.md, .csv, .json, .html), else markdown.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// A CloudTrail file larger than this once inflated is refused (a coverage gap for its
        /// day), so a decompression bomb cannot take the memory.
        #[arg(long, env = "VPCWARDEN_MAX_FILE_MIB", default_value_t = vpcwarden_trail::DEFAULT_MAX_FILE_BYTES >> 20,
              value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
        max_file_mib: u64,
        /// Files read in parallel (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Exit 1 when any address is flagged (for CI and scripts).
        #[arg(long)]
        fail_on_flagged: bool,
        /// Exit 1 when the trail misses days of an account or region of the snapshot.
        #[arg(long)]
        fail_on_gaps: bool,
        /// Keep each day folder's lifecycle events here (a directory or s3://bucket/prefix)
        /// and read only the days it lacks: the second run over a year of files is fast.
        #[arg(long)]
        store: Option<String>,
        /// With --store: the days before --now read again every run (CloudTrail delivers late).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(i64).range(1..=MAX_DAYS))]
        refresh_days: i64,
    },
    /// Record every Elastic IP of every enabled region: into a local file (`--output`, no
    /// deployment needed) or into the data bucket (`--bucket`, what eip-snapshot does).
    #[command(after_help = concat!(
        "Examples:\n",
        "  vpcwarden eip snapshot --output mine.jsonl          # your account, every enabled region\n",
        "  VPCWARDEN_BUCKET=my-data-bucket vpcwarden eip snapshot --regions us-east-1,eu-west-1\n\n",
        exit_help!()
    ))]
    #[command(group(clap::ArgGroup::new("to").required(true).args(["bucket", "output"])))]
    Snapshot {
        /// Data bucket (writes snapshots/dt=…/HHMMSS.jsonl and the public-IPv4 snapshot there).
        #[arg(long, env = "VPCWARDEN_BUCKET")]
        bucket: Option<String>,
        /// Write the snapshot (JSON Lines, what `eip report --snapshot` reads) to this file, or `-` for stdout.
        #[arg(long)]
        output: Option<String>,
        /// Only these regions (comma-separated); default: every enabled region.
        #[arg(long, env = "VPCWARDEN_SNAPSHOT_REGIONS", value_delimiter = ',')]
        regions: Vec<String>,
        /// Several accounts (comma-separated), or `organization` (every active account,
        /// from organizations:ListAccounts), each read through --role-name there
        /// (infra/member.yaml); default: the account of the credentials.
        #[arg(long, env = "VPCWARDEN_SNAPSHOT_ACCOUNTS", value_parser = vpcwarden_inventory::AccountList::parse)]
        accounts: Option<vpcwarden_inventory::AccountList>,
        /// The member accounts' snapshot read role.
        #[arg(
            long,
            env = "VPCWARDEN_SNAPSHOT_ROLE_NAME",
            default_value = "vpcwarden-snapshot-read"
        )]
        role_name: String,
        /// Accounts read at once (each reads up to 8 regions at once).
        #[arg(long, env = "VPCWARDEN_SNAPSHOT_ACCOUNT_CONCURRENCY", default_value_t = vpcwarden_inventory::ACCOUNT_CONCURRENCY as u64,
              value_parser = clap::value_parser!(u64).range(1..=64))]
        account_concurrency: u64,
    },
    /// Run the scheduled report once, as eip-report does: each setting a flag or its VPCWARDEN_* variable.
    #[command(after_help = concat!(
        "Example:\n  VPCWARDEN_BUCKET=my-data-bucket VPCWARDEN_ENGINE=local VPCWARDEN_CLOUDTRAIL_URI=s3://my-trail/ vpcwarden eip run\n",
        "  vpcwarden eip run --bucket my-data-bucket --engine local --cloudtrail-uri s3://my-trail/ --release dry-run\n\n",
        exit_help!()
    ))]
    Run(Box<crate::run_settings::RunArgs>),
    /// Ask AWS for a released address back, from its release record (the
    /// evidence eip-report wrote before releasing it), and re-apply its tags.
    /// AWS gives it back only if no other account has been given it since and
    /// the account is within its Elastic IP quota: the answer says which.
    #[command(after_help = concat!(
        "Example:\n  vpcwarden eip restore s3://my-data-bucket/releases/dt=2026-12-04/060000-111122223333-eu-west-1-eipalloc-0abc.json\n\n",
        "Exit 1 when AWS did not give the address back.\n\n",
        exit_help!()
    ))]
    Restore {
        /// The release record: a file, or s3://bucket/key.
        record: String,
        /// Act through this role (in the record's account); default: the credentials' own account,
        /// which must be the record's.
        #[arg(long, env = "VPCWARDEN_RESTORE_ROLE_ARN")]
        role_arn: Option<String>,
    },
}

/// Longest window and threshold accepted (ten years): beyond it date
/// arithmetic would overflow, and no trail is kept that long.
const MAX_DAYS: i64 = 3650;

pub(crate) fn format_for(format: Option<Format>, output: Option<&Path>) -> Result<Format> {
    if let Some(f) = format {
        return Ok(f);
    }
    let Some(path) = output else {
        return Ok(Format::Markdown);
    };
    Format::from_path(path).ok_or_else(|| {
        bad_input(format!(
            "--output {}: cannot tell the format from the extension; use .md, .csv, .json or .html, or give --format",
            path.display()
        ))
    })
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

/// A snapshot's text from a file, stdin (`-`), an S3 object, or the newest
/// snapshot under an S3 data bucket (a location ending in `/`).
fn snapshot_text(location: &str, runtime: &tokio::runtime::Runtime) -> Result<(String, String)> {
    if location == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
        return Ok(("stdin".into(), text));
    }
    if !location.starts_with("s3://") {
        let text =
            std::fs::read_to_string(location).with_context(|| format!("reading {location}"))?;
        return Ok((location.to_string(), text));
    }
    let uri = vpcwarden_store::S3Uri::parse(location)
        .map_err(|e| bad_input(format!("--snapshot: {e}")))?;
    runtime.block_on(async {
        let config = vpcwarden_aws_setup::load().await;
        let bucket =
            vpcwarden_store::Bucket::new(aws_sdk_s3::Client::new(&config), uri.bucket.clone());
        let key = if location.ends_with('/') {
            // The data bucket (or a prefix of it): its newest snapshot.
            let prefix = if uri.prefix.ends_with(vpcwarden_store::SNAPSHOTS) {
                uri.prefix.clone()
            } else {
                format!("{}{}", uri.prefix, vpcwarden_store::SNAPSHOTS)
            };
            let keys: Vec<String> = bucket
                .list(&prefix)
                .await?
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            vpcwarden_store::pick_snapshots(&keys, chrono::NaiveDate::MIN, 0)
                .map(|(latest, _)| latest)
                .ok_or_else(|| {
                    bad_input(format!(
                        "--snapshot {location}: no snapshot under s3://{}/{prefix}",
                        uri.bucket
                    ))
                })?
        } else {
            uri.prefix.trim_end_matches('/').to_string()
        };
        let bytes = bucket.get(&key).await?;
        Ok((
            format!("s3://{}/{key}", uri.bucket),
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    })
}

fn read_snapshot(
    location: &str,
    defaults: &FileDefaults,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<SnapshotAddress>> {
    let (name, text) = snapshot_text(location, runtime)?;
    parse_snapshot(&text, defaults).map_err(|e| bad_input(format!("{name}: {e}")))
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Snapshot {
            bucket,
            output,
            regions,
            accounts,
            role_name,
            account_concurrency,
        } => {
            let spec = accounts.map(|accounts| vpcwarden_idle_report::AccountsSpec {
                accounts,
                role_name,
                concurrency: account_concurrency as usize,
            });
            return match (bucket, output) {
                (_, Some(output)) => snapshot_to_file(output, regions, spec),
                (Some(bucket), None) => snapshot(bucket, regions, spec),
                (None, None) => unreachable!("clap requires --bucket or --output"),
            };
        }
        Cmd::Run(args) => return scheduled_report(args),
        Cmd::Restore { record, role_arn } => {
            return multi_thread()?.block_on(crate::restore::run(record, role_arn))
        }
        Cmd::Report { .. } => {}
    }
    let Cmd::Report {
        cloudtrail,
        snapshot,
        earlier,
        account,
        region,
        days,
        threshold_days,
        exclude_tag,
        now,
        format,
        output,
        threads,
        max_file_mib,
        fail_on_flagged,
        fail_on_gaps,
        store,
        refresh_days,
    } = cmd
    else {
        unreachable!("other commands returned above")
    };
    let format = format_for(format, output.as_deref())?;
    let now: DateTime<Utc> = match now {
        Some(t) => DateTime::parse_from_rfc3339(&t)
            .map_err(|e| bad_input(format!("--now {t:?} is not RFC 3339: {e}")))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    now.checked_sub_signed(Duration::days(days))
        .ok_or_else(|| bad_input(format!("--now {now} minus --days {days} is out of range")))?;
    let defaults = FileDefaults { account, region };
    // S3 reads block on a runtime that this thread keeps driving while the scan's threads work.
    let runtime = multi_thread()?;
    let latest = read_snapshot(&snapshot, &defaults, &runtime)?;
    // Each file apart too: the report's day-by-day line is drawn per snapshot.
    let mut files = Vec::new();
    for p in &earlier {
        files.push(read_snapshot(p, &defaults, &runtime)?);
    }
    let older: Vec<SnapshotAddress> = files.iter().flatten().cloned().collect();
    let cfg = JobConfig {
        window_days: days,
        threshold_days,
        exclude_tag,
        ..JobConfig::default()
    };
    let started = std::time::Instant::now();
    let source: Arc<dyn Source + Send> = if cloudtrail.starts_with("s3://") {
        let uri = vpcwarden_store::S3Uri::parse(&cloudtrail)
            .map_err(|e| bad_input(format!("--cloudtrail: {e}")))?;
        // Checked before any call: a location that names no trail is bad input.
        vpcwarden_store::split_trail_prefix(&uri)
            .map_err(|e| bad_input(format!("--cloudtrail: {e}")))?;
        let config = runtime.block_on(vpcwarden_aws_setup::load());
        Arc::new(vpcwarden_store::S3Trail::new(
            aws_sdk_s3::Client::new(&config),
            &uri,
            runtime.handle().clone(),
        )?)
    } else {
        // Absolute, so the store knows the same trail from any working directory.
        let path = PathBuf::from(&cloudtrail);
        Arc::new(Dir(std::fs::canonicalize(&path).unwrap_or(path)))
    };
    let progress: Option<Arc<dyn Progress + Send>> = std::io::stderr().is_terminal().then(|| {
        Arc::new(Bar {
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }) as Arc<dyn Progress + Send>
    });
    let engine = Engine::Local {
        source,
        threads,
        max_file_bytes: max_file_mib << 20,
        progress,
    };
    let store = match &store {
        Some(location) => {
            let backend = vpcwarden_event_store::open(location, || {
                let config = runtime.block_on(vpcwarden_aws_setup::load());
                aws_sdk_s3::Client::new(&config)
            })?;
            let mut s = EventStore::new(backend, engine.source_id());
            s.refresh_days = refresh_days;
            Some(s)
        }
        None => None,
    };
    // The same entry point as the scheduled eip-report job.
    let analysis = runtime
        .block_on(analyse_window(
            &engine,
            store.as_ref(),
            &latest,
            &older,
            &cfg,
            now,
        ))
        .with_context(|| format!("scanning {cloudtrail}"))?;
    let e = &analysis.engine;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "\rscanned {} files ({:.1} MB, {:.1} MB inflated) in {secs:.2} s: {} skipped whole, {} records, {} parsed, {} lifecycle events; {} malformed, {} unreadable",
        e.files.unwrap_or(0),
        e.input_bytes.unwrap_or(0) as f64 / 1e6,
        e.inflated_bytes.unwrap_or(0) as f64 / 1e6,
        e.skipped_files.unwrap_or(0),
        e.records.unwrap_or(0),
        e.parsed.unwrap_or(0),
        e.lifecycle_events,
        e.malformed.len(),
        e.unreadable.len()
    );
    if let Some(st) = &e.store {
        eprintln!(
            "event store {} (v{}): {} of the window's {} day folders extracted ({:.1} MB of CloudTrail read), {} lifecycle events stored for the window",
            st.location,
            st.version,
            st.days_extracted,
            st.days_in_window,
            st.raw_bytes_read as f64 / 1e6,
            st.events_in_store
        );
        for u in &st.unusable {
            eprintln!("event store: unreadable day object, extracted again: {u}");
        }
    }
    for u in &e.unreadable {
        eprintln!("unreadable: {u}");
    }
    if e.files == Some(0) && e.store.is_none() {
        eprintln!(
            "warning: no CloudTrail file under {cloudtrail} for the window: check the path or prefix (every free address is reported unknown)"
        );
    }
    for line in analysis.coverage.gap_lines() {
        eprintln!("coverage gap: {line}");
    }
    if let Some(line) = analysis.coverage.shorter_window_line() {
        eprintln!("{}", line.trim_matches('*'));
    }
    if e.unplaced_files > 0 {
        eprintln!(
            "{} file(s) outside the AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ layout: read, but they cover no account or day",
            e.unplaced_files
        );
    }
    let rows = &analysis.rows;
    // The line over time: what the given snapshots saw, day by day.
    let dated: Vec<_> = std::iter::once((taken_at(&latest).unwrap_or(now), &latest[..]))
        .chain(files.iter().filter_map(|f| Some((taken_at(f)?, &f[..]))))
        .collect();
    let history = idle_history(&dated, analysis.window_start.date_naive());
    let report = analysis.report(&cfg, history);
    let text = vpcwarden_report::render(Report::IdleEips(&report), format);
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => exit::out(&text),
    }
    let flagged = rows.iter().filter(|r| r.flagged).count();
    Ok(if !e.unreadable.is_empty() {
        eprintln!(
            "error: {} CloudTrail file(s) could not be read; their days count as gaps",
            e.unreadable.len()
        );
        exit::code(exit::FAILURE)
    } else if (fail_on_flagged && flagged > 0) || (fail_on_gaps && !analysis.coverage.complete) {
        exit::code(exit::NO)
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn multi_thread() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Every address into a local file (or stdout): no bucket, no deployment.
fn snapshot_to_file(
    output: String,
    regions: Vec<String>,
    accounts: Option<vpcwarden_idle_report::AccountsSpec>,
) -> Result<ExitCode> {
    multi_thread()?.block_on(async {
        let config = vpcwarden_aws_setup::load().await;
        let account = vpcwarden_inventory::caller_account(&config).await?;
        let only = (!regions.is_empty()).then_some(regions.as_slice());
        let now = Utc::now();
        let (addresses, failures): (Vec<SnapshotAddress>, Vec<String>) = match &accounts {
            None => {
                let inv = vpcwarden_inventory::take(
                    &vpcwarden_inventory::SdkAddresses::new(config.clone()),
                    &account,
                    only,
                    now,
                )
                .await?;
                let failures = inv
                    .region_failures
                    .iter()
                    .map(|(r, why)| format!("{account}/{r}: {why}"))
                    .collect();
                (inv.addresses, failures)
            }
            Some(spec) => {
                // As eip-snapshot reads them: suspended accounts are "not read", never absent.
                let got = vpcwarden_idle_report::read_accounts(&config, &account, spec, only, now)
                    .await?;
                let failures = got.coverage.failures.iter().map(|f| f.scope()).collect();
                (got.addresses, failures)
            }
        };
        let text = vpcwarden_inventory::to_jsonl(&addresses);
        if output == "-" {
            exit::out(&text);
        } else {
            std::fs::write(&output, text).with_context(|| format!("writing {output}"))?;
        }
        let regions: std::collections::BTreeSet<&str> =
            addresses.iter().map(|a| a.region.as_str()).collect();
        eprintln!(
            "{} Elastic IP(s) in {} region(s) written to {}",
            addresses.len(),
            regions.len(),
            if output == "-" { "stdout" } else { &output }
        );
        for f in &failures {
            eprintln!("not read: {f}");
        }
        Ok(if failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            exit::code(exit::FAILURE)
        })
    })
}

fn snapshot(
    bucket: String,
    regions: Vec<String>,
    accounts: Option<vpcwarden_idle_report::AccountsSpec>,
) -> Result<ExitCode> {
    multi_thread()?.block_on(async {
        let config = vpcwarden_aws_setup::load().await;
        let account = vpcwarden_inventory::caller_account(&config).await?;
        let store = vpcwarden_store::Bucket::new(aws_sdk_s3::Client::new(&config), bucket);
        let source = vpcwarden_inventory::SdkAddresses::new(config.clone());
        let only = (!regions.is_empty()).then_some(regions.as_slice());
        let now = Utc::now();
        let out = match &accounts {
            // Several accounts, each through the member role (infra/member.yaml).
            Some(spec) => {
                vpcwarden_idle_report::snapshot_accounts(&config, &account, spec, &store, only, now)
                    .await?
            }
            None => {
                vpcwarden_idle_report::snapshot(&source, Some(&source), &store, &account, only, now)
                    .await?
            }
        };
        exit::outln(&serde_json::to_string_pretty(&out)?);
        Ok(
            if out.region_failures.is_empty() && out.scope_failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                exit::code(exit::FAILURE)
            },
        )
    })
}

fn scheduled_report(args: Box<crate::run_settings::RunArgs>) -> Result<ExitCode> {
    // Flags and variables as clap resolved them; checked by the job's own parser.
    let given = args.vars();
    let env = vpcwarden_idle_report::from_env(&|k| {
        given
            .iter()
            .find(|(name, _)| *name == k)
            .and_then(|(_, v)| v.clone())
    })?;
    multi_thread()?.block_on(async {
        let config = vpcwarden_aws_setup::load().await;
        let bucket =
            vpcwarden_store::Bucket::new(aws_sdk_s3::Client::new(&config), env.bucket.clone());
        let engine = vpcwarden_idle_report::build_engine(&env.engine, &config, 0)?;
        let store = env
            .store
            .as_ref()
            .map(|spec| vpcwarden_idle_report::build_store(spec, &engine, &config))
            .transpose()?;
        let notifier = vpcwarden_idle_report::build_notifier(env.job.sns_topic.as_deref(), &config);
        // One STS call, only when releasing is on.
        let own_account = if env.job.release == vpcwarden_idle_report::ReleaseMode::Off {
            String::new()
        } else {
            vpcwarden_inventory::caller_account(&config).await?
        };
        let release = vpcwarden_eip_release::sdk::SdkAccounts::new(
            config.clone(),
            own_account,
            env.release_role_name.clone(),
        );
        let deps = vpcwarden_idle_report::Deps {
            bucket: &bucket,
            engine: &engine,
            store: store.as_ref(),
            notifier: notifier.as_ref().map(|n| n as _),
            release: Some(&release),
        };
        let out = vpcwarden_idle_report::run(&deps, &env.job, Utc::now()).await?;
        eprintln!("{}", serde_json::to_string_pretty(&out)?);
        exit::out(&out.markdown);
        Ok(ExitCode::SUCCESS)
    })
}
