//! One report run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use vpcwarden_eip::{
    analyse, idle_history, parse_snapshot, summary, taken_at, totals, AddressReport,
    CoverageReport, FileDefaults, IdlePoint, SnapshotAddress, Summary,
};
use vpcwarden_report::{Format, IdleEipReport, Report, IDLE_SCHEMA_ID};
use vpcwarden_store::{pick_snapshots, ObjectStore, SNAPSHOTS};

use vpcwarden_event_store::EventStore;

use crate::config::JobConfig;
use crate::engine::{EngineOutput, EventEngine};
use crate::error::JobError;
use crate::metrics::emf;
use crate::notify::Notifier;
use crate::stored::events_through_store;
use crate::unread::{carry_unread, mark_unread};
use crate::written::{write_reports, Written};
use vpcwarden_eip_release::sdk::BucketRecords;
use vpcwarden_eip_release::{
    notice, release, snapshot_age_block, Accounts, ReleaseMode, ReleaseOutcome, ReleaseResult,
};
use vpcwarden_inventory::ScopeFailure;

/// What a run needs: its ports.
pub struct Deps<'a> {
    /// Snapshots are read from and reports written to this bucket.
    pub bucket: &'a dyn ObjectStore,
    /// Where events come from (Athena or the local engine).
    pub engine: &'a dyn EventEngine,
    /// The event store the engine fills and the report reads (None: rescan the window).
    pub store: Option<&'a EventStore>,
    /// Where the summary goes, if anywhere.
    pub notifier: Option<&'a dyn Notifier>,
    /// The accounts releases act in (when enabled): the hub's own, and the
    /// others through their release role.
    pub release: Option<&'a dyn Accounts>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The snapshot joined.
    pub snapshot_key: String,
    /// The report's objects, one per format.
    pub reports: Written,
    /// Totals.
    pub summary: Summary,
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
    /// The report as data (release fields empty: the job fills them when it releases).
    pub fn report(&self, cfg: &JobConfig, history: Vec<IdlePoint>) -> IdleEipReport {
        IdleEipReport {
            schema: IDLE_SCHEMA_ID,
            generated_at: self.now,
            window_start: self.window_start,
            settings: cfg.idle_settings(),
            summary: summary(&self.rows),
            totals: totals(&self.rows),
            coverage: self.coverage.clone(),
            engine: serde_json::to_value(&self.engine).expect("engine figures serialize"),
            released: Vec::new(),
            release_skipped: None,
            release_notice: None,
            snapshot_not_read: Vec::new(),
            history,
            addresses: self.rows.clone(),
        }
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
    engine: &dyn EventEngine,
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
    // Each earlier snapshot apart too: the day-by-day line is drawn per file.
    let mut files = Vec::new();
    for k in &earlier_keys {
        let addrs = read_snapshot(k, &deps.bucket.get(k).await?)?;
        files.push((snapshot_time(k).or_else(|| taken_at(&addrs)), addrs));
    }
    let earlier: Vec<SnapshotAddress> = files.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
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
    // Drawn from what the snapshots saw, before unread scopes are carried forward.
    let dated: Vec<(DateTime<Utc>, &[SnapshotAddress])> =
        std::iter::once((snapshot_time(&latest_key).unwrap_or(now), &latest[..]))
            .chain(files.iter().filter_map(|(t, a)| Some(((*t)?, &a[..]))))
            .collect();
    let history = idle_history(&dated, settings.window_start.date_naive());
    carry_unread(&mut latest, &earlier, &snapshot_failures);
    // The Athena table covers what the snapshot read (accounts and regions).
    let scopes: Vec<(&str, &str)> = latest
        .iter()
        .map(|a| (a.account.as_str(), a.region.as_str()))
        .collect();
    let widened = deps.engine.widened(&scopes)?;
    let engine = widened.as_deref().unwrap_or(deps.engine);
    let mut analysis = analyse_window(engine, deps.store, &latest, &earlier, cfg, now).await?;
    mark_unread(&mut analysis.rows, &snapshot_failures);
    let rows = &analysis.rows;
    let coverage = &analysis.coverage;

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
            let records = BucketRecords::new(deps.bucket);
            release(accounts, &records, rows, &release_settings, now).await
        }
        _ => ReleaseOutcome::default(),
    };
    let released = outcome.results.clone();

    let mut report = analysis.report(cfg, history);
    report.released = released.clone();
    report.release_skipped = release_skipped.clone();
    report.release_notice = notice(&outcome, &release_settings);
    report.snapshot_not_read = snapshot_failures
        .iter()
        .map(|f| format!("{} ({})", f.scope(), f.reason))
        .collect();
    let (reports, markdown) = write_reports(deps.bucket, Report::IdleEips(&report), now).await?;

    let public_ipv4 = crate::ipv4::public_ipv4(deps.bucket, &cfg.exclude_tag, now).await?;

    // The summary message: what the SNS topic carries (owners read the release notice here).
    let mut message = format!(
        "{}\n\nReport: s3://{}/{} (Markdown: s3://{}/{})\n",
        report.headline(),
        deps.bucket.name(),
        reports.key(Format::Html),
        deps.bucket.name(),
        reports.key(Format::Markdown)
    );
    if let Some(why) = &release_skipped {
        message.push_str(&format!("\n{why}.\n"));
    }
    if let Some(text) = &report.release_notice {
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
            p.reports.key(Format::Html)
        ));
    }
    let sns_message_id = match deps.notifier {
        Some(notifier) => {
            let subject = format!(
                "vpcwarden: {} idle Elastic IPs, {} flagged (${:.2}/month)",
                report.summary.idle, report.summary.flagged, report.summary.flagged_monthly_usd
            );
            notifier.publish(&subject, &message).await?
        }
        None => None,
    };

    let metrics = emf(
        now,
        &report.summary,
        coverage.incomplete_scopes,
        &analysis.engine,
        public_ipv4.as_ref().map(|p| &p.totals),
        &outcome,
    );
    Ok(Outcome {
        snapshot_key: latest_key,
        reports,
        summary: report.summary.clone(),
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
