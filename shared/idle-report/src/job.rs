//! One report run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use thiserror::Error;
use vpcwarden_eip::{
    analyse, parse_snapshot, render, AddressReport, CoverageReport, FileDefaults, Settings,
    SnapshotAddress,
};
use vpcwarden_store::{pick_snapshots, report_key, Bucket, ReportFormat, StoreError, SNAPSHOTS};

use vpcwarden_event_store::EventStore;

use crate::engine::{Engine, EngineOutput};
use crate::metrics::emf;
use crate::stored::events_through_store;
use crate::unread::{carry_unread, mark_unread};
use vpcwarden_eip_release::sdk::BucketRecords;
use vpcwarden_eip_release::{
    notice, release, snapshot_age_block, Accounts, ReleaseMode, ReleaseOutcome, ReleaseResult,
    ReleaseSettings,
};
use vpcwarden_inventory::ScopeFailure;

/// Why a run failed. Nothing is written when it fails before the report.
#[derive(Debug, Error)]
pub enum JobError {
    /// Reading or writing the bucket.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A setting that cannot be placed into DDL or SQL.
    #[error("configuration: {0}")]
    Config(#[from] vpcwarden_athena::ConfigError),
    /// Athena.
    #[error(transparent)]
    Athena(#[from] vpcwarden_athena::AthenaError),
    /// Athena rows not in the selected shape.
    #[error(transparent)]
    Rows(#[from] vpcwarden_athena::RowError),
    /// The local engine could not list the CloudTrail files.
    #[error("listing CloudTrail files: {0}")]
    Listing(#[from] std::io::Error),
    /// The event store keeps day folders; these files sit outside any.
    #[error("the event store needs CloudTrail's AWSLogs/…/CloudTrail/<region>/YYYY/MM/DD/ layout: {count} file(s) outside it, e.g. {example} (run without a store, or move them into the layout)")]
    Unplaced {
        /// How many.
        count: usize,
        /// One of them.
        example: String,
    },
    /// Reading or writing the event store.
    #[error(transparent)]
    EventStore(#[from] vpcwarden_event_store::EventStoreError),
    /// The local engine's scan stopped (a panic in a worker).
    #[error("local scan stopped: {0}")]
    ScanStopped(String),
    /// The snapshot could not be taken.
    #[error(transparent)]
    Inventory(#[from] vpcwarden_inventory::InventoryError),
    /// No snapshot in the bucket yet.
    #[error("no snapshot under s3://{0}/{SNAPSHOTS}: run eip-snapshot first")]
    NoSnapshot(String),
    /// A snapshot object that does not parse.
    #[error("{key}: {source}")]
    BadSnapshot {
        /// Object key.
        key: String,
        /// What is wrong, and where.
        source: vpcwarden_eip::SnapshotFileError,
    },
    /// A public-IPv4 snapshot object that does not parse.
    #[error("{key}: {source}")]
    BadPublicIpv4 {
        /// Object key.
        key: String,
        /// What is wrong, and where.
        source: vpcwarden_ipv4::SnapshotError,
    },
    /// A snapshot coverage object that does not parse.
    #[error("{key}: not a snapshot coverage document: {message}")]
    BadCoverage {
        /// Object key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// SNS.
    #[error("SNS Publish to {topic}: {message}")]
    Notify {
        /// Topic ARN.
        topic: String,
        /// Error.
        message: String,
    },
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Lookback window.
    pub window_days: i64,
    /// Idle at least this long → flagged.
    pub threshold_days: i64,
    /// Addresses with this tag key are never flagged or released.
    pub exclude_tag: String,
    /// What to do with flagged addresses.
    pub release: ReleaseMode,
    /// Topic for the summary, if any.
    pub sns_topic: Option<String>,
    /// At most this many earlier snapshots (one per day of the window, plus the
    /// last before it) map association ids of attachments made before the window.
    pub earlier_snapshots: usize,
    /// Days between the mark (and its notice) and the earliest release.
    pub grace_days: i64,
    /// At most this many releases per run.
    pub release_max_per_run: usize,
    /// At most this share (percent, rounded up) of the idle addresses per run.
    pub release_max_percent: u32,
    /// The tag whose value groups the release notice by owner.
    pub owner_tag: Option<String>,
    /// No release when the newest snapshot is older (twice its schedule).
    pub snapshot_max_age_hours: i64,
}

impl Default for JobConfig {
    fn default() -> Self {
        JobConfig {
            window_days: 90,
            threshold_days: 7,
            exclude_tag: "vpcwarden:keep".into(),
            release: ReleaseMode::Off,
            sns_topic: None,
            earlier_snapshots: 400,
            grace_days: 7,
            release_max_per_run: 10,
            release_max_percent: 25,
            owner_tag: None,
            // Twice the default snapshot schedule, rate(6 hours).
            snapshot_max_age_hours: 12,
        }
    }
}

/// What a run needs.
pub struct Deps<'a> {
    /// Snapshots are read from and reports written to this bucket.
    pub bucket: &'a Bucket,
    /// Where events come from.
    pub engine: &'a Engine,
    /// The event store the engine fills and the report reads (None: rescan the window).
    pub store: Option<&'a EventStore>,
    /// For the summary (when a topic is configured).
    pub sns: Option<&'a aws_sdk_sns::Client>,
    /// The accounts releases act in (when enabled): the hub's own, and the
    /// others through their release role.
    pub release: Option<&'a dyn Accounts>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The snapshot joined.
    pub snapshot_key: String,
    /// Keys written.
    pub report_keys: Vec<String>,
    /// Totals.
    pub summary: render::Summary,
    /// Engine figures.
    pub engine: EngineOutput,
    /// Which accounts, regions and days the trail covered.
    pub coverage: CoverageReport,
    /// Release results (empty when off): marks, pending, releases, skips.
    pub released: Vec<ReleaseResult>,
    /// Why the release step did not run although enabled (coverage gaps, an old snapshot).
    pub release_skipped: Option<String>,
    /// Why nothing was released although some were due (a cap).
    pub release_held: Option<String>,
    /// Accounts and regions the latest snapshot could not read.
    pub snapshot_failures: Vec<ScopeFailure>,
    /// The public-IPv4 report (every public IPv4 address), when a
    /// public-IPv4 snapshot exists.
    pub public_ipv4: Option<crate::ipv4::Ipv4Outcome>,
    /// The metrics line (embedded metric format).
    pub metrics: Value,
    /// The Markdown report.
    #[serde(skip)]
    pub markdown: String,
    /// The summary message (published to the topic when one is configured).
    #[serde(skip)]
    pub message: String,
    /// SNS message id, when published.
    pub sns_message_id: Option<String>,
}

fn read_snapshot(key: &str, bytes: &[u8]) -> Result<Vec<SnapshotAddress>, JobError> {
    parse_snapshot(&String::from_utf8_lossy(bytes), &FileDefaults::default()).map_err(|source| {
        JobError::BadSnapshot {
            key: key.into(),
            source,
        }
    })
}

impl JobConfig {
    /// The release step's settings.
    pub fn release_settings(&self) -> ReleaseSettings {
        ReleaseSettings {
            mode: self.release,
            idle_threshold: Duration::days(self.threshold_days),
            grace: Duration::days(self.grace_days),
            max_per_run: self.release_max_per_run,
            max_percent: self.release_max_percent,
            owner_tag: self.owner_tag.clone(),
            keep_tag: self.exclude_tag.clone(),
        }
    }

    /// The analysis settings for a report at `now`.
    pub fn settings(&self, now: DateTime<Utc>) -> Settings {
        Settings {
            window_start: now - Duration::days(self.window_days),
            idle_threshold: Duration::days(self.threshold_days),
            exclude_tag: self.exclude_tag.clone(),
            ..Settings::new(now)
        }
    }
}

/// One analysed window: what the eip-report job and `vpcwarden eip report`
/// both produce, from the same code.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The report's "now" (whole seconds).
    pub now: DateTime<Utc>,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// One row per address of the latest snapshot.
    pub rows: Vec<AddressReport>,
    /// What the trail covered.
    pub coverage: CoverageReport,
    /// What getting the events cost.
    pub engine: EngineOutput,
}

impl Analysis {
    /// The JSON report document.
    pub fn json(&self, released: &[ReleaseResult]) -> Value {
        json_document(
            self.now,
            self.window_start,
            &self.rows,
            &self.coverage,
            &self.engine,
            released,
        )
    }
}

/// Whole seconds: Athena compares eventtime text at second precision, and
/// both callers must mean the same window.
pub fn report_now(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// Events of the window from `engine` (through `store` when given), joined
/// with the snapshots.
pub async fn analyse_window(
    engine: &Engine,
    store: Option<&EventStore>,
    latest: &[SnapshotAddress],
    earlier: &[SnapshotAddress],
    cfg: &JobConfig,
    now: DateTime<Utc>,
) -> Result<Analysis, JobError> {
    let now = report_now(now);
    let settings = cfg.settings(now);
    let engine = match store {
        Some(store) => events_through_store(engine, store, settings.window_start, now, now).await?,
        None => engine.events(settings.window_start, now).await?,
    };
    let coverage = CoverageReport::for_window(&engine.coverage, latest, settings.window_start, now);
    let rows = analyse(latest, earlier, &engine.events, &coverage, &settings);
    Ok(Analysis {
        now,
        window_start: settings.window_start,
        rows,
        coverage,
        engine,
    })
}

/// The time a snapshot key (`snapshots/dt=YYYY-MM-DD/HHMMSS.jsonl`) names.
fn snapshot_time(key: &str) -> Option<DateTime<Utc>> {
    let day = key.split('/').find_map(|p| p.strip_prefix("dt="))?;
    let time = key.rsplit('/').next()?.strip_suffix(".jsonl")?;
    chrono::NaiveDateTime::parse_from_str(&format!("{day} {time}"), "%Y-%m-%d %H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

/// `$id` of the JSON report's schema (`docs/report.schema.json`).
pub const REPORT_SCHEMA_ID: &str = "https://vpcwarden.dev/schemas/idle-eip-report.v2.json";

/// The JSON report document (the CLI writes the same shape).
pub fn json_document(
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
    rows: &[vpcwarden_eip::AddressReport],
    coverage: &CoverageReport,
    engine: &impl Serialize,
    released: &[ReleaseResult],
) -> Value {
    json!({
        "schema": REPORT_SCHEMA_ID,
        "generated_at": now,
        "window_start": window_start,
        "summary": render::summary(rows),
        "coverage": coverage,
        "engine": engine,
        "released": released,
        "addresses": rows,
    })
}

/// Runs one report at `now`.
pub async fn run(
    deps: &Deps<'_>,
    cfg: &JobConfig,
    now: DateTime<Utc>,
) -> Result<Outcome, JobError> {
    let now = report_now(now);
    let settings = cfg.settings(now);
    let all: Vec<String> = deps
        .bucket
        .list(SNAPSHOTS)
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let Some((latest_key, earlier_keys)) = pick_snapshots(
        &all,
        settings.window_start.date_naive(),
        cfg.earlier_snapshots,
    ) else {
        return Err(JobError::NoSnapshot(deps.bucket.name().into()));
    };
    let mut latest = read_snapshot(&latest_key, &deps.bucket.get(&latest_key).await?)?;
    let mut earlier = Vec::new();
    for k in &earlier_keys {
        earlier.extend(read_snapshot(k, &deps.bucket.get(k).await?)?);
    }
    // What the latest snapshot could not read (several accounts): shown as
    // earlier snapshots saw it, never flagged.
    let cov_key = crate::snapshot::coverage_key(&latest_key);
    let snapshot_failures: Vec<ScopeFailure> = if all.contains(&cov_key) {
        crate::snapshot::read_coverage(deps.bucket, &cov_key)
            .await?
            .failures
    } else {
        Vec::new()
    };
    carry_unread(&mut latest, &earlier, &snapshot_failures);
    // The Athena table covers what the snapshot read (accounts and regions).
    let widened = deps.engine.covering(
        latest
            .iter()
            .map(|a| (a.account.as_str(), a.region.as_str())),
    )?;
    let engine = widened.as_ref().unwrap_or(deps.engine);
    let mut analysis = analyse_window(engine, deps.store, &latest, &earlier, cfg, now).await?;
    mark_unread(&mut analysis.rows, &snapshot_failures);
    let rows = &analysis.rows;
    let coverage = &analysis.coverage;
    let summary = render::summary(rows);

    // Releasing is for good: it waits until the whole answer rests on data,
    // and on a snapshot recent enough to have seen every attachment.
    let release_skipped = if cfg.release == ReleaseMode::Off {
        None
    } else if !coverage.complete {
        Some(format!(
            "release step ({}) skipped: the trail misses days of {} account/region(s); see coverage",
            cfg.release.as_str(),
            coverage.incomplete_scopes
        ))
    } else {
        snapshot_age_block(
            snapshot_time(&latest_key),
            now,
            Duration::hours(cfg.snapshot_max_age_hours),
        )
        .map(|why| format!("release step ({}) skipped: {why}", cfg.release.as_str()))
    };
    let release_settings = cfg.release_settings();
    let outcome = match deps.release {
        Some(accounts) if cfg.release != ReleaseMode::Off && release_skipped.is_none() => {
            let records = BucketRecords::new(deps.bucket.clone());
            release(accounts, &records, rows, &release_settings, now).await
        }
        _ => ReleaseOutcome::default(),
    };
    let released = outcome.results.clone();

    let mut markdown = render::markdown(rows, coverage);
    if let Some(p) = crate::unread::paragraph(&snapshot_failures) {
        // After the first line (the SNS summary quotes it), before the table.
        let (first, rest) = markdown.split_once('\n').unwrap_or((&markdown, ""));
        markdown = format!("{first}\n\n{p}\n{rest}");
    }
    if let Some(why) = &release_skipped {
        markdown.push_str(&format!("\n**{why}.**\n"));
    }
    let release_notice = notice(&outcome, &release_settings);
    if let Some(text) = &release_notice {
        markdown.push_str(&format!("\n## Release\n\n```\n{text}```\n"));
    }
    let documents = [
        (
            ReportFormat::Json,
            serde_json::to_string_pretty(&analysis.json(&released)).expect("report serializes"),
        ),
        (ReportFormat::Csv, render::csv(rows)),
        (ReportFormat::Markdown, markdown.clone()),
    ];
    let mut report_keys = Vec::new();
    for (format, body) in documents {
        let key = report_key(now, format);
        deps.bucket
            .put(&key, body.into_bytes(), format.content_type())
            .await?;
        report_keys.push(key);
    }

    let public_ipv4 = crate::ipv4::public_ipv4(deps.bucket, &cfg.exclude_tag, now).await?;

    // The summary message: what the SNS topic carries (owners read the release notice here).
    let first_line = markdown.lines().next().unwrap_or_default();
    let mut message = format!(
        "{first_line}\n\nReport: s3://{}/{}\n",
        deps.bucket.name(),
        report_keys[2]
    );
    if let Some(why) = &release_skipped {
        message.push_str(&format!("\n{why}.\n"));
    }
    if let Some(text) = &release_notice {
        message.push_str(&format!("\n{text}"));
    }
    if let Some(p) = &public_ipv4 {
        message.push_str(&format!(
            "\nPublic IPv4: {} addresses, ${:.2}/month (ways out: ${:.2} certain, up to ${:.2} more): s3://{}/{}\n",
            p.totals.addresses,
            p.totals.monthly_usd,
            p.totals.certain_savings_monthly_usd,
            p.totals.possible_savings_monthly_usd,
            deps.bucket.name(),
            p.report_keys[2]
        ));
    }
    let sns_message_id = match (&cfg.sns_topic, deps.sns) {
        (Some(topic), Some(sns)) => {
            let subject = format!(
                "vpcwarden: {} idle Elastic IPs, {} flagged (${:.2}/month)",
                summary.idle, summary.flagged, summary.flagged_monthly_usd
            );
            let out = sns
                .publish()
                .topic_arn(topic)
                .subject(subject.chars().take(100).collect::<String>())
                .message(message.clone())
                .send()
                .await
                .map_err(|e| JobError::Notify {
                    topic: topic.clone(),
                    message: aws_sdk_sns::error::DisplayErrorContext(&e).to_string(),
                })?;
            out.message_id().map(str::to_string)
        }
        _ => None,
    };

    let metrics = emf(
        now,
        &summary,
        coverage.incomplete_scopes,
        &analysis.engine,
        public_ipv4.as_ref().map(|p| &p.totals),
        &outcome,
    );
    Ok(Outcome {
        snapshot_key: latest_key,
        report_keys,
        summary,
        engine: analysis.engine.clone(),
        coverage: analysis.coverage.clone(),
        released,
        release_skipped,
        release_held: outcome.held.clone(),
        snapshot_failures,
        public_ipv4,
        metrics,
        markdown,
        message,
        sns_message_id,
    })
}
