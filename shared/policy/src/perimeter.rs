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

/// One line per clause, e.g. `StringEquals aws:PrincipalOrgID = o-abc`, for
/// plans and reports.
pub fn describe(c: &Condition) -> Vec<String> {
    c.iter()
        .flat_map(|(op, keys)| {
            keys.iter().map(move |(key, values)| {
                let v: Vec<String> = values
                    .iter()
                    .map(|x| match x {
                        ConditionValue::String(s) => s.clone(),
                        ConditionValue::Bool(b) => b.to_string(),
                        ConditionValue::Number(n) => n.to_string(),
                    })
                    .collect();
                format!("{op} {key} = {}", v.join(" | "))
            })
        })
        .collect()
}

impl Policy {
    /// The perimeter a grant must carry: the perimeter clauses (on
    /// [`PERIMETER_KEYS`]) shared by every Allow that carries any. Allows
    /// without one (an unconditional list of queues, AWS's "requests by AWS
    /// service principals") do not dilute it. The statement with Sid
    /// `own_sid` (this tool's) is ignored unless it is the only Allow.
    /// Empty when no Allow draws a perimeter; an error when Allows draw
    /// perimeters with nothing in common (which one to carry is a person's call).
    pub fn perimeter(&self, own_sid: Option<&str>) -> Result<Condition, EditError> {
        let all: Vec<&Statement> = self
            .statements()
            .iter()
            .filter(|s| s.effect == Some(Effect::Allow))
            .collect();
        let theirs: Vec<&Statement> = all
            .iter()
            .copied()
            .filter(|s| own_sid.is_none() || s.sid.as_deref() != own_sid)
            .collect();
        let allows = if theirs.is_empty() { all } else { theirs };
        let drawn: Vec<(&Statement, BTreeSet<Clause>)> = allows
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
            .collect();
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
        if out.is_empty() {
            return Err(EditError::NoCommonPerimeter);
        }
        Ok(out)
    }
}

fn is_perimeter_key(key: &str) -> bool {
    PERIMETER_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}
