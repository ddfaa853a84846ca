//! Customer-managed VPC endpoints for Amazon MWAA.
//!
//! Level-triggered: each environment has a desired state ([`Desired`](vpcwarden_mwaa_event::Desired),
//! from an event or from `GetEnvironment`) and [`converge`] brings its VPC to it:
//! - while it runs or is about to (`PENDING`, `CREATING`, `AVAILABLE`, …), the
//!   database (and, for `PRIVATE_ONLY` / `PUBLIC_AND_PRIVATE`, web server)
//!   interface endpoints exist in its VPC and the VPC's SQS endpoint policy
//!   allows its Celery queue;
//! - once it failed, is being deleted, is deleted or is not found, those
//!   endpoints are deleted and exactly that ARN is removed.
//!
//! [`handle`] takes one event (a hint: stale or incomplete events are decided
//! from `GetEnvironment`); [`reconcile`] lists every environment and heals what
//! lost or late events left.
//!
//! Environments are known by (account, region, name) ([`EnvKey`]): in a
//! shared VPC, two participant accounts may each run `prod`.
//!
//! Everything is read and checked before the first mutation; every mutation is
//! idempotent under redelivery; concurrent policy edits converge through the
//! ledger in [`ledger`]. AWS is reached only through [`Ec2Port`].
#![deny(missing_docs)]

mod cleanup;
mod converge;
mod ec2;
mod error;
mod event;
mod identity;
pub mod ledger;
mod legacy;
mod mwaa;
mod policy_sync;
mod port;
mod provision;
mod reconcile;
mod regional;
mod report;
mod settings;
pub mod tags;

pub use cleanup::cleanup;
pub use converge::converge;
pub use ec2::Ec2Endpoints;
pub use error::{AwsError, ProvisionError};
pub use event::{handle, Envelope};
pub use identity::EnvKey;
pub use mwaa::{from_sdk, MwaaApi};
pub use port::{Clock, Ec2Port, EndpointInfo, EndpointQuery, MwaaPort, NewEndpoint, SystemClock};
pub use provision::provision;
pub use reconcile::{
    reconcile, Drift, DriftAction, DriftKind, External, LedgerUse, LongPending, ReconcileReport,
};
pub use regional::{reconcile_regions, Regional};
pub use report::{EndpointRecord, PolicyReport, Report};
pub use settings::{Lookup, Settings};
