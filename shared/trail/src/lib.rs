//! The local engine: streams CloudTrail log files (`*.json.gz` and `*.json`,
//! each `{"Records":[...]}`) from a directory tree, in parallel across files,
//! and returns the EIP lifecycle events of a time window.
//!
//! - Day folders (`…/CloudTrail/<region>/YYYY/MM/DD/`, single-account or
//!   organization layout) outside the window are not opened.
//! - Records are split as raw JSON first; only records whose text names one of
//!   the lifecycle events are parsed (most of a trail is other services).
//! - Each worker holds one file at a time, so memory follows the largest file,
//!   not the number of files.
#![deny(missing_docs)]

mod local;
mod walk;

pub use local::{scan, Progress, Scan, ScanOptions};
pub use walk::{day_of_path, list_files};
