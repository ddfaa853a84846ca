//! Errors of this crate, each naming where in the document it arose.

use thiserror::Error;

/// The document could not be read as a policy.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// Not JSON at all.
    #[error("policy is not valid JSON (line {line}, column {column}): {message}")]
    NotJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// JSON, but an element has the wrong type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// JSON path of the element, e.g. `$.Statement[1].Resource`.
        path: String,
        /// What IAM accepts there.
        expected: &'static str,
        /// What the document holds.
        found: &'static str,
    },
}

impl ParseError {
    /// JSON path of the problem (`$` for the whole document).
    pub fn path(&self) -> &str {
        match self {
            ParseError::NotJson { .. } => "$",
            ParseError::WrongType { path, .. } => path,
        }
    }
}

/// An edit that cannot be made without changing what the policy means elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    /// A Deny statement matches the resource, so adding it to an Allow would have no effect.
    #[error("statement {index} ({sid}) denies {action} on {resource}; an Allow cannot override an explicit Deny")]
    DeniedBy {
        /// Index of the denying statement.
        index: usize,
        /// Its Sid, or `(no Sid)`.
        sid: String,
        /// The action denied.
        action: String,
        /// The resource denied.
        resource: String,
    },
    /// Allow statements limit callers by different perimeters (say two
    /// organizations); a new grant could carry either, and choosing is a person's call.
    #[error("the policy's Allow statements draw different perimeters (aws:PrincipalOrgID, aws:SourceVpc, …) with no condition in common; name the conditions the grant must carry (--condition, or VPCWARDEN_STATEMENT_CONDITION)")]
    NoCommonPerimeter,
    /// The resource to add is not an ARN.
    #[error("{0:?} is not an ARN (expected arn:partition:service:region:account:resource)")]
    NotAnArn(String),
}
