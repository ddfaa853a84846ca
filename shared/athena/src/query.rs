//! The lifecycle query: what it reads is what Athena bills.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vpcwarden_eip::extract::{event_sources, EVENT_NAMES};

use crate::config::{ConfigError, TrailTable};

/// Result columns, in order.
pub const COLUMNS: [&str; 8] = [
    "eventtime",
    "eventid",
    "eventsource",
    "eventname",
    "recipientaccountid",
    "awsregion",
    "requestparameters",
    "responseelements",
];

/// SQL text with `?` placeholders and their values, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The statement.
    pub sql: String,
    /// Values for the `?`s (plain text; [`Query::athena_parameters`] quotes them).
    pub parameters: Vec<String>,
}

impl Query {
    /// Athena's execution parameters are SQL literals: quoted strings. The
    /// values are dates and times this module formatted, never user text.
    pub fn athena_parameters(&self) -> Vec<String> {
        self.parameters.iter().map(|p| format!("'{p}'")).collect()
    }
}

/// The window's lifecycle events. `day` (a partition) is restricted to the
/// window with a day of slack either side (delivery lag, UTC folders), so
/// only those folders are read; `eventtime` then trims to the exact window.
/// Failed calls (`errorcode`) and other events never leave Athena.
pub fn lifecycle_query(
    t: &TrailTable,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Query, ConfigError> {
    t.validate()?;
    let sql = lifecycle_sql(&t.database, &t.table);
    let day = |d: DateTime<Utc>| d.format("%Y/%m/%d").to_string();
    let time = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    Ok(Query {
        sql,
        parameters: vec![
            day(from - Duration::days(1)),
            day(to + Duration::days(1)),
            time(from),
            time(to),
        ],
    })
}

/// The lifecycle query's text for a database and table (validated names, or
/// the template's `${…}` substitutions); its four `?` are the window's day and
/// time bounds.
pub fn lifecycle_sql(database: &str, table: &str) -> String {
    select_sql(
        database,
        table,
        &COLUMNS.join(", "),
        "day BETWEEN ? AND ?\n  AND eventtime >= ? AND eventtime < ?",
        "eventtime, eventid",
    )
}

/// Every lifecycle event of the day folders `first..=last` (all their
/// accounts and regions), with the folder's `day`, for the event store: no
/// time bound (a folder may hold the last minutes of the day before), and
/// only those days' partitions are read.
pub fn extraction_query(
    t: &TrailTable,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Query, ConfigError> {
    t.validate()?;
    let day = |d: NaiveDate| d.format("%Y/%m/%d").to_string();
    Ok(Query {
        sql: extraction_sql(&t.database, &t.table),
        parameters: vec![day(first), day(last)],
    })
}

/// [`extraction_query`]'s text; its two `?` are the first and last day folder.
pub fn extraction_sql(database: &str, table: &str) -> String {
    select_sql(
        database,
        table,
        &format!("{}, day", COLUMNS.join(", ")),
        "day BETWEEN ? AND ?",
        "day, eventtime, eventid",
    )
}

/// The lifecycle events' filters (successful calls, the events' sources and
/// names) with `bounds` before them.
fn select_sql(database: &str, table: &str, columns: &str, bounds: &str, order: &str) -> String {
    let names = EVENT_NAMES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {columns}
FROM \"{database}\".\"{table}\"
WHERE {bounds}
  AND errorcode IS NULL
  AND eventsource IN ({sources})
  AND eventname IN ({names})
ORDER BY {order}",
        sources = event_sources()
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}
