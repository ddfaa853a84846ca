//! The two scheduled EIP jobs. [`snapshot`]: every address now, into the
//! bucket. [`run`]: the idle-EIP report, shared by the `eip-report` function and
//! `vpcwarden eip run`: latest snapshots from the bucket → lifecycle events
//! from an engine → analysis → every report format under dated keys
//! (`vpcwarden-report`) → optional summary → metrics (embedded metric format)
//! → optional release of flagged addresses (off by default; marked, announced
//! and released after a grace period: `vpcwarden-eip-release`).
//!
//! The job reaches the world through ports ([`Deps`]): the data bucket
//! ([`vpcwarden_store::ObjectStore`]), the event engine ([`EventEngine`]:
//! Athena and the local engine alike), the notifier ([`Notifier`]: SNS) and
//! the release accounts. `tests/fakes` holds in-memory ones; `tests/job.rs`
//! runs the job over them, and `tests/module_graph.rs` keeps the modules free
//! of import circles.
#![deny(missing_docs)]

mod config;
mod engine;
mod error;
mod ipv4;
mod job;
mod metrics;
mod notify;
mod snapshot;
mod stored;
mod unread;
mod written;

pub use config::{
    from_env, snapshot_from_env, EngineSpec, EnvConfig, EnvError, JobConfig, SnapshotSettings,
    StoreSpec,
};
pub use engine::{build_engine, Engine, EngineOutput, EventEngine, Extraction, StoreFigures};
pub use error::JobError;
pub use ipv4::{public_ipv4, Ipv4Outcome};
pub use job::{analyse_window, report_now, run, Analysis, Deps, Outcome};
pub use metrics::emf;
pub use notify::{build_notifier, Notifier, SnsNotifier};
pub use snapshot::{
    coverage_key, read_accounts, snapshot, snapshot_accounts, AccountsSpec, SnapshotOutcome,
};
pub use stored::{build_store, events_through_store};
pub use unread::{carry_unread, mark_unread};
pub use vpcwarden_eip_release::{Action, ReleaseMode, ReleaseOutcome, ReleaseResult};
pub use vpcwarden_event_store::EventStore;
pub use written::{write_reports, Written};
