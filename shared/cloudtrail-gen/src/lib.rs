//! Realistic CloudTrail trees with a known answer.
//!
//! [`generate`] writes what a trail delivers to S3 — `AWSLogs/…/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`,
//! single-account or organization layout, one gzip file per delivery holding
//! `{"Records":[…]}` — with plenty of records from other services, plus the two
//! snapshots the analysis joins with and the ground truth ([`Truth`]) the
//! stories imply. The truth is written down per story from what the story does
//! (its own timestamps), never by running the analysis, so tests that compare
//! the two can fail.
//!
//! Record shapes follow AWS's documented CloudTrail record contents (eventVersion
//! 1.08/1.09 management events); they are generated, not captured.
#![deny(missing_docs)]

mod noise;
mod record;
mod story;
mod write;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use story::{Expected, Truth, STORIES};
pub use write::GenError;

/// Where the trail writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `AWSLogs/<account>/CloudTrail/…`
    SingleAccount,
    /// `AWSLogs/<org-id>/<account>/CloudTrail/…`
    Organization(String),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output directory (created).
    pub root: PathBuf,
    /// Key layout.
    pub layout: Layout,
    /// Accounts (12 digits each).
    pub accounts: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// Days of trail, ending at `now`.
    pub days: u32,
    /// The moment the trail ends (the report's "now").
    pub now: DateTime<Utc>,
    /// Delivery files per account, region and day.
    pub files_per_day: u32,
    /// Records from other services per file.
    pub noise_per_file: u32,
    /// Also write plain `.json` files (every 7th file), as some copies of trails have.
    pub some_plain_json: bool,
    /// Seed: the same options give byte-identical trees.
    pub seed: u64,
    /// Window and threshold the truth is computed for.
    pub window_days: i64,
    /// Idle threshold in days.
    pub threshold_days: i64,
    /// Tag key that excludes an address.
    pub exclude_tag: String,
    /// Worker threads for compression (0: one per core).
    pub threads: usize,
}

impl Options {
    /// A small tree: 2 accounts × 2 regions, 100 days, light noise.
    pub fn small(root: impl Into<PathBuf>, now: DateTime<Utc>) -> Self {
        Options {
            root: root.into(),
            layout: Layout::SingleAccount,
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            days: 100,
            now,
            files_per_day: 1,
            noise_per_file: 20,
            some_plain_json: true,
            seed: 7,
            window_days: 90,
            threshold_days: 7,
            exclude_tag: "vpcwarden:keep".into(),
            threads: 0,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// CloudTrail files.
    pub files: u64,
    /// Their size as stored.
    pub bytes: u64,
    /// Records in them.
    pub records: u64,
    /// Lifecycle records among them (including failed calls and decoys).
    pub story_records: u64,
    /// Files holding RunInstances, StopInstances, StartInstances or
    /// TerminateInstances records (Auto Scaling noise and the stories).
    #[serde(default)]
    pub instance_event_files: u64,
    /// The latest snapshot (JSON Lines), relative to the root.
    pub snapshot: PathBuf,
    /// The earlier snapshot, relative to the root.
    pub earlier_snapshot: PathBuf,
    /// The ground truth, relative to the root.
    pub truth: PathBuf,
    /// Where the CloudTrail tree starts, relative to the root.
    pub cloudtrail: PathBuf,
}

/// Writes the tree, the snapshots and the truth under `opts.root`.
pub fn generate(opts: &Options) -> Result<Summary, GenError> {
    write::generate(opts)
}

/// Reads a truth file written by [`generate`].
pub fn read_truth(path: &Path) -> Result<Truth, GenError> {
    let text = std::fs::read_to_string(path).map_err(|e| GenError::Io(path.into(), e))?;
    serde_json::from_str(&text).map_err(|e| GenError::Truth(path.into(), e.to_string()))
}
