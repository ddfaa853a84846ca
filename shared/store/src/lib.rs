//! S3 storage for the EIP analysis: the bucket that keeps snapshots and
//! reports under dated keys, and CloudTrail files under an S3 prefix read by
//! the local engine.
#![deny(missing_docs)]

mod bucket;
mod keys;
mod trail;
mod uri;

pub use bucket::{Bucket, StoreError};
pub use keys::{pick_snapshots, report_key, snapshot_key, ReportFormat, REPORTS, SNAPSHOTS};
pub use trail::{day_coverage, DayFolders, S3Trail};
pub use uri::S3Uri;
