//! The two ways to get the window's lifecycle events.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use vpcwarden_athena::{
    ddl, extraction_query, lifecycle_query, rows_to_day_events, rows_to_events, run, AthenaPort,
    RunOptions, TrailTable,
};
use vpcwarden_eip::{Coverage, LifecycleEvent};
use vpcwarden_event_store::{DayExtract, Scope};
use vpcwarden_store::{day_coverage, Bucket, DayFolders};
use vpcwarden_trail::{scan, scan_days, Progress, ScanOptions, Source};

use crate::error::JobError;
use vpcwarden_store::Fut;

/// Where lifecycle events come from. Athena and the local engine implement
/// it alike, an in-memory fake in the tests: the jobs never ask which.
pub trait EventEngine: Send + Sync {
    /// `athena`, `local`, … (the report's `engine.engine`).
    fn name(&self) -> &'static str;
    /// The trail read, as the event store records it.
    fn source_id(&self) -> String;
    /// The window's events, with the trail's coverage.
    fn events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Fut<'_, Result<EngineOutput, JobError>>;
    /// This engine widened to every account and region of `scopes` (the
    /// snapshot's), or `None` when it already reads them.
    fn widened(&self, scopes: &[(&str, &str)]) -> Result<Option<Box<dyn EventEngine>>, JobError>;
    /// Ready to extract days (tables exist).
    fn prepare(&self) -> Fut<'_, Result<(), JobError>>;
    /// Every lifecycle event of the day folders `days` (ascending), each day apart.
    fn extract_days<'a>(&'a self, days: &'a [NaiveDate]) -> Fut<'a, Result<Extraction, JobError>>;
    /// The days to extract, grouped as one extraction reads them at once.
    fn batches(&self, days: &[NaiveDate]) -> Vec<Vec<NaiveDate>>;
    /// Whether extractions count files and bytes read (the local engine's figures).
    fn reads_files(&self) -> bool;
}

/// Days the local engine reads before saving them: a backfill stopped by
/// Lambda's time limit keeps what it finished, and the next run goes on.
const LOCAL_BATCH_DAYS: usize = 7;

impl EventEngine for Engine {
    fn name(&self) -> &'static str {
        Engine::name(self)
    }

    fn source_id(&self) -> String {
        Engine::source_id(self)
    }

    fn events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Fut<'_, Result<EngineOutput, JobError>> {
        Box::pin(Engine::events(self, from, to))
    }

    fn widened(&self, scopes: &[(&str, &str)]) -> Result<Option<Box<dyn EventEngine>>, JobError> {
        Ok(self
            .covering(scopes.iter().copied())?
            .map(|e| Box::new(e) as Box<dyn EventEngine>))
    }

    fn prepare(&self) -> Fut<'_, Result<(), JobError>> {
        Box::pin(Engine::prepare(self))
    }

    fn extract_days<'a>(&'a self, days: &'a [NaiveDate]) -> Fut<'a, Result<Extraction, JobError>> {
        Box::pin(Engine::extract_days(self, days))
    }

    fn batches(&self, days: &[NaiveDate]) -> Vec<Vec<NaiveDate>> {
        match self {
            // One query per run of consecutive days: only their partitions are read.
            Engine::Athena { .. } => day_ranges(days)
                .into_iter()
                .map(|(a, b)| a.iter_days().take_while(|d| *d <= b).collect())
                .collect(),
            // Bounded batches: memory stays bounded, and what is done is saved.
            Engine::Local { .. } => days.chunks(LOCAL_BATCH_DAYS).map(<[_]>::to_vec).collect(),
        }
    }

    fn reads_files(&self) -> bool {
        matches!(self, Engine::Local { .. })
    }
}

/// Where events come from.
pub enum Engine {
    /// Athena over the CloudTrail table (created if missing).
    Athena {
        /// Calls.
        port: Arc<dyn AthenaPort>,
        /// Table and locations.
        table: Box<TrailTable>,
        /// Workgroup, polling, deadline.
        options: Box<RunOptions>,
        /// The trail's bucket: its day folders say which days Athena had to read.
        trail: Box<Bucket>,
    },
    /// The local engine over files (a directory or an S3 prefix).
    Local {
        /// Files.
        source: Arc<dyn Source + Send>,
        /// Files read at once (0: one per core).
        threads: usize,
        /// A file inflating past this is refused (a coverage gap), memory bounded.
        max_file_bytes: u64,
        /// Told about each file read (the CLI's progress line).
        progress: Option<Arc<dyn Progress + Send>>,
    },
}

/// What the store held and what this run added (in the report and metrics).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StoreFigures {
    /// Where the store is.
    pub location: String,
    /// Its version (the `events/v<version>/` prefix).
    pub version: u32,
    /// Day folders the window reads.
    pub days_in_window: usize,
    /// Of those, extracted by this run (missing, unsettled, or the last days).
    pub days_extracted: usize,
    /// Raw CloudTrail bytes this run read: as stored (local engine) or
    /// scanned (Athena, what it bills).
    pub raw_bytes_read: u64,
    /// Lifecycle events in the window's stored days.
    pub events_in_store: usize,
    /// Stored objects that could not be read as a day (extracted again).
    pub unusable: Vec<String>,
}

/// Events and what getting them cost.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineOutput {
    /// `athena` or `local`.
    pub engine: &'static str,
    /// Lifecycle events in the window.
    #[serde(skip)]
    pub events: Vec<LifecycleEvent>,
    /// How many.
    pub lifecycle_events: usize,
    /// Relevant records without the documented shape.
    pub malformed: Vec<String>,
    /// Athena: bytes scanned (what it bills).
    pub bytes_scanned: Option<i64>,
    /// Athena: execution id.
    pub execution_id: Option<String>,
    /// Local: files read, bytes read, files unreadable.
    pub files: Option<usize>,
    /// Local: bytes as stored.
    pub input_bytes: Option<u64>,
    /// Local: files the whole-file pre-filter skipped unparsed.
    pub skipped_files: Option<usize>,
    /// Local: bytes after decompression.
    pub inflated_bytes: Option<u64>,
    /// Local: records in the files that were not skipped.
    pub records: Option<u64>,
    /// Local: records parsed (their raw text names a lifecycle event).
    pub parsed: Option<u64>,
    /// Local: files that could not be read (path: reason).
    pub unreadable: Vec<String>,
    /// Local: files outside the AWSLogs layout (they cover no account or day).
    pub unplaced_files: usize,
    /// Which accounts, regions and days the trail held.
    #[serde(skip)]
    pub coverage: Coverage,
    /// With an event store: what it held and what this run extracted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreFigures>,
}

impl Engine {
    /// The window's events.
    pub async fn events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<EngineOutput, JobError> {
        match self {
            Engine::Athena {
                port,
                table,
                options,
                trail,
            } => {
                ensure_tables(port.as_ref(), table, options).await?;
                let q = lifecycle_query(table, from, to)?;
                let out = run(port.as_ref(), &q, options).await?;
                let (events, malformed) = rows_to_events(&out.header, &out.rows)?;
                let coverage = trail_days(trail, table, from.date_naive(), to.date_naive()).await?;
                Ok(EngineOutput {
                    coverage,
                    engine: "athena",
                    lifecycle_events: events.len(),
                    events,
                    malformed,
                    bytes_scanned: out.bytes_scanned,
                    execution_id: Some(out.execution_id),
                    ..EngineOutput::default()
                })
            }
            Engine::Local {
                source,
                threads,
                max_file_bytes,
                progress,
            } => {
                let source = Arc::clone(source);
                let progress = progress.clone();
                let opts = ScanOptions {
                    from,
                    to,
                    threads: *threads,
                    max_file_bytes: *max_file_bytes,
                };
                // The scan blocks (file I/O, or S3 reads through the runtime handle).
                let s = tokio::task::spawn_blocking(move || match progress {
                    Some(p) => scan(source.as_ref(), &opts, p.as_ref()),
                    None => scan(source.as_ref(), &opts, &()),
                })
                .await
                .map_err(|e| JobError::ScanStopped(e.to_string()))??;
                Ok(EngineOutput {
                    engine: "local",
                    lifecycle_events: s.events.len(),
                    events: s.events,
                    malformed: s.malformed,
                    files: Some(s.files),
                    input_bytes: Some(s.input_bytes),
                    skipped_files: Some(s.skipped_files),
                    inflated_bytes: Some(s.inflated_bytes),
                    records: Some(s.records),
                    parsed: Some(s.parsed),
                    unreadable: s.unreadable,
                    unplaced_files: s.unplaced_files,
                    coverage: s.coverage,
                    ..EngineOutput::default()
                })
            }
        }
    }
}

/// The CloudTrail, snapshot and event store tables, created or brought in
/// step with the settings. Idempotent: a new deployment needs no manual step, a changed
/// account or region list reaches the projection, and a failed DDL fails the
/// run loudly instead of reporting success.
async fn ensure_tables(
    port: &dyn AthenaPort,
    table: &TrailTable,
    options: &RunOptions,
) -> Result<(), JobError> {
    let values = table.ddl_values()?;
    let [properties, location] = ddl::cloudtrail_table_sync(&values);
    for statement in [
        ddl::cloudtrail_table(&values),
        properties,
        location,
        ddl::snapshot_table(&values),
        ddl::event_table(&values),
    ] {
        let q = vpcwarden_athena::Query {
            sql: statement,
            parameters: vec![],
        };
        run(port, &q, options).await?;
    }
    Ok(())
}

/// What one extraction of whole day folders read.
#[derive(Debug, Default)]
pub struct Extraction {
    /// One entry per day asked for.
    pub days: Vec<DayExtract>,
    /// Local: files read.
    pub files: usize,
    /// Local: bytes read as stored.
    pub input_bytes: u64,
    /// Local: files the whole-file pre-filter skipped unparsed.
    pub skipped_files: usize,
    /// Local: bytes after decompression.
    pub inflated_bytes: u64,
    /// Local: records in the files that were not skipped.
    pub records: u64,
    /// Local: records parsed.
    pub parsed: u64,
    /// Athena: bytes scanned.
    pub bytes_scanned: Option<i64>,
    /// Athena: the queries' execution ids.
    pub execution_ids: Vec<String>,
}

impl Engine {
    /// `athena` or `local`.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Athena { .. } => "athena",
            Engine::Local { .. } => "local",
        }
    }

    /// The trail this engine reads, as the event store records it: a day
    /// extracted from another trail (or other accounts and regions) is not reused.
    pub fn source_id(&self) -> String {
        match self {
            Engine::Athena { table, .. } => format!(
                "s3://{}/{}AWSLogs/{} accounts={} regions={}",
                table.bucket,
                table.prefix,
                table
                    .organization
                    .as_deref()
                    .map(|o| format!("{o}/"))
                    .unwrap_or_default(),
                table.accounts.join(","),
                table.regions.join(",")
            ),
            Engine::Local { source, .. } => source.describe(),
        }
    }

    /// The Athena engine widened to every account and region in `scopes`
    /// (the snapshot's): the table's partition projection and the coverage
    /// listing then cover what the snapshot read, whatever `Accounts` and
    /// `Regions` were deployed with — an organization deploy with the default
    /// `Regions` would otherwise report every address outside them as a gap.
    /// `None` when nothing is missing (or for the local engine, which reads
    /// whatever the trail holds). The union is sorted, so the event store's
    /// source stays the same from run to run while the snapshot's scopes do.
    pub fn covering<'a>(
        &self,
        scopes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Engine>, JobError> {
        let Engine::Athena {
            port,
            table,
            options,
            trail,
        } = self
        else {
            return Ok(None);
        };
        let mut accounts: BTreeSet<String> = table.accounts.iter().cloned().collect();
        let mut regions: BTreeSet<String> = table.regions.iter().cloned().collect();
        let (before_a, before_r) = (accounts.len(), regions.len());
        for (a, r) in scopes {
            accounts.insert(a.to_string());
            regions.insert(r.to_string());
        }
        if accounts.len() == before_a && regions.len() == before_r {
            return Ok(None);
        }
        let widened = TrailTable {
            accounts: accounts.into_iter().collect(),
            regions: regions.into_iter().collect(),
            ..(**table).clone()
        };
        // Values from the snapshot go into DDL: checked like the settings.
        widened.validate()?;
        Ok(Some(Engine::Athena {
            port: Arc::clone(port),
            table: Box::new(widened),
            options: options.clone(),
            trail: trail.clone(),
        }))
    }

    /// Athena: which of the table's accounts, regions and days `first..=last`
    /// the trail's bucket holds (what the report's coverage rests on). `None`
    /// for the local engine, whose coverage comes from the files it reads.
    pub async fn trail_coverage(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Option<Coverage>, JobError> {
        match self {
            Engine::Athena { table, trail, .. } => {
                Ok(Some(trail_days(trail, table, first, last).await?))
            }
            Engine::Local { .. } => Ok(None),
        }
    }

    /// Before [`Engine::extract_days`]: Athena's tables exist and follow the settings.
    pub async fn prepare(&self) -> Result<(), JobError> {
        match self {
            Engine::Athena {
                port,
                table,
                options,
                ..
            } => ensure_tables(port.as_ref(), table, options).await,
            Engine::Local { .. } => Ok(()),
        }
    }

    /// Every lifecycle event of the day folders `days` (ascending), whole days,
    /// each day apart: the event store's input. Athena runs one query per run
    /// of consecutive days, reading only those days' partitions.
    pub async fn extract_days(&self, days: &[NaiveDate]) -> Result<Extraction, JobError> {
        match self {
            Engine::Athena {
                port,
                table,
                options,
                trail,
            } => {
                let mut out = Extraction::default();
                for (first, last) in day_ranges(days) {
                    let q = extraction_query(table, first, last)?;
                    let res = run(port.as_ref(), &q, options).await?;
                    let mut found = rows_to_day_events(&res.header, &res.rows)?;
                    let coverage = trail_days(trail, table, first, last).await?;
                    for day in first.iter_days().take_while(|d| *d <= last) {
                        let (events, malformed) = found.remove(&day).unwrap_or_default();
                        out.days.push(DayExtract {
                            day,
                            events,
                            covered: covered_on(&coverage, day),
                            quiet: quiet_on(&coverage, day),
                            malformed,
                            ..DayExtract::default()
                        });
                    }
                    out.bytes_scanned =
                        Some(out.bytes_scanned.unwrap_or(0) + res.bytes_scanned.unwrap_or(0));
                    out.execution_ids.push(res.execution_id);
                }
                Ok(out)
            }
            Engine::Local {
                source,
                threads,
                max_file_bytes,
                progress,
            } => {
                let source = Arc::clone(source);
                let progress = progress.clone();
                let threads = *threads;
                let max = *max_file_bytes;
                let wanted: BTreeSet<NaiveDate> = days.iter().copied().collect();
                let s = tokio::task::spawn_blocking(move || match progress {
                    Some(p) => scan_days(source.as_ref(), &wanted, threads, max, p.as_ref()),
                    None => scan_days(source.as_ref(), &wanted, threads, max, &()),
                })
                .await
                .map_err(|e| JobError::ScanStopped(e.to_string()))??;
                if let Some(first) = s.unplaced.first() {
                    return Err(JobError::Unplaced {
                        count: s.unplaced.len(),
                        example: first.clone(),
                    });
                }
                let mut out = Extraction::default();
                for (day, scan) in s.days {
                    out.files += scan.files;
                    out.input_bytes += scan.input_bytes;
                    out.skipped_files += scan.skipped_files;
                    out.inflated_bytes += scan.inflated_bytes;
                    out.records += scan.records;
                    out.parsed += scan.parsed;
                    out.days.push(DayExtract {
                        day,
                        covered: covered_on(&scan.coverage, day),
                        quiet: quiet_on(&scan.coverage, day),
                        events: scan.events,
                        malformed: scan.malformed,
                        unreadable: scan.unreadable,
                        files: Some(scan.files),
                        raw_bytes: Some(scan.input_bytes),
                    });
                }
                Ok(out)
            }
        }
    }
}

/// Which of the table's accounts, regions and days `first..=last` have day
/// folders in the trail's bucket (what Athena read).
async fn trail_days(
    trail: &Bucket,
    table: &TrailTable,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Coverage, JobError> {
    Ok(day_coverage(
        trail,
        &DayFolders {
            prefix: &table.prefix,
            organization: table.organization.as_deref(),
            accounts: &table.accounts,
            regions: &table.regions,
            first,
            last,
        },
    )
    .await?)
}

/// The accounts and regions `coverage` records on `day`.
fn covered_on(coverage: &Coverage, day: NaiveDate) -> Vec<Scope> {
    coverage
        .entries()
        .filter(|(_, _, d)| *d == day)
        .map(|(account, region, _)| Scope {
            account: account.into(),
            region: region.into(),
        })
        .collect()
}

/// The accounts and regions `coverage` shows quiet (digests, no log files) on `day`.
fn quiet_on(coverage: &Coverage, day: NaiveDate) -> Vec<Scope> {
    coverage
        .quiet_entries()
        .filter(|(_, _, d)| *d == day)
        .map(|(account, region, _)| Scope {
            account: account.into(),
            region: region.into(),
        })
        .collect()
}

/// Runs of consecutive days, as (first, last).
fn day_ranges(days: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in days {
        match out.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(*d) => *last = *d,
            _ => out.push((*d, *d)),
        }
    }
    out
}

/// Builds the engine a configuration names, with SDK clients from `config`.
/// A local location is `s3://bucket/prefix` or a directory.
pub fn build_engine(
    spec: &crate::config::EngineSpec,
    config: &aws_config::SdkConfig,
    threads: usize,
) -> Result<Engine, JobError> {
    use crate::config::EngineSpec;
    Ok(match spec {
        EngineSpec::Athena {
            table,
            workgroup,
            deadline_secs,
        } => Engine::Athena {
            port: Arc::new(vpcwarden_athena::SdkAthena::new(
                aws_sdk_athena::Client::new(config),
                None,
            )),
            table: table.clone(),
            options: Box::new(RunOptions {
                deadline: std::time::Duration::from_secs(*deadline_secs),
                ..RunOptions::new(workgroup.clone(), table.database.clone())
            }),
            trail: Box::new(Bucket::new(
                aws_sdk_s3::Client::new(config),
                table.bucket.clone(),
            )),
        },
        EngineSpec::Local {
            location,
            max_file_bytes,
        } if location.starts_with("s3://") => {
            let uri = vpcwarden_store::S3Uri::parse(location)?;
            let s3 = aws_sdk_s3::Client::new(config);
            Engine::Local {
                source: Arc::new(vpcwarden_store::S3Trail::new(
                    s3,
                    &uri,
                    tokio::runtime::Handle::current(),
                )?),
                threads,
                max_file_bytes: *max_file_bytes,
                progress: None,
            }
        }
        EngineSpec::Local {
            location,
            max_file_bytes,
        } => Engine::Local {
            source: Arc::new(vpcwarden_trail::Dir(location.into())),
            threads,
            max_file_bytes: *max_file_bytes,
            progress: None,
        },
    })
}
