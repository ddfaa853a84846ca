//! Why a run failed: one error type for the jobs, in a module of its own so
//! every other module depends on it and it on none of them.

use thiserror::Error;
use vpcwarden_store::{StoreError, SNAPSHOTS};

/// Why a run failed. Nothing is written when it fails before the report.
#[derive(Debug, Error)]
pub enum JobError {
    /// Reading or writing the bucket.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A setting that cannot be placed into DDL or SQL.
    #[error("configuration: {0}")]
    Config(#[from] vpcwarden_athena::ConfigError),
    /// Athena.
    #[error(transparent)]
    Athena(#[from] vpcwarden_athena::AthenaError),
    /// Athena rows not in the selected shape.
    #[error(transparent)]
    Rows(#[from] vpcwarden_athena::RowError),
    /// The local engine could not list the CloudTrail files.
    #[error("listing CloudTrail files: {0}")]
    Listing(#[from] std::io::Error),
    /// The event store keeps day folders; these files sit outside any.
    #[error("the event store needs CloudTrail's AWSLogs/…/CloudTrail/<region>/YYYY/MM/DD/ layout: {count} file(s) outside it, e.g. {example} (run without a store, or move them into the layout)")]
    Unplaced {
        /// How many.
        count: usize,
        /// One of them.
        example: String,
    },
    /// Reading or writing the event store.
    #[error(transparent)]
    EventStore(#[from] vpcwarden_event_store::EventStoreError),
    /// The local engine's scan stopped (a panic in a worker).
    #[error("local scan stopped: {0}")]
    ScanStopped(String),
    /// The snapshot could not be taken.
    #[error(transparent)]
    Inventory(#[from] vpcwarden_inventory::InventoryError),
    /// No snapshot in the bucket yet.
    #[error("no snapshot under s3://{0}/{SNAPSHOTS}: run eip-snapshot first")]
    NoSnapshot(String),
    /// A snapshot object that does not parse.
    #[error("{key}: {source}")]
    BadSnapshot {
        /// Object key.
        key: String,
        /// What is wrong, and where.
        source: vpcwarden_eip::SnapshotFileError,
    },
    /// A public-IPv4 snapshot object that does not parse.
    #[error("{key}: {source}")]
    BadPublicIpv4 {
        /// Object key.
        key: String,
        /// What is wrong, and where.
        source: vpcwarden_ipv4::SnapshotError,
    },
    /// A snapshot coverage object that does not parse.
    #[error("{key}: not a snapshot coverage document: {message}")]
    BadCoverage {
        /// Object key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// SNS.
    #[error("SNS Publish to {topic}: {message}")]
    Notify {
        /// Topic ARN.
        topic: String,
        /// Error.
        message: String,
    },
}
