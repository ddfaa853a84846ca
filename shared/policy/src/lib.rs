//! IAM policy documents that round-trip, edit safely and validate.
//!
//! - [`Policy::parse`] / [`Policy::to_json`] keep single-versus-array shapes,
//!   field order and unknown fields; [`Policy::canonical`] is the form to compare.
//! - [`wildcard`] matches IAM patterns and decides whether one pattern contains another.
//! - [`Policy::evaluate`] answers "is action A on resource R allowed", with
//!   explicit Deny, `NotAction`/`NotResource` and conditional statements.
//! - [`Policy::allow_resource`] / [`Policy::remove_resource`] edit and say what they did.
//! - [`Policy::perimeter`] finds the identity perimeter (`aws:PrincipalOrgID`, …) every
//!   Allow shares; edits carry it, so they never admit callers the policy keeps out.
//! - [`validate()`] reports findings shaped like IAM Access Analyzer's.
#![deny(missing_docs)]

pub mod arn;
mod canonical;
mod codec;
mod diff;
mod edit;
mod error;
mod eval;
mod model;
pub mod perimeter;
pub mod validate;
pub mod wildcard;

pub use diff::{diff, Change};
pub use edit::{AllowSpec, EditOutcome};
pub use error::{EditError, ParseError};
pub use eval::{Caller, Decision, Request};
pub use model::{Condition, ConditionValue, Effect, OneOrMany, Policy, Principal, Statement};
pub use validate::{validate, Finding, FindingType, PolicyKind, ValidateOptions};
