//! One stored day: its header and its events, as one gzip JSON Lines object.

use std::io::{Read, Write};

use chrono::{DateTime, NaiveDate, Utc};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use vpcwarden_eip::LifecycleEvent;

/// An account and region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
}

/// What an engine extracted from one day folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayExtract {
    /// The day folder (`…/CloudTrail/<region>/YYYY/MM/DD/`).
    pub day: NaiveDate,
    /// Every lifecycle event in its files, whatever its time (a file in a
    /// day's folder may hold the last minutes of the day before).
    pub events: Vec<LifecycleEvent>,
    /// Accounts and regions with files that day, all of them read.
    pub covered: Vec<Scope>,
    /// Accounts and regions without log files that day that the trail's
    /// digest files show delivering through it (quiet: nothing happened).
    pub quiet: Vec<Scope>,
    /// Relevant records without the documented shape.
    pub malformed: Vec<String>,
    /// Files that could not be read (the day is extracted again next run).
    pub unreadable: Vec<String>,
    /// Local engine: files read.
    pub files: Option<usize>,
    /// Local engine: bytes read as stored.
    pub raw_bytes: Option<u64>,
}

/// The first line of a stored day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHeader {
    /// [`crate::STORE_VERSION`] of the code that wrote it.
    pub store_version: u32,
    /// The day folder.
    pub day: NaiveDate,
    /// The trail it was read from (and, for Athena, its accounts and regions).
    pub source: String,
    /// The run's time (its report `now`), not the wall clock: a rerun at the
    /// same time writes the same bytes.
    pub extracted_at: DateTime<Utc>,
    /// Lines that follow.
    pub events: usize,
    /// Accounts and regions with files that day, all of them read.
    pub covered: Vec<Scope>,
    /// Accounts and regions the digests show quiet that day. Absent in days
    /// written before digests were read: such a day is extracted again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet: Option<Vec<Scope>>,
    /// Relevant records without the documented shape.
    pub malformed: Vec<String>,
    /// Files that could not be read.
    pub unreadable: Vec<String>,
    /// Files read (local engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<usize>,
    /// Bytes read as stored (local engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_bytes: Option<u64>,
}

/// A day as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDay {
    /// What it rests on.
    pub header: DayHeader,
    /// Its events, in time order.
    pub events: Vec<LifecycleEvent>,
}

/// The header line's one key: a reader of the events (Athena's table over
/// the store) tells the header apart by it.
const HEADER_KEY: &str = "vpcwarden_event_store_day";

#[derive(Serialize, Deserialize)]
struct HeaderLine<T> {
    #[serde(rename = "vpcwarden_event_store_day")]
    day: T,
}

impl StoredDay {
    /// A day from what an engine extracted.
    pub fn new(
        extract: DayExtract,
        version: u32,
        source: &str,
        extracted_at: DateTime<Utc>,
    ) -> Self {
        let DayExtract {
            day,
            mut events,
            mut covered,
            mut quiet,
            mut malformed,
            mut unreadable,
            files,
            raw_bytes,
        } = extract;
        // One order, so the same files give the same bytes.
        vpcwarden_eip::sort_events(&mut events);
        covered.sort();
        covered.dedup();
        quiet.sort();
        quiet.dedup();
        malformed.sort();
        unreadable.sort();
        StoredDay {
            header: DayHeader {
                store_version: version,
                day,
                source: source.to_string(),
                extracted_at,
                events: events.len(),
                covered,
                quiet: Some(quiet),
                malformed,
                unreadable,
                files,
                raw_bytes,
            },
            events,
        }
    }

    /// Gzip JSON Lines: the header, then one event per line. Same day, same bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut text =
            serde_json::to_string(&HeaderLine { day: &self.header }).expect("a header serializes");
        text.push('\n');
        for e in &self.events {
            text.push_str(&serde_json::to_string(e).expect("an event serializes"));
            text.push('\n');
        }
        // flate2 writes mtime 0 and no name: the bytes depend on the text only.
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(text.as_bytes()).expect("writing to memory");
        gz.finish().expect("writing to memory")
    }

    /// Reads [`StoredDay::encode`]'s bytes; says what is wrong (and on which line).
    pub fn decode(bytes: &[u8]) -> Result<StoredDay, String> {
        let mut text = String::new();
        GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|e| format!("not gzip text: {e}"))?;
        let mut lines = text.lines();
        let first = lines.next().ok_or("empty")?;
        if !first.contains(HEADER_KEY) {
            return Err(format!("line 1 is not a {HEADER_KEY} header"));
        }
        let header: HeaderLine<DayHeader> =
            serde_json::from_str(first).map_err(|e| format!("line 1: {e}"))?;
        let header = header.day;
        let mut events = Vec::with_capacity(header.events);
        for (i, line) in lines.enumerate() {
            events.push(
                serde_json::from_str::<LifecycleEvent>(line)
                    .map_err(|e| format!("line {}: {e}", i + 2))?,
            );
        }
        if events.len() != header.events {
            return Err(format!(
                "cut short: {} events of the {} the header counts",
                events.len(),
                header.events
            ));
        }
        Ok(StoredDay { header, events })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpcwarden_eip::{AllocationId, EventKind};

    fn event(id: &str, at: &str) -> LifecycleEvent {
        LifecycleEvent {
            time: DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&Utc),
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            event_id: id.into(),
            kind: EventKind::Release {
                allocation: AllocationId::parse("eipalloc-0123456789abcdef0").unwrap(),
            },
        }
    }

    fn extract() -> DayExtract {
        DayExtract {
            day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            // Out of order and repeated: a file delivered twice.
            events: vec![
                event("b", "2026-11-30T10:00:00Z"),
                event("a", "2026-11-29T23:58:00Z"),
                event("b", "2026-11-30T10:00:00Z"),
            ],
            covered: vec![Scope {
                account: "111122223333".into(),
                region: "eu-west-1".into(),
            }],
            quiet: vec![],
            malformed: vec!["x".into()],
            unreadable: vec![],
            files: Some(3),
            raw_bytes: Some(1234),
        }
    }

    #[test]
    fn a_day_round_trips_and_the_same_day_gives_the_same_bytes() {
        let at = Utc::now();
        let day = StoredDay::new(extract(), 1, "s3://trail/", at);
        assert_eq!(day.header.events, 2, "each event once");
        assert_eq!(day.events[0].event_id, "a", "time order");
        let bytes = day.encode();
        assert_eq!(StoredDay::decode(&bytes).unwrap(), day);
        assert_eq!(
            StoredDay::new(extract(), 1, "s3://trail/", at).encode(),
            bytes
        );
    }

    #[test]
    fn a_cut_or_foreign_object_is_refused_with_the_reason() {
        let day = StoredDay::new(extract(), 1, "s3://trail/", Utc::now());
        let mut text = String::new();
        GzDecoder::new(&day.encode()[..])
            .read_to_string(&mut text)
            .unwrap();
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(cut.as_bytes()).unwrap();
        let err = StoredDay::decode(&gz.finish().unwrap()).unwrap_err();
        assert!(err.contains("cut short: 1 events of the 2"), "{err}");
        assert!(StoredDay::decode(b"{}").unwrap_err().contains("not gzip"));
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"{\"time\":1}\n").unwrap();
        let err = StoredDay::decode(&gz.finish().unwrap()).unwrap_err();
        assert!(err.contains("line 1 is not"), "{err}");
    }
}
