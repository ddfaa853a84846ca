//! A report's events through the event store: extract the day folders it
//! lacks (and the last days again), save each, then read the window from
//! the stored days alone — so a daily run reads a few days of CloudTrail,
//! not the whole window.

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use vpcwarden_event_store::{needed_days, window, EventStore};

use crate::engine::{EngineOutput, EventEngine, StoreFigures};
use crate::error::JobError;

/// Days written at once.
const SAVE_CONCURRENCY: usize = 16;

/// The window `from..to` of a report at `now`, through `store`.
pub async fn events_through_store(
    engine: &dyn EventEngine,
    store: &EventStore,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<EngineOutput, JobError> {
    let needed = needed_days(from, to);
    let mut loaded = store.load(&needed).await?;
    let stale = store.stale(&loaded, &needed, now);
    let batches = engine.batches(&stale);
    let mut out = EngineOutput {
        engine: engine.name(),
        ..EngineOutput::default()
    };
    if !batches.is_empty() {
        engine.prepare().await?;
    }
    for batch in batches {
        let got = engine.extract_days(&batch).await?;
        if engine.reads_files() {
            let add = |a: Option<u64>, b: u64| Some(a.unwrap_or(0) + b);
            out.files = Some(out.files.unwrap_or(0) + got.files);
            out.skipped_files = Some(out.skipped_files.unwrap_or(0) + got.skipped_files);
            out.input_bytes = add(out.input_bytes, got.input_bytes);
            out.inflated_bytes = add(out.inflated_bytes, got.inflated_bytes);
            out.records = add(out.records, got.records);
            out.parsed = add(out.parsed, got.parsed);
        }
        if let Some(b) = got.bytes_scanned {
            out.bytes_scanned = Some(out.bytes_scanned.unwrap_or(0) + b);
        }
        out.execution_id = got.execution_ids.last().cloned().or(out.execution_id);
        // Saved before the next batch is read: what is done stays done.
        let saved: Vec<_> = stream::iter(got.days)
            .map(|d| store.save(d, now))
            .buffer_unordered(SAVE_CONCURRENCY)
            .try_collect()
            .await?;
        for day in saved {
            loaded.days.insert(day.header.day, day);
        }
    }
    let w = window(needed.iter().filter_map(|d| loaded.days.get(d)), from, to);
    out.store = Some(StoreFigures {
        location: store.describe(),
        version: store.version,
        days_in_window: needed.len(),
        days_extracted: stale.len(),
        raw_bytes_read: out
            .input_bytes
            .or(out.bytes_scanned.map(|b| b.max(0) as u64))
            .unwrap_or(0),
        events_in_store: w.events_in_store,
        unusable: loaded.unusable,
    });
    out.lifecycle_events = w.events.len();
    out.events = w.events;
    out.malformed = w.malformed;
    out.unreadable = w.unreadable;
    out.coverage = w.coverage;
    Ok(out)
}

/// The store a configuration names, for `engine`'s trail.
pub fn build_store(
    spec: &crate::config::StoreSpec,
    engine: &dyn EventEngine,
    config: &aws_config::SdkConfig,
) -> Result<EventStore, JobError> {
    let backend = vpcwarden_event_store::open(&spec.location, || aws_sdk_s3::Client::new(config))?;
    let mut store = EventStore::new(backend, engine.source_id());
    store.refresh_days = spec.refresh_days;
    Ok(store)
}
