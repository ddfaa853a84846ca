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
    #[error("the policy's Allow statements draw different perimeters (aws:PrincipalOrgID, aws:SourceVpc, …) and what they share is no one Allow's perimeter, so a grant carrying it would admit callers none of them admits; name the conditions the grant must carry (--condition, or VPCWARDEN_STATEMENT_CONDITION)")]
    NoCommonPerimeter,
    /// Conditions named for the grant are empty: the grant would admit every
    /// caller the endpoint lets through.
    #[error("the condition named for the grant is empty ({{}}); name at least the policy's perimeter (VPCWARDEN_STATEMENT_CONDITION / --condition), or leave it unset to carry the perimeter the policy draws")]
    EmptyCondition,
    /// Conditions named for the grant are weaker than every perimeter the
    /// policy's Allows draw: the grant would admit callers the policy keeps out.
    #[error("the condition named for the grant is wider than the policy: it lacks {} that statement {statement} requires; a named condition may narrow the perimeter, never widen it", lacking.join(", "))]
    WiderThanPerimeter {
        /// Sid of the nearest Allow whose perimeter it misses.
        statement: String,
        /// The clauses it lacks.
        lacking: Vec<String>,
    },
    /// The grant is scoped to an account the policy's perimeter keeps out.
    #[error("the policy's perimeter admits only aws:PrincipalAccount {} and not account {account}; a grant to that account would never work (add the account to the perimeter, or name the conditions)", listed.join(", "))]
    PerimeterExcludesAccount {
        /// The account the grant is for.
        account: String,
        /// The accounts the perimeter admits.
        listed: Vec<String>,
    },
    /// The resource to add is not an ARN.
    #[error("{0:?} is not an ARN (expected arn:partition:service:region:account:resource)")]
    NotAnArn(String),
}
