//! Edits that change only what they say: adding a resource to an Allow, or
//! removing exactly one ARN. Each returns what it did and why.

use serde::Serialize;

use crate::arn::is_valid_resource;
use crate::error::EditError;
use crate::eval::{Caller, Decision, Request};
use crate::model::{Condition, Effect, OneOrMany, Policy, Principal, Statement};
use crate::perimeter::{describe, is_own_sid, same, scope_to_account};
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
    /// Conditions a statement granting the resource must carry. `None`: the
    /// perimeter every existing Allow shares ([`Policy::perimeter`]), so an
    /// edit never admits callers the policy kept out. Named conditions may
    /// narrow that perimeter, never widen it
    /// ([`Policy::check_named_condition`]).
    pub condition: Option<&'a Condition>,
    /// `Some(account)`: the grant is for that account's principals only
    /// (`StringEquals aws:PrincipalAccount` on top of the conditions), in a
    /// statement of its own with Sid `<sid><account>`; it is never appended
    /// to a statement of the policy's owner, whose principals would all gain
    /// the resource. `None`: for everyone inside the perimeter, appended to
    /// a fitting Allow where there is one.
    pub account: Option<&'a str>,
}

impl AllowSpec<'_> {
    /// The Sid of the statement this spec adds or appends to.
    pub fn statement_sid(&self) -> String {
        format!("{}{}", self.sid, self.account.unwrap_or_default())
    }
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
        /// The conditions the grant carries (the statement's perimeter).
        conditions: Vec<String>,
    },
    /// A new statement was added.
    AddedStatement {
        /// Statement index.
        statement: usize,
        /// The new statement's Sid.
        sid: String,
        /// The conditions the new statement carries (the policy's perimeter).
        conditions: Vec<String>,
    },
    /// Already allowed inside the perimeter, but this tool's own statement
    /// lacked the perimeter conditions (written by an earlier release) and
    /// now carries them: callers outside the perimeter lose a grant they
    /// should never have had.
    Narrowed {
        /// Statement index.
        statement: usize,
        /// Its Sid (this tool's).
        sid: String,
        /// The conditions it now carries.
        conditions: Vec<String>,
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
    /// Every action is evaluated first: an explicit Deny of any one is an
    /// error and nothing changes. A no-op when Allows already cover every
    /// action (by `*`, a wildcard, or the ARN itself) for callers inside the
    /// perimeter (`spec.condition`, else [`Policy::perimeter`]). Otherwise
    /// appends to the statement with Sid `spec.sid`, else to the first Allow
    /// whose principal is everyone, whose conditions are exactly the perimeter,
    /// whose actions cover `spec.actions` and that lists resources; else adds
    /// a statement with Sid `spec.sid` carrying the perimeter conditions.
    pub fn allow_resource(
        &mut self,
        arn: &str,
        spec: &AllowSpec<'_>,
    ) -> Result<EditOutcome, EditError> {
        if arn == "*" || !is_valid_resource(arn) {
            return Err(EditError::NotAnArn(arn.to_string()));
        }
        let base = match spec.condition {
            Some(c) => {
                self.check_named_condition(c, Some(spec.sid))?;
                c.clone()
            }
            None => self.perimeter(Some(spec.sid))?,
        };
        let own_sid = spec.statement_sid();
        let (perimeter, root) = match spec.account {
            Some(a) => (
                scope_to_account(&base, a)?,
                Some(format!("arn:aws:iam::{a}:root")),
            ),
            None => (base, None),
        };
        // "Every principal of the account", when scoped: a statement that
        // names one role of it does not count as covering the account.
        let caller = root.as_deref().map_or(Caller::Anyone, Caller::Arn);
        // Every action is decided before anything changes: one denied action
        // refuses the whole edit (a half-working grant is worse than none).
        let mut grants = Vec::with_capacity(spec.actions.len());
        for action in spec.actions {
            let req = Request {
                caller,
                action,
                resource: arn,
            };
            grants.push(self.granted_by(&req, &perimeter)?);
        }
        let covering: Option<Vec<usize>> = grants.into_iter().collect();
        // This tool's own statement, written without the perimeter (by a
        // release before the perimeter rule), is limited to it now: the grant
        // it made was wider than the policy meant. Inside the perimeter
        // nothing changes, so the coverage found above still holds.
        let narrowed = spec
            .account
            .is_none()
            .then(|| self.narrow_own_statement(spec.sid, &perimeter))
            .flatten();
        if let Some(i) = narrowed.filter(|_| covering.is_some()) {
            return Ok(EditOutcome::Narrowed {
                statement: i,
                sid: spec.sid.to_string(),
                conditions: describe(&perimeter),
            });
        }
        if let Some(&i) = covering.as_ref().and_then(|all| all.first()) {
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
            .position(|s| s.sid.as_deref() == Some(own_sid.as_str()) && fits(s, spec, &perimeter));
        let chosen = own
            .map(|i| {
                (
                    i,
                    format!(
                        "it is this tool's own statement (Sid {own_sid}){}",
                        if narrowed == Some(i) {
                            ", now limited to the policy's perimeter it lacked"
                        } else {
                            ""
                        }
                    ),
                )
            })
            .or_else(|| {
                // A statement of the owner's admits all its principals: only
                // an unscoped grant may join it.
                spec.account.is_none().then_some(())?;
                self.statements()
                    .iter()
                    .position(|s| fits(s, spec, &perimeter))
                    .map(|i| {
                        (
                            i,
                            format!(
                            "first Allow for every principal, with the policy's perimeter conditions only, whose actions cover {}",
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
                conditions: describe(&perimeter),
            });
        }

        let conditions = describe(&perimeter);
        let mut order = ["Sid", "Effect", "Principal", "Action", "Resource"]
            .map(String::from)
            .to_vec();
        if !perimeter.is_empty() {
            order.push("Condition".into());
        }
        let new = Statement {
            sid: Some(own_sid.clone()),
            effect: Some(Effect::Allow),
            principal: Some(Principal::Any),
            action: Some(OneOrMany::Many(
                spec.actions.iter().map(|a| a.to_string()).collect(),
            )),
            resource: Some(OneOrMany::Many(vec![arn.to_string()])),
            condition: (!perimeter.is_empty()).then_some(perimeter),
            order,
            ..Statement::default()
        };
        let statements = self
            .statement
            .get_or_insert_with(|| OneOrMany::Many(Vec::new()));
        statements.push(new);
        Ok(EditOutcome::AddedStatement {
            statement: statements.len() - 1,
            sid: own_sid,
            conditions,
        })
    }

    /// Removes exactly `arn` (string equality, never a wildcard that matches it)
    /// from every Allow statement's `Resource`. A statement of this tool's
    /// (Sid `own_sid`, or `own_sid` and an account) left without resources
    /// is removed; other statements keep an empty array.
    pub fn remove_resource(&mut self, arn: &str, own_sid: Option<&str>) -> Vec<EditOutcome> {
        self.remove_resource_where(arn, own_sid, |_| true)
    }

    /// [`Policy::remove_resource`] limited to the Allows `only` picks.
    pub fn remove_resource_where(
        &mut self,
        arn: &str,
        own_sid: Option<&str>,
        only: impl Fn(&Statement) -> bool,
    ) -> Vec<EditOutcome> {
        let hits: Vec<usize> = self
            .statements()
            .iter()
            .enumerate()
            .filter(|(_, st)| {
                st.effect == Some(Effect::Allow)
                    && only(st)
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
                own_sid.is_some_and(|own| is_own_sid(st.sid.as_deref(), own)) && list.is_empty();
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

    /// Gives the Allow with Sid `own_sid`, when it has no condition, the
    /// (non-empty) `perimeter`; returns its index when it did.
    fn narrow_own_statement(&mut self, own_sid: &str, perimeter: &Condition) -> Option<usize> {
        if perimeter.is_empty() {
            return None;
        }
        let i = self.statements().iter().position(|s| {
            s.sid.as_deref() == Some(own_sid)
                && s.effect == Some(Effect::Allow)
                && s.condition.as_ref().is_none_or(|c| c.is_empty())
        })?;
        let st = self.statement_mut(i);
        st.condition = Some(perimeter.clone());
        if !st.order.iter().any(|k| k == "Condition") {
            st.order.push("Condition".into());
        }
        Some(i)
    }

    /// The statement that grants `req` to a caller inside `perimeter`, if
    /// any; an explicit Deny for such a caller is an error.
    fn granted_by(
        &self,
        req: &Request<'_>,
        perimeter: &Condition,
    ) -> Result<Option<usize>, EditError> {
        match self.evaluate_assuming(req, perimeter) {
            Decision::ExplicitDeny { statement } => Err(EditError::DeniedBy {
                index: statement,
                sid: self.statements()[statement]
                    .sid
                    .clone()
                    .unwrap_or_else(|| "(no Sid)".into()),
                action: req.action.to_string(),
                resource: req.resource.to_string(),
            }),
            Decision::Allowed { statement } => Ok(Some(statement)),
            // A Deny that depends on conditions (e.g. "not from our
            // organization") is the owner's own guard: it stays in force and
            // does not stop an Allow inside the perimeter from counting.
            Decision::Conditional { allows, .. } => Ok(allows
                .into_iter()
                .find(|i| self.statements()[*i].condition_within(perimeter))),
            Decision::ImplicitDeny => Ok(None),
        }
    }

    fn statement_mut(&mut self, i: usize) -> &mut Statement {
        match self.statement.as_mut() {
            Some(OneOrMany::One(s)) => s,
            Some(OneOrMany::Many(v)) => &mut v[i],
            None => unreachable!("index came from statements()"),
        }
    }
}

/// An Allow this tool may append to without widening anything else it grants:
/// its conditions are exactly the perimeter, no more (the grant would not
/// work) and no fewer (it would admit callers the policy keeps out).
fn fits(st: &Statement, spec: &AllowSpec<'_>, perimeter: &Condition) -> bool {
    st.effect == Some(Effect::Allow)
        && same(st.condition.as_ref(), perimeter)
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
