//! The store: which days to (re-)extract, reading and writing days.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use thiserror::Error;

use crate::backend::StoreBackend;
use crate::day::{DayExtract, StoredDay};
use crate::version::STORE_VERSION;

/// Days fetched at once when loading a window.
const READ_CONCURRENCY: usize = 16;

/// A store call that failed.
#[derive(Debug, Error)]
pub enum EventStoreError {
    /// Listing, reading or writing the store.
    #[error("event store {store}: {message}")]
    Backend {
        /// Where the store is.
        store: String,
        /// What failed.
        message: String,
    },
}

/// A run's view of the store.
#[derive(Clone)]
pub struct EventStore {
    backend: Arc<dyn StoreBackend>,
    /// Prefix version (a new one re-extracts everything).
    pub version: u32,
    /// Days before the report's day that every run extracts again, whatever
    /// the store holds: CloudTrail delivers late, so a day is complete only
    /// some time after it ends.
    pub refresh_days: i64,
    /// The trail the events come from; a day read from another is extracted again.
    pub source: String,
}

/// The days of a window the store holds.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Stored days (any version match, any source: see [`EventStore::stale`]).
    pub days: BTreeMap<NaiveDate, StoredDay>,
    /// Objects that could not be read as a day (key: reason); extracted again.
    pub unusable: Vec<String>,
}

impl EventStore {
    /// A store of the current [`STORE_VERSION`] refreshing the last two days.
    pub fn new(backend: Arc<dyn StoreBackend>, source: impl Into<String>) -> Self {
        EventStore {
            backend,
            version: STORE_VERSION,
            refresh_days: 2,
            source: source.into(),
        }
    }

    /// Where the store is.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    fn err(&self, message: String) -> EventStoreError {
        EventStoreError::Backend {
            store: self.backend.describe(),
            message,
        }
    }

    /// This version's prefix.
    pub fn prefix(&self) -> String {
        format!("events/v{}/", self.version)
    }

    /// The object of one day.
    pub fn day_key(&self, day: NaiveDate) -> String {
        format!(
            "{}day={}/events.jsonl.gz",
            self.prefix(),
            day.format("%Y-%m-%d")
        )
    }

    /// The stored days among `days` (one listing, then one read per day held).
    pub async fn load(&self, days: &[NaiveDate]) -> Result<Loaded, EventStoreError> {
        let held = self
            .backend
            .list(&self.prefix())
            .await
            .map_err(|m| self.err(m))?;
        let wanted: Vec<(NaiveDate, String)> = days
            .iter()
            .map(|d| (*d, self.day_key(*d)))
            .filter(|(_, k)| held.binary_search(k).is_ok())
            .collect();
        let read: Vec<_> = stream::iter(wanted)
            .map(|(day, key)| async move {
                let bytes = self.backend.get(&key).await;
                (day, key, bytes)
            })
            .buffer_unordered(READ_CONCURRENCY)
            .collect()
            .await;
        let mut out = Loaded::default();
        for (day, key, bytes) in read {
            let bytes = bytes.map_err(|m| self.err(m))?;
            match StoredDay::decode(&bytes) {
                Ok(d) if d.header.day == day => {
                    out.days.insert(day, d);
                }
                Ok(d) => out
                    .unusable
                    .push(format!("{key}: holds day {}", d.header.day)),
                Err(why) => out.unusable.push(format!("{key}: {why}")),
            }
        }
        out.unusable.sort();
        Ok(out)
    }

    /// Whether a stored day can stand for its day folder in a report at `now`.
    /// Not when: another version or trail wrote it, a file could not be read,
    /// it is one of the last `refresh_days` days (still being delivered), or
    /// it was extracted before it left that range (late files may be missing).
    pub fn settled(&self, day: &StoredDay, now: DateTime<Utc>) -> bool {
        let h = &day.header;
        let fresh_from = now.date_naive() - Duration::days(self.refresh_days);
        h.store_version == self.version
            && h.source == self.source
            // Written before digests were read: its quiet scopes are unknown.
            && h.quiet.is_some()
            && h.unreadable.is_empty()
            && h.day < fresh_from
            && h.extracted_at.date_naive() >= h.day + Duration::days(self.refresh_days)
    }

    /// The days of `needed` to extract in a run at `now`, in order.
    pub fn stale(
        &self,
        loaded: &Loaded,
        needed: &[NaiveDate],
        now: DateTime<Utc>,
    ) -> Vec<NaiveDate> {
        needed
            .iter()
            .filter(|d| !loaded.days.get(d).is_some_and(|s| self.settled(s, now)))
            .copied()
            .collect()
    }

    /// Writes one extracted day (replacing what was there) and returns it as stored.
    pub async fn save(
        &self,
        extract: DayExtract,
        now: DateTime<Utc>,
    ) -> Result<StoredDay, EventStoreError> {
        let day = StoredDay::new(extract, self.version, &self.source, now);
        let key = self.day_key(day.header.day);
        self.backend
            .put(&key, day.encode())
            .await
            .map_err(|m| self.err(m))?;
        Ok(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DirStore;
    use crate::day::DayExtract;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn stored(day: &str, extracted: &str, source: &str, unreadable: bool) -> StoredDay {
        let extract = DayExtract {
            day: day.parse().unwrap(),
            unreadable: if unreadable {
                vec!["f: cut".into()]
            } else {
                vec![]
            },
            ..DayExtract::default()
        };
        StoredDay::new(extract, STORE_VERSION, source, at(extracted))
    }

    #[test]
    fn a_day_is_reused_only_when_complete_and_from_this_trail_and_version() {
        let store = EventStore::new(Arc::new(DirStore("unused".into())), "s3://trail/");
        let now = at("2026-11-20T06:00:00Z");
        let ok = |d: &StoredDay| store.settled(d, now);
        // Extracted two days after it ended: settled.
        assert!(ok(&stored(
            "2026-11-10",
            "2026-11-12T06:00:00Z",
            "s3://trail/",
            false
        )));
        // Extracted the morning after: late files may be missing.
        assert!(!ok(&stored(
            "2026-11-10",
            "2026-11-11T06:00:00Z",
            "s3://trail/",
            false
        )));
        // The last two days before today (and today) are always read again.
        assert!(!ok(&stored(
            "2026-11-18",
            "2026-11-20T06:00:00Z",
            "s3://trail/",
            false
        )));
        assert!(ok(&stored(
            "2026-11-17",
            "2026-11-19T06:00:00Z",
            "s3://trail/",
            false
        )));
        // Written before digests were read (no `quiet` in its header): extracted again.
        let mut old = stored("2026-11-10", "2026-11-12T06:00:00Z", "s3://trail/", false);
        old.header.quiet = None;
        assert!(!ok(&old));
        // Another trail, an unreadable file, another version.
        assert!(!ok(&stored(
            "2026-11-10",
            "2026-11-12T06:00:00Z",
            "s3://other/",
            false
        )));
        assert!(!ok(&stored(
            "2026-11-10",
            "2026-11-12T06:00:00Z",
            "s3://trail/",
            true
        )));
        let mut old = stored("2026-11-10", "2026-11-12T06:00:00Z", "s3://trail/", false);
        old.header.store_version = STORE_VERSION + 1;
        assert!(!ok(&old));
    }
}
