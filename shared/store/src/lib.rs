//! S3 storage for the EIP analysis: the bucket that keeps snapshots and
//! reports under dated keys, and CloudTrail files under an S3 prefix read by
//! the local engine.
#![deny(missing_docs)]

mod bucket;
mod keys;
mod object;
mod trail;
mod uri;

pub use bucket::{Bucket, StoreError};
pub use keys::{
    pick_public_ipv4, pick_snapshots, public_ipv4_key, report_key, snapshot_key, PUBLIC_IPV4,
    REPORTS, SNAPSHOTS,
};
pub use object::{Fut, ObjectStore};
pub use trail::{day_coverage, split_trail_prefix, DayFolders, S3Trail};
pub use uri::S3Uri;
