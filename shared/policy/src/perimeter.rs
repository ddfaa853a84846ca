//! The identity perimeter of a policy: the conditions (`aws:PrincipalOrgID`,
//! `aws:SourceVpc`, …) that every Allow carries. AWS's data-perimeter endpoint
//! policies admit only callers from one organization; a statement added
//! without those conditions would quietly let everyone else in.

use std::collections::BTreeSet;

use crate::error::EditError;
use crate::model::{Condition, ConditionValue, Effect, OneOrMany, Policy, Statement};

/// Condition keys that draw an identity or network perimeter. Only these are
/// carried into a statement this crate adds: other conditions (tags, time,
/// MFA) say something about one grant, not about who may use the endpoint.
pub const PERIMETER_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:SourceVpc",
    "aws:SourceVpce",
];

/// One condition as a comparable value: operator, key (IAM keys are
/// case-insensitive), values in a fixed order.
type Clause = (String, String, Vec<String>);

fn clause(op: &str, key: &str, values: &OneOrMany<ConditionValue>) -> Clause {
    let mut v: Vec<String> = values.iter().map(|x| x.sort_key()).collect();
    v.sort();
    v.dedup();
    (op.to_string(), key.to_ascii_lowercase(), v)
}

fn clauses(c: &Condition) -> BTreeSet<Clause> {
    c.iter()
        .flat_map(|(op, keys)| {
            keys.iter()
                .map(move |(key, values)| clause(op, key, values))
        })
        .collect()
}

/// True when every clause of `c` is also in `within`.
pub(crate) fn is_subset(c: &Condition, within: &Condition) -> bool {
    clauses(c).is_subset(&clauses(within))
}

/// True when both hold the same clauses (an absent condition is empty).
pub(crate) fn same(a: Option<&Condition>, b: &Condition) -> bool {
    clauses(a.unwrap_or(&Condition::new())) == clauses(b)
}

fn value_text(v: &ConditionValue) -> String {
    match v {
        ConditionValue::String(s) => s.clone(),
        ConditionValue::Bool(b) => b.to_string(),
        ConditionValue::Number(n) => n.to_string(),
    }
}

fn describe_clause(op: &str, key: &str, values: &OneOrMany<ConditionValue>) -> String {
    let v: Vec<String> = values.iter().map(value_text).collect();
    format!("{op} {key} = {}", v.join(" | "))
}

/// One line per clause, e.g. `StringEquals aws:PrincipalOrgID = o-abc`, for
/// plans and reports.
pub fn describe(c: &Condition) -> Vec<String> {
    c.iter()
        .flat_map(|(op, keys)| {
            keys.iter()
                .map(move |(key, values)| describe_clause(op, key, values))
        })
        .collect()
}

/// True when `sid` is this tool's: `own` itself, or `own` followed by a
/// 12-digit account (the statement scoped to one account's principals).
pub fn is_own_sid(sid: Option<&str>, own: &str) -> bool {
    sid.and_then(|s| s.strip_prefix(own)).is_some_and(|rest| {
        rest.is_empty() || (rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The condition key that scopes a grant to one account's principals.
pub const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";

/// `base` AND "the caller belongs to `account`" (`StringEquals
/// aws:PrincipalAccount`). A `StringEquals` on the key that `base` already
/// has is narrowed to the account; one that does not list it is an error
/// (the grant could never work: the perimeter keeps the account out).
pub fn scope_to_account(base: &Condition, account: &str) -> Result<Condition, EditError> {
    let mut out = base.clone();
    let equals = out.entry("StringEquals".to_string()).or_default();
    let existing = equals
        .keys()
        .find(|k| k.eq_ignore_ascii_case(PRINCIPAL_ACCOUNT))
        .cloned();
    match existing {
        Some(key) => {
            let listed = &equals[&key];
            let admits = listed
                .iter()
                .any(|v| matches!(v, ConditionValue::String(s) if s == account));
            if !admits {
                return Err(EditError::PerimeterExcludesAccount {
                    account: account.to_string(),
                    listed: listed.iter().map(value_text).collect(),
                });
            }
            equals.insert(key, OneOrMany::One(ConditionValue::String(account.into())));
        }
        None => {
            equals.insert(
                PRINCIPAL_ACCOUNT.to_string(),
                OneOrMany::One(ConditionValue::String(account.into())),
            );
        }
    }
    Ok(out)
}

impl Policy {
    /// The perimeter clauses each Allow draws (only Allows that draw one),
    /// ignoring this tool's own statements (Sid `own_sid`, see [`is_own_sid`])
    /// unless they are the only Allows.
    fn drawn(&self, own_sid: Option<&str>) -> Vec<(&Statement, BTreeSet<Clause>)> {
        let all: Vec<&Statement> = self
            .statements()
            .iter()
            .filter(|s| s.effect == Some(Effect::Allow))
            .collect();
        let theirs: Vec<&Statement> = all
            .iter()
            .copied()
            .filter(|s| own_sid.is_none_or(|own| !is_own_sid(s.sid.as_deref(), own)))
            .collect();
        let allows = if theirs.is_empty() { all } else { theirs };
        allows
            .into_iter()
            .filter_map(|s| {
                let c: BTreeSet<Clause> = s
                    .condition
                    .as_ref()
                    .map(clauses)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(_, key, _)| is_perimeter_key(key))
                    .collect();
                (!c.is_empty()).then_some((s, c))
            })
            .collect()
    }

    /// Checks conditions a person named for the grant: never empty, and
    /// never weaker than the policy: they must hold every perimeter clause of
    /// at least one Allow that draws a perimeter (so whoever they admit, some
    /// Allow of the policy admitted already).
    pub fn check_named_condition(
        &self,
        named: &Condition,
        own_sid: Option<&str>,
    ) -> Result<(), EditError> {
        if clauses(named).is_empty() {
            return Err(EditError::EmptyCondition);
        }
        let have = clauses(named);
        let drawn = self.drawn(own_sid);
        if drawn.is_empty() || drawn.iter().any(|(_, d)| d.is_subset(&have)) {
            return Ok(());
        }
        let (first, _) = &drawn[0];
        let lacking = first
            .condition
            .iter()
            .flatten()
            .flat_map(|(op, keys)| keys.iter().map(move |(key, values)| (op, key, values)))
            .filter(|(op, key, values)| {
                is_perimeter_key(key) && !have.contains(&clause(op, key, values))
            })
            .map(|(op, key, values)| describe_clause(op, key, values))
            .collect();
        Err(EditError::WiderThanPerimeter {
            statement: first.sid.clone().unwrap_or_else(|| "(no Sid)".into()),
            lacking,
        })
    }

    /// The perimeter a grant must carry: the perimeter clauses (on
    /// [`PERIMETER_KEYS`]) shared by every Allow that carries any. Allows
    /// without one (an unconditional list of queues, AWS's "requests by AWS
    /// service principals") do not dilute it. This tool's own statements
    /// (Sid `own_sid`, see [`is_own_sid`]) are ignored unless they are the only Allows.
    /// Empty when no Allow draws a perimeter; an error when the clauses the
    /// Allows share are not, by themselves, the perimeter of one of them
    /// (which one to carry is a person's call).
    pub fn perimeter(&self, own_sid: Option<&str>) -> Result<Condition, EditError> {
        let drawn = self.drawn(own_sid);
        let Some(((first, _), rest)) = drawn.split_first() else {
            return Ok(Condition::new());
        };
        let mut out = Condition::new();
        for (op, keys) in first.condition.iter().flatten() {
            for (key, values) in keys {
                if !is_perimeter_key(key) {
                    continue;
                }
                let c = clause(op, key, values);
                if rest.iter().all(|(_, set)| set.contains(&c)) {
                    out.entry(op.clone())
                        .or_default()
                        .insert(key.clone(), values.clone());
                }
            }
        }
        // The shared clauses admit whoever meets them; unless some Allow draws
        // exactly those, that is someone no Allow admits (Allows limited to
        // two VPCs share only the organization: a third VPC meets that).
        let shared = clauses(&out);
        if out.is_empty() || !drawn.iter().any(|(_, set)| *set == shared) {
            return Err(EditError::NoCommonPerimeter);
        }
        Ok(out)
    }
}

fn is_perimeter_key(key: &str) -> bool {
    PERIMETER_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}
