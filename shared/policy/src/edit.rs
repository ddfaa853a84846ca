//! Edits that change only what they say: adding a resource to an Allow, or
//! removing exactly one ARN. Each returns what it did and why.

use serde::Serialize;

use crate::arn::is_valid_resource;
use crate::error::EditError;
use crate::eval::{Caller, Decision, Request};
use crate::model::{Effect, OneOrMany, Policy, Principal, Statement};
use crate::wildcard::{matches, Case};

/// What a statement added by [`Policy::allow_resource`] looks like.
#[derive(Debug, Clone)]
pub struct AllowSpec<'a> {
    /// Actions the resource must be allowed for (checked for coverage, and
    /// written into a new statement).
    pub actions: &'a [&'a str],
    /// Deterministic Sid for a statement this crate adds, and the statement
    /// preferred for appending.
    pub sid: &'a str,
}

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EditOutcome {
    /// Nothing to do: an unconditional Allow already covers the resource.
    AlreadyCovered {
        /// Statement index.
        statement: usize,
        /// Its Sid, if any.
        sid: Option<String>,
        /// The pattern that covers it.
        by: String,
    },
    /// The ARN was appended to an existing statement.
    Appended {
        /// Statement index.
        statement: usize,
        /// Its Sid, if any.
        sid: Option<String>,
        /// Why this statement was chosen.
        reason: String,
    },
    /// A new statement was added.
    AddedStatement {
        /// Statement index.
        statement: usize,
        /// The new statement's Sid.
        sid: String,
    },
    /// The ARN was removed from a statement.
    Removed {
        /// Statement index (before any statement removal).
        statement: usize,
        /// Its Sid, if any.
        sid: Option<String>,
        /// True when the statement was this tool's own and is now gone.
        statement_removed: bool,
    },
    /// The ARN was not listed anywhere; nothing changed.
    NotPresent,
}

impl EditOutcome {
    /// True when the edit changed the document.
    pub fn changed(&self) -> bool {
        !matches!(
            self,
            EditOutcome::AlreadyCovered { .. } | EditOutcome::NotPresent
        )
    }
}

impl Policy {
    /// Makes the policy allow `spec.actions` on `arn` for everyone the policy admits.
    ///
    /// A no-op when an unconditional Allow already covers every action (by `*`,
    /// a wildcard, or the ARN itself). Otherwise appends to the statement with
    /// Sid `spec.sid`, else to the first unconditional Allow whose principal is
    /// everyone and whose actions cover `spec.actions` and that lists resources;
    /// else adds a statement with Sid `spec.sid`.
    pub fn allow_resource(
        &mut self,
        arn: &str,
        spec: &AllowSpec<'_>,
    ) -> Result<EditOutcome, EditError> {
        if arn == "*" || !is_valid_resource(arn) {
            return Err(EditError::NotAnArn(arn.to_string()));
        }
        let mut covering = None;
        for action in spec.actions {
            let req = Request {
                caller: Caller::Anyone,
                action,
                resource: arn,
            };
            match self.evaluate(&req) {
                Decision::ExplicitDeny { statement } => {
                    return Err(EditError::DeniedBy {
                        index: statement,
                        sid: self.statements()[statement]
                            .sid
                            .clone()
                            .unwrap_or_else(|| "(no Sid)".into()),
                        action: action.to_string(),
                        resource: arn.to_string(),
                    })
                }
                Decision::Allowed { statement } => covering = covering.or(Some(statement)),
                _ => {
                    covering = None;
                    break;
                }
            }
        }
        if let Some(i) = covering {
            let st = &self.statements()[i];
            let by = st
                .resource
                .iter()
                .flat_map(|r| r.iter())
                .find(|p| matches(p, arn, Case::Sensitive))
                .cloned()
                .unwrap_or_else(|| "NotResource".into());
            return Ok(EditOutcome::AlreadyCovered {
                statement: i,
                sid: st.sid.clone(),
                by,
            });
        }

        let own = self
            .statements()
            .iter()
            .position(|s| s.sid.as_deref() == Some(spec.sid) && fits(s, spec));
        let chosen = own
            .map(|i| {
                (
                    i,
                    format!("it is this tool's own statement (Sid {})", spec.sid),
                )
            })
            .or_else(|| {
                self.statements()
                    .iter()
                    .position(|s| fits(s, spec))
                    .map(|i| {
                        (
                            i,
                            format!(
                            "first unconditional Allow for every principal whose actions cover {}",
                            spec.actions.join(", ")
                        ),
                        )
                    })
            });
        if let Some((i, reason)) = chosen {
            let st = self.statement_mut(i);
            if let Some(r) = st.resource.as_mut() {
                r.push(arn.to_string());
            }
            return Ok(EditOutcome::Appended {
                statement: i,
                sid: st.sid.clone(),
                reason,
            });
        }

        let new = Statement {
            sid: Some(spec.sid.to_string()),
            effect: Some(Effect::Allow),
            principal: Some(Principal::Any),
            action: Some(OneOrMany::Many(
                spec.actions.iter().map(|a| a.to_string()).collect(),
            )),
            resource: Some(OneOrMany::Many(vec![arn.to_string()])),
            order: ["Sid", "Effect", "Principal", "Action", "Resource"]
                .map(String::from)
                .to_vec(),
            ..Statement::default()
        };
        let statements = self
            .statement
            .get_or_insert_with(|| OneOrMany::Many(Vec::new()));
        statements.push(new);
        Ok(EditOutcome::AddedStatement {
            statement: statements.len() - 1,
            sid: spec.sid.to_string(),
        })
    }

    /// Removes exactly `arn` (string equality, never a wildcard that matches it)
    /// from every Allow statement's `Resource`. A statement with Sid
    /// `own_sid` left without resources is removed; other statements keep an
    /// empty array.
    pub fn remove_resource(&mut self, arn: &str, own_sid: Option<&str>) -> Vec<EditOutcome> {
        let hits: Vec<usize> = self
            .statements()
            .iter()
            .enumerate()
            .filter(|(_, st)| {
                st.effect == Some(Effect::Allow)
                    && st
                        .resource
                        .as_ref()
                        .is_some_and(|r| r.iter().any(|x| x == arn))
            })
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            return vec![EditOutcome::NotPresent];
        }
        let mut outcomes = Vec::new();
        let mut drop = Vec::new();
        for i in hits {
            let st = self.statement_mut(i);
            let list = st.resource.as_mut().map(OneOrMany::make_many);
            let Some(list) = list else { continue };
            list.retain(|r| r != arn);
            let statement_removed =
                own_sid.is_some() && st.sid.as_deref() == own_sid && list.is_empty();
            if statement_removed {
                drop.push(i);
            }
            outcomes.push(EditOutcome::Removed {
                statement: i,
                sid: st.sid.clone(),
                statement_removed,
            });
        }
        match self.statement.as_mut() {
            Some(OneOrMany::Many(list)) => {
                for i in drop.into_iter().rev() {
                    list.remove(i);
                }
            }
            Some(one @ OneOrMany::One(_)) if !drop.is_empty() => *one = OneOrMany::Many(Vec::new()),
            _ => {}
        }
        outcomes
    }

    fn statement_mut(&mut self, i: usize) -> &mut Statement {
        match self.statement.as_mut() {
            Some(OneOrMany::One(s)) => s,
            Some(OneOrMany::Many(v)) => &mut v[i],
            None => unreachable!("index came from statements()"),
        }
    }
}

/// An Allow this tool may append to without widening anything else it grants.
fn fits(st: &Statement, spec: &AllowSpec<'_>) -> bool {
    st.effect == Some(Effect::Allow)
        && st.condition.as_ref().is_none_or(|c| c.is_empty())
        && st.not_resource.is_none()
        && st.not_action.is_none()
        && st.not_principal.is_none()
        && st.principal.as_ref().is_some_and(Principal::is_everyone)
        && st
            .resource
            .as_ref()
            .is_some_and(|r| r.iter().all(|x| x != "*"))
        && spec.actions.iter().all(|a| st.matches_action(a))
}
