//! A canonical form for comparing policies: arrays everywhere, values sorted
//! and deduplicated, action names lower-cased (IAM compares them so), fields
//! in one fixed order. Two policies with equal canonical forms grant the same.

use crate::model::{Condition, OneOrMany, Policy, Principal, Statement};

impl Policy {
    /// The canonical form. Idempotent: `p.canonical().canonical() == p.canonical()`.
    pub fn canonical(&self) -> Policy {
        let mut statements: Vec<Statement> =
            self.statements().iter().map(Statement::canonical).collect();
        statements.sort_by_cached_key(|s| s.to_value().to_string());
        statements.dedup();
        let mut extra = self.extra.clone();
        extra.sort_keys();
        Policy {
            version: self.version.clone(),
            id: self.id.clone(),
            statement: self.statement.as_ref().map(|_| OneOrMany::Many(statements)),
            extra,
            order: Vec::new(),
        }
    }
}

impl Statement {
    /// The canonical form of one statement.
    pub fn canonical(&self) -> Statement {
        let mut extra = self.extra.clone();
        extra.sort_keys();
        Statement {
            sid: self.sid.clone(),
            effect: self.effect.clone(),
            principal: self.principal.as_ref().map(canonical_principal),
            not_principal: self.not_principal.as_ref().map(canonical_principal),
            action: self.action.as_ref().map(canonical_actions),
            not_action: self.not_action.as_ref().map(canonical_actions),
            resource: self
                .resource
                .as_ref()
                .map(|r| sorted(r.iter().cloned().collect())),
            not_resource: self
                .not_resource
                .as_ref()
                .map(|r| sorted(r.iter().cloned().collect())),
            condition: self.condition.as_ref().map(canonical_condition),
            extra,
            order: Vec::new(),
        }
    }
}

fn sorted(mut v: Vec<String>) -> OneOrMany<String> {
    v.sort();
    v.dedup();
    OneOrMany::Many(v)
}

fn canonical_actions(a: &OneOrMany<String>) -> OneOrMany<String> {
    sorted(a.iter().map(|s| s.to_lowercase()).collect())
}

fn canonical_principal(p: &Principal) -> Principal {
    match p {
        Principal::Any => Principal::Any,
        Principal::Map(m) => {
            let mut m: indexmap::IndexMap<_, _> = m
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v.iter().cloned().collect())))
                .collect();
            m.sort_keys();
            Principal::Map(m)
        }
    }
}

fn canonical_condition(c: &Condition) -> Condition {
    let mut out: Condition = c
        .iter()
        .map(|(op, keys)| {
            let mut keys: indexmap::IndexMap<_, _> = keys
                .iter()
                .map(|(k, v)| {
                    let mut vals: Vec<_> = v.iter().cloned().collect();
                    vals.sort_by_cached_key(|x| x.sort_key());
                    vals.dedup();
                    (k.clone(), OneOrMany::Many(vals))
                })
                .collect();
            keys.sort_keys();
            (op.clone(), keys)
        })
        .collect();
    out.sort_keys();
    out
}
