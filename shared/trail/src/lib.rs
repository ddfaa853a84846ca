//! The local engine: streams CloudTrail log files (`*.json.gz` and `*.json`,
//! each `{"Records":[...]}`) from a directory tree, in parallel across files,
//! (or, through [`Source`], an S3 prefix) and returns the EIP lifecycle events
//! of a time window.
//!
//! - Day folders (`…/CloudTrail/<region>/YYYY/MM/DD/`, single-account or
//!   organization layout) outside the window are not opened.
//! - Files are inflated whole with libdeflate (CloudTrail writes one gzip member
//!   per file; anything else goes through the streaming decoder).
//! - A file whose records name none of the lifecycle events is never parsed
//!   (one SIMD search for `"eventName"`); in the others, only the records
//!   around those names are delimited ([`records_naming_events`]) and parsed when their
//!   `eventName` is a lifecycle event; a file not laid out as CloudTrail
//!   writes it is split whole instead.
//! - Every file read is recorded in [`Scan::coverage`] by its account, region
//!   and day folder, so a report knows what the trail held (and what not).
//! - Each worker holds one file at a time, so memory follows the largest file,
//!   not the number of files.
#![deny(missing_docs)]

mod digest;
mod local;
mod locate;
mod source;
mod walk;

pub use digest::{
    digest_location, from_awslogs, is_digest_key, parse_digest, quiet_days, Digest, DIGEST_FOLDER,
};
pub use local::{scan, scan_days, DayScans, Progress, Scan, ScanOptions, DEFAULT_MAX_FILE_BYTES};
pub use locate::records_naming_events;
pub use source::{keep_key, Dir, Item, Source};
pub use walk::{day_of_key, day_of_path, list_files, location_of_key};
