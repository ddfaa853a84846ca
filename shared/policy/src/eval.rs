//! Does this policy allow action A on resource R? Explicit Deny wins,
//! `NotAction`/`NotResource`/`NotPrincipal` are honoured, and statements with
//! a `Condition` make the answer conditional instead of being ignored.

use serde::Serialize;

use crate::model::{Condition, Effect, OneOrMany, Policy, Principal, Statement};
use crate::wildcard::{matches, Case};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    /// Any principal at all: only statements that apply to everyone count
    /// (`"*"`, `{"AWS":"*"}`, or no principal element, as in identity policies).
    Anyone,
    /// A specific principal ARN (or account id).
    Arn(&'a str),
}

/// A request to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The caller.
    pub caller: Caller<'a>,
    /// Action, e.g. `sqs:SendMessage`.
    pub action: &'a str,
    /// Resource ARN.
    pub resource: &'a str,
}

/// The outcome of [`Policy::evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// An unconditional Allow matches and no Deny could apply.
    Allowed {
        /// Index of the first unconditional matching Allow.
        statement: usize,
    },
    /// An unconditional Deny matches.
    ExplicitDeny {
        /// Index of the first unconditional matching Deny.
        statement: usize,
    },
    /// No statement matches.
    ImplicitDeny,
    /// The answer depends on conditions this evaluation does not know.
    Conditional {
        /// Matching Allow statements (conditional or not).
        allows: Vec<usize>,
        /// Matching Deny statements with conditions.
        conditional_denies: Vec<usize>,
    },
}

impl Decision {
    /// True only for an unconditional allow.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

impl Policy {
    /// Evaluates one request against this policy alone.
    pub fn evaluate(&self, req: &Request<'_>) -> Decision {
        self.evaluate_assuming(req, &Condition::new())
    }

    /// Evaluates one request for a caller known to meet `assumed`: a statement
    /// whose every condition is among them counts as unconditional. This is how
    /// "a caller inside the data perimeter" is asked (see [`Policy::perimeter`]).
    pub fn evaluate_assuming(&self, req: &Request<'_>, assumed: &Condition) -> Decision {
        let mut allow_unconditional = None;
        let mut allows = Vec::new();
        let mut conditional_denies = Vec::new();
        for (i, st) in self.statements().iter().enumerate() {
            if !st.applies_to(req) {
                continue;
            }
            let conditional = !st.condition_within(assumed);
            match (&st.effect, conditional) {
                (Some(Effect::Deny), false) => return Decision::ExplicitDeny { statement: i },
                (Some(Effect::Deny), true) => conditional_denies.push(i),
                (Some(Effect::Allow), c) => {
                    allows.push(i);
                    if !c && allow_unconditional.is_none() {
                        allow_unconditional = Some(i);
                    }
                }
                // An invalid Effect makes IAM reject the whole policy; it grants nothing here.
                _ => {}
            }
        }
        match (
            allow_unconditional,
            allows.is_empty(),
            conditional_denies.is_empty(),
        ) {
            (Some(statement), _, true) => Decision::Allowed { statement },
            (_, true, _) => Decision::ImplicitDeny,
            _ => Decision::Conditional {
                allows,
                conditional_denies,
            },
        }
    }
}

impl Statement {
    /// True when the statement has no condition, or every one of its
    /// conditions (operator, key, values) is among `assumed`.
    pub fn condition_within(&self, assumed: &Condition) -> bool {
        self.condition
            .as_ref()
            .is_none_or(|c| crate::perimeter::is_subset(c, assumed))
    }

    /// Do action, resource and principal elements all match (conditions aside)?
    pub fn applies_to(&self, req: &Request<'_>) -> bool {
        self.matches_action(req.action)
            && self.matches_resource(req.resource)
            && self.matches_caller(req.caller)
    }

    /// `Action` matches, or `NotAction` does not. A statement with neither matches nothing.
    pub fn matches_action(&self, action: &str) -> bool {
        match (&self.action, &self.not_action) {
            (Some(a), _) => any_match(a, action, Case::Insensitive),
            (None, Some(na)) => !any_match(na, action, Case::Insensitive),
            (None, None) => false,
        }
    }

    /// `Resource` matches, or `NotResource` does not. Neither (identity policy
    /// without resource) matches nothing.
    pub fn matches_resource(&self, resource: &str) -> bool {
        match (&self.resource, &self.not_resource) {
            (Some(r), _) => any_match(r, resource, Case::Sensitive),
            (None, Some(nr)) => !any_match(nr, resource, Case::Sensitive),
            (None, None) => false,
        }
    }

    fn matches_caller(&self, caller: Caller<'_>) -> bool {
        match (&self.principal, &self.not_principal, caller) {
            (None, None, _) => true,
            (Some(p), _, Caller::Anyone) => p.is_everyone(),
            (Some(p), _, Caller::Arn(arn)) => principal_matches(p, arn),
            // NotPrincipal applies to everyone except those listed; "anyone"
            // includes someone listed, so it does not apply to everyone.
            (None, Some(_), Caller::Anyone) => false,
            (None, Some(np), Caller::Arn(arn)) => !principal_matches(np, arn),
        }
    }
}

fn any_match(patterns: &OneOrMany<String>, value: &str, case: Case) -> bool {
    patterns.iter().any(|p| matches(p, value, case))
}

fn principal_matches(p: &Principal, arn: &str) -> bool {
    match p {
        Principal::Any => true,
        Principal::Map(m) => m.values().flat_map(|v| v.iter()).any(|listed| {
            listed == "*"
                || matches(listed, arn, Case::Sensitive)
                // An account id or account root stands for every principal of that account.
                || account_of(arn).is_some_and(|acct| listed == acct || *listed == format!("arn:aws:iam::{acct}:root"))
        }),
    }
}

fn account_of(arn: &str) -> Option<&str> {
    if arn.len() == 12 && arn.bytes().all(|b| b.is_ascii_digit()) {
        return Some(arn);
    }
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
