//! The Athena engine for the EIP analysis.
//!
//! - [`TrailTable`]: validated names and locations; every value that reaches
//!   DDL or SQL text passes through it (the window's bounds are execution
//!   parameters instead).
//! - [`ddl`]: the CloudTrail table with partition projection over account,
//!   region and day (single-account and organization layouts) and the
//!   snapshot table. The SAM template embeds the same text (a test checks).
//! - [`lifecycle_query`]: the window's partitions only, `errorcode IS NULL`,
//!   the lifecycle event names; rows become events through the same
//!   `extract` as the local engine's.
//! - [`run`]: start → poll with backoff and a deadline → every result page,
//!   over an [`AthenaPort`] (the SDK adapter is [`SdkAthena`]).
#![deny(missing_docs)]

mod config;
pub mod ddl;
mod port;
mod query;
mod rows;
mod run;

pub use config::{ConfigError, TrailTable};
pub use port::{AthenaPort, ExecState, ExecStatus, Page, PortError, Rows, SdkAthena};
pub use query::{extraction_query, extraction_sql, lifecycle_query, lifecycle_sql, Query, COLUMNS};
pub use rows::{rows_to_day_events, rows_to_events, DayRows, RowError};
pub use run::{run, AthenaError, QueryOutput, RunOptions};
