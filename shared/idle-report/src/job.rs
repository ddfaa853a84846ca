//! One report run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use thiserror::Error;
use vpcwarden_eip::{analyse, render, CoverageReport, Settings, SnapshotAddress};
use vpcwarden_store::{pick_snapshots, report_key, Bucket, ReportFormat, StoreError, SNAPSHOTS};

use crate::engine::{Engine, EngineOutput};
use crate::metrics::emf;
use crate::release::{release_flagged, ReleaseMode, ReleasePort, ReleaseResult};

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
    /// The local engine.
    #[error("{0}")]
    Engine(String),
    /// No snapshot in the bucket yet.
    #[error("no snapshot under s3://{0}/{SNAPSHOTS}: run eip-snapshot first")]
    NoSnapshot(String),
    /// A snapshot line that does not parse.
    #[error("{key}:{line}: not a snapshot address: {message}")]
    BadSnapshot {
        /// Object key.
        key: String,
        /// Line number.
        line: usize,
        /// Parser message.
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
        }
    }
}

/// What a run needs.
pub struct Deps<'a> {
    /// Snapshots are read from and reports written to this bucket.
    pub bucket: &'a Bucket,
    /// Where events come from.
    pub engine: &'a Engine,
    /// For the summary (when a topic is configured).
    pub sns: Option<&'a aws_sdk_sns::Client>,
    /// For releases (when enabled).
    pub release: Option<&'a dyn ReleasePort>,
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
    /// Release results (empty when off).
    pub released: Vec<ReleaseResult>,
    /// Why releasing was skipped although enabled (coverage gaps).
    pub release_skipped: Option<String>,
    /// The metrics line (embedded metric format).
    pub metrics: Value,
    /// The Markdown report.
    #[serde(skip)]
    pub markdown: String,
    /// SNS message id, when published.
    pub sns_message_id: Option<String>,
}

fn parse_snapshot(key: &str, bytes: &[u8]) -> Result<Vec<SnapshotAddress>, JobError> {
    String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| JobError::BadSnapshot {
                key: key.into(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
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
    // Whole seconds: Athena compares eventtime text at second precision.
    let now = DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let settings = Settings {
        window_start: now - Duration::days(cfg.window_days),
        idle_threshold: Duration::days(cfg.threshold_days),
        exclude_tag: cfg.exclude_tag.clone(),
        ..Settings::new(now)
    };
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
    let latest = parse_snapshot(&latest_key, &deps.bucket.get(&latest_key).await?)?;
    let mut earlier = Vec::new();
    for k in &earlier_keys {
        earlier.extend(parse_snapshot(k, &deps.bucket.get(k).await?)?);
    }
    let engine = deps.engine.events(settings.window_start, now).await?;
    let coverage =
        CoverageReport::for_window(&engine.coverage, &latest, settings.window_start, now);
    let rows = analyse(&latest, &earlier, &engine.events, &coverage, &settings);
    let summary = render::summary(&rows);

    // Releasing is for good: it waits until the whole answer rests on data.
    let release_skipped = (cfg.release != ReleaseMode::Off && !coverage.complete).then(|| {
        format!(
            "release {} skipped: the trail misses days of {} account/region(s); see coverage",
            cfg.release.as_str(),
            coverage.incomplete_scopes
        )
    });
    let released = match (cfg.release, deps.release) {
        (ReleaseMode::Off, _) | (_, None) => Vec::new(),
        _ if release_skipped.is_some() => Vec::new(),
        (mode, Some(port)) => {
            release_flagged(
                port,
                &rows,
                mode,
                &cfg.exclude_tag,
                now,
                settings.idle_threshold,
            )
            .await
        }
    };

    let mut markdown = render::markdown(&rows, &coverage);
    if let Some(why) = &release_skipped {
        markdown.push_str(&format!("\n**{why}.**\n"));
    }
    let documents = [
        (
            ReportFormat::Json,
            serde_json::to_string_pretty(&json_document(
                now,
                settings.window_start,
                &rows,
                &coverage,
                &engine,
                &released,
            ))
            .expect("report serializes"),
        ),
        (ReportFormat::Csv, render::csv(&rows)),
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

    let sns_message_id = match (&cfg.sns_topic, deps.sns) {
        (Some(topic), Some(sns)) => {
            let subject = format!(
                "vpcwarden: {} idle Elastic IPs, {} flagged (${:.2}/month)",
                summary.idle, summary.flagged, summary.flagged_monthly_usd
            );
            let first_line = markdown.lines().next().unwrap_or_default();
            let message = format!(
                "{first_line}\n\nReport: s3://{}/{}\n",
                deps.bucket.name(),
                report_keys[2]
            );
            let out = sns
                .publish()
                .topic_arn(topic)
                .subject(subject.chars().take(100).collect::<String>())
                .message(message)
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
        engine.bytes_scanned,
    );
    Ok(Outcome {
        snapshot_key: latest_key,
        report_keys,
        summary,
        engine,
        coverage,
        released,
        release_skipped,
        metrics,
        markdown,
        sns_message_id,
    })
}
