//! What can be wrong with an event.

use thiserror::Error;

/// An event that cannot be acted on. Never retryable: the same event fails the same way.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    /// The event is not an MWAA status change (wrong rule target?).
    #[error("not an MWAA status change: source {event_source:?}, detail-type {detail_type:?} (expected \"aws.airflow\" / \"MWAA Environment Status Change\")")]
    NotMwaa {
        /// The event's `source`.
        event_source: String,
        /// The event's `detail-type`.
        detail_type: String,
    },
    /// A field the status needs is absent.
    #[error("{field} is missing; it is required for status {status}")]
    Missing {
        /// JSON path, e.g. `detail.celeryExecutorQueue`.
        field: String,
        /// The status that needs it.
        status: String,
    },
    /// A field has the wrong JSON type.
    #[error("{field} must be {expected}, found {found}")]
    WrongType {
        /// JSON path.
        field: String,
        /// Expected type.
        expected: &'static str,
        /// Found type.
        found: &'static str,
    },
    /// A field has the right type but an invalid value.
    #[error("{field} is invalid: {value:?} — {why}")]
    Invalid {
        /// JSON path.
        field: String,
        /// The offending value.
        value: String,
        /// What a valid value looks like.
        why: String,
    },
}

impl EventError {
    /// The JSON path of the problem (empty for a wrong event kind).
    pub fn field(&self) -> &str {
        match self {
            EventError::NotMwaa { .. } => "",
            EventError::Missing { field, .. }
            | EventError::WrongType { field, .. }
            | EventError::Invalid { field, .. } => field,
        }
    }
}
