//! Result rows → lifecycle events, through the local engine's `extract`, so
//! the two engines cannot read a record differently.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};
use thiserror::Error;
use vpcwarden_eip::{extract, LifecycleEvent};

use crate::query::COLUMNS;

/// A result that is not what the query selects.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RowError {
    /// The header lacks a column the query selects.
    #[error("result has no column {0:?} (columns: {1})")]
    MissingColumn(&'static str, String),
    /// A JSON column that does not parse.
    #[error("row {row}: {column} is not JSON: {message}")]
    BadJson {
        /// Row number (1-based, after the header).
        row: usize,
        /// Column.
        column: &'static str,
        /// Parser message.
        message: String,
    },
    /// A `day` cell that is not a `YYYY/MM/DD` partition value.
    #[error("row {row}: day {value:?} is not YYYY/MM/DD")]
    BadDay {
        /// Row number (1-based, after the header).
        row: usize,
        /// The cell.
        value: String,
    },
}

/// The record fields each column came from.
const FIELDS: [&str; 8] = [
    "eventTime",
    "eventID",
    "eventSource",
    "eventName",
    "recipientAccountId",
    "awsRegion",
    "requestParameters",
    "responseElements",
];

/// Turns rows (with their header) into events. Rows the extractor finds
/// malformed are returned as messages, as the local engine reports them.
pub fn rows_to_events(
    header: &[String],
    rows: &[Vec<Option<String>>],
) -> Result<(Vec<LifecycleEvent>, Vec<String>), RowError> {
    let at = columns(header)?;
    let mut events = Vec::new();
    let mut malformed = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        match extract(&record(&at, n, row)?) {
            Ok(Some(ev)) => events.push(ev),
            Ok(None) => {}
            Err(e) => malformed.push(e.to_string()),
        }
    }
    sort(&mut events, &mut malformed);
    Ok((events, malformed))
}

/// One day folder's events and malformed records.
pub type DayRows = (Vec<LifecycleEvent>, Vec<String>);

/// [`rows_to_events`] for the extraction query: grouped by its `day` column.
pub fn rows_to_day_events(
    header: &[String],
    rows: &[Vec<Option<String>>],
) -> Result<BTreeMap<NaiveDate, DayRows>, RowError> {
    let at = columns(header)?;
    let day_at = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("day"))
        .ok_or_else(|| RowError::MissingColumn("day", header.join(",")))?;
    let mut out: BTreeMap<NaiveDate, DayRows> = BTreeMap::new();
    for (n, row) in rows.iter().enumerate() {
        let cell = row.get(day_at).cloned().flatten().unwrap_or_default();
        let day = NaiveDate::parse_from_str(&cell, "%Y/%m/%d").map_err(|_| RowError::BadDay {
            row: n + 1,
            value: cell.clone(),
        })?;
        let (events, malformed) = out.entry(day).or_default();
        match extract(&record(&at, n, row)?) {
            Ok(Some(ev)) => events.push(ev),
            Ok(None) => {}
            Err(e) => malformed.push(e.to_string()),
        }
    }
    for (events, malformed) in out.values_mut() {
        sort(events, malformed);
    }
    Ok(out)
}

fn columns(header: &[String]) -> Result<[usize; 8], RowError> {
    let mut at = [0usize; 8];
    for (i, col) in COLUMNS.iter().enumerate() {
        at[i] = header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(col))
            .ok_or_else(|| RowError::MissingColumn(col, header.join(",")))?;
    }
    Ok(at)
}

/// A row as the record it came from (the fields `extract` reads).
fn record(at: &[usize; 8], n: usize, row: &[Option<String>]) -> Result<Value, RowError> {
    let mut rec = Map::new();
    for (i, field) in FIELDS.iter().enumerate() {
        let cell = row.get(at[i]).cloned().flatten();
        let value = match (i >= 6, cell) {
            (_, None) => Value::Null,
            (false, Some(s)) => Value::String(s),
            (true, Some(s)) => serde_json::from_str(&s).map_err(|e| RowError::BadJson {
                row: n + 1,
                column: COLUMNS[i],
                message: e.to_string(),
            })?,
        };
        rec.insert((*field).into(), value);
    }
    Ok(Value::Object(rec))
}

fn sort(events: &mut Vec<LifecycleEvent>, malformed: &mut [String]) {
    vpcwarden_eip::sort_events(events);
    malformed.sort();
}
