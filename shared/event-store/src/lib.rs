//! The event store: the lifecycle events of each CloudTrail day folder,
//! extracted once and kept (a day of an organization's trail is gigabytes of
//! JSON; its lifecycle events are kilobytes, and a past day never changes).
//!
//! - Layout: `<root>events/v<version>/day=YYYY-MM-DD/events.jsonl.gz`, one
//!   object per day folder of the trail (all its accounts and regions). The
//!   first line is the day's header ([`DayHeader`]: what was read, which
//!   accounts and regions had files, what was malformed or unreadable); every
//!   other line is one [`LifecycleEvent`]. One object, so a reader sees a whole
//!   day or the previous whole day, never half of one.
//! - [`STORE_VERSION`] changes with the set or meaning of the events: a new
//!   version is a new prefix, so an upgrade re-extracts instead of mixing.
//! - [`EventStore::stale`]: the days a run must (re-)extract — missing,
//!   unreadable, from another trail or version, not yet settled (extracted
//!   before CloudTrail's late deliveries were in), and always the last
//!   [`EventStore::refresh_days`] days.
//! - [`window`]: a report's events, coverage and malformed records, from the
//!   stored days, exactly as a full scan of the same day folders gives them.
//!
//! Where extraction happens (the local engine, or Athena) is the caller's.
#![deny(missing_docs)]

mod backend;
mod day;
mod store;
mod version;
mod window;

pub use backend::{open, DirStore, S3Store, StoreBackend};
pub use day::{DayExtract, DayHeader, Scope, StoredDay};
pub use store::{EventStore, EventStoreError, Loaded};
pub use version::STORE_VERSION;
pub use window::{needed_days, window, WindowEvents};
