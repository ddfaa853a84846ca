//! Releasing idle Elastic IPs that nobody will miss.
//!
//! Releasing is the one act of vpcwarden that cannot simply be undone: the
//! address may go to another account, and whatever pointed at it breaks. So
//! a flagged address is first *marked* (tags `vpcwarden:release-after` and
//! `vpcwarden:marked-at`) and announced; a later run releases it only after
//! its date, only if it is still free and unkept, only if no reverse DNS, no
//! Route 53 record and no security group rule of its account names it, only
//! within the per-run caps, and only after the evidence of the decision is
//! written. The release runs in the address's own account (the member release
//! role for other accounts). [`restore`] asks AWS for a released address back.
//!
//! Shape: ports ([`Accounts`], [`AccountOps`], [`Records`]) with SDK and
//! bucket adapters ([`sdk`]), in-memory fakes in the tests, one decision
//! function ([`release`]).
#![deny(missing_docs)]

mod checks;
mod evidence;
mod marks;
mod mode;
mod notice;
mod ports;
mod restore;
mod run;
pub mod sdk;
mod settings;

pub use checks::{dns_naming, ec2_dns_label, rules_naming, Check, CheckResult};
pub use evidence::{evidence_key, Evidence, OutcomeRecord, EVIDENCE_SCHEMA, RELEASES};
pub use marks::{
    mark_key, tag_mark, MarkRecord, MarkState, TagMark, MARKED_AT, MARKS, RELEASE_AFTER,
};
pub use mode::ReleaseMode;
pub use notice::notice;
pub use ports::{
    AccountOps, Accounts, DnsRecord, Fut, Live, OpenError, RecordError, Records, ReleaseRefusal,
    SgRule,
};
pub use restore::{restore, RestoreError, RestorePort, Restored};
pub use run::{candidates, release, Action, ReleaseOutcome, ReleaseResult};
pub use settings::{snapshot_age_block, ReleaseSettings, SettingsError};
