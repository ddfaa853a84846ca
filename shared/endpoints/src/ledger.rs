//! Which queue ARNs this tool put into an SQS endpoint policy.
//!
//! The record lives in tags on the SQS endpoint itself, one key per
//! environment (`vpcwarden:queue:<account>:<region>:<name>`; earlier releases
//! wrote `vpcwarden:queue:<name>`, read as [`Owner::Legacy`] and rewritten on
//! the next touch). EC2 writes tags key by key,
//! so concurrent invocations never overwrite each other's records even though
//! `ModifyVpcEndpoint` replaces the whole policy. The policy is then a view of
//! the record: every writer re-derives it from the latest record and verifies
//! after writing (see `reconcile`), so the last writer's view includes everyone.
//! A removal leaves a tombstone (`removed:<epoch secs>:<arn>`) so that a slow
//! writer holding an old copy of the policy cannot bring the ARN back.
//! A claim is written `active:<epoch secs>:<arn>` (a bare ARN from an older
//! release reads as a claim of unknown time). Both times are the tool's last
//! recorded action for the environment: an event older than the opposite
//! action is stale (see `stale`).
//!
//! Capacity: EC2 allows [`MAX_TAGS`] tags per resource, so one SQS endpoint
//! records at most 50 minus its other tags environments, tombstones (kept
//! [`Settings::tombstone_ttl`](crate::Settings)) included: 49 with a `Name`
//! tag. A claim past that fails before any change ([`ProvisionError::LedgerFull`](crate::ProvisionError)).
//!
//! Each account's queues are granted in a statement of their own
//! (`VpcwardenMwaaCeleryQueues<account>`), to that account's principals only
//! (`aws:PrincipalAccount`) and inside the policy's perimeter: MWAA's workers
//! call the queue as the environment's execution role, which lives in the
//! environment's account, so that account is what they need and nothing wider.

use vpcwarden_mwaa_event::EnvironmentName;
use vpcwarden_policy::perimeter::{is_own_sid, PERIMETER_KEYS};
use vpcwarden_policy::{AllowSpec, Condition, EditError, EditOutcome, Effect, Policy, Statement};

use crate::identity::{is_account_id, EnvKey};
use crate::port::EndpointInfo;

/// Tag key prefix of ledger entries.
pub const PREFIX: &str = "vpcwarden:queue:";

/// Tags EC2 allows on one resource.
pub const MAX_TAGS: usize = 50;

/// Sid (prefix) of the statements this tool adds: one per account,
/// `VpcwardenMwaaCeleryQueues<account>`; earlier releases wrote one
/// statement for everyone under this Sid alone.
pub const STATEMENT_SID: &str = "VpcwardenMwaaCeleryQueues";

/// SQS actions an MWAA Celery executor uses; an existing Allow must cover all of them.
pub const CELERY_ACTIONS: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
];

/// The spec used for every edit: the Celery actions, this tool's Sid, the
/// conditions a setting names (`None`: the policy's own perimeter), and the
/// account whose principals get the grant.
pub fn spec<'a>(condition: Option<&'a Condition>, account: &'a str) -> AllowSpec<'a> {
    AllowSpec {
        actions: CELERY_ACTIONS,
        sid: STATEMENT_SID,
        condition,
        account: Some(account),
    }
}

/// True when `policy` already lets `account`'s principals use `arn` for
/// every Celery action, inside the perimeter (or under `condition`): the
/// grant is there, whoever wrote it.
pub fn granted(policy: &Policy, arn: &str, account: &str, condition: Option<&Condition>) -> bool {
    matches!(
        policy
            .clone()
            .allow_resource(arn, &spec(condition, account)),
        Ok(EditOutcome::AlreadyCovered { .. })
    )
}

/// Whose a ledger entry is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// An environment known by its account, region and name.
    Env(EnvKey),
    /// Written by an earlier release: the name alone.
    Legacy(String),
}

impl Owner {
    /// The environment's name.
    pub fn name(&self) -> &str {
        match self {
            Owner::Env(id) => id.name(),
            Owner::Legacy(n) => n,
        }
    }
}

/// One environment's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The ARN is ours and must be allowed; claimed at `at` (epoch seconds, if recorded).
    Active {
        /// The ARN.
        arn: String,
        /// Claim time (`None`: written by a release that did not record it).
        at: Option<u64>,
    },
    /// The ARN was ours and must be gone; removed at `at` (epoch seconds).
    Removed {
        /// Removal time.
        at: u64,
        /// The ARN.
        arn: String,
    },
}

impl Entry {
    /// Parses a tag value; unknown shapes are ignored (never acted on).
    pub fn parse(value: &str) -> Option<Entry> {
        if let Some(rest) = value.strip_prefix("removed:") {
            let (at, arn) = rest.split_once(':')?;
            return Some(Entry::Removed {
                at: at.parse().ok()?,
                arn: arn.to_string(),
            });
        }
        if let Some(rest) = value.strip_prefix("active:") {
            let (at, arn) = rest.split_once(':')?;
            let at = at.parse().ok()?;
            return arn.starts_with("arn:").then(|| Entry::Active {
                arn: arn.to_string(),
                at: Some(at),
            });
        }
        value.starts_with("arn:").then(|| Entry::Active {
            arn: value.to_string(),
            at: None,
        })
    }

    /// A claim of `arn` made now.
    pub fn claim(arn: &str, now: u64) -> Entry {
        Entry::Active {
            arn: arn.to_string(),
            at: Some(now),
        }
    }

    /// The ARN this entry claims, if it is a claim.
    pub fn active_arn(&self) -> Option<&str> {
        match self {
            Entry::Active { arn, .. } => Some(arn),
            Entry::Removed { .. } => None,
        }
    }

    /// The ARN the entry is about (claimed or removed).
    pub fn arn(&self) -> &str {
        match self {
            Entry::Active { arn, .. } | Entry::Removed { arn, .. } => arn,
        }
    }

    /// When the entry was written, if recorded.
    pub fn at(&self) -> Option<u64> {
        match self {
            Entry::Active { at, .. } => *at,
            Entry::Removed { at, .. } => Some(*at),
        }
    }

    /// The tag value.
    pub fn value(&self) -> String {
        match self {
            Entry::Active { arn, at: None } => arn.clone(),
            Entry::Active { arn, at: Some(at) } => format!("active:{at}:{arn}"),
            Entry::Removed { at, arn } => format!("removed:{at}:{arn}"),
        }
    }
}

/// Tag key for an environment (at most 16 + 12 + 1 + 14 + 1 + 80 = 124
/// characters: EC2 allows 128).
pub fn key(id: &EnvKey) -> String {
    format!("{PREFIX}{}:{}:{}", id.account, id.region, id.name())
}

/// Tag key an earlier release wrote for an environment name.
pub fn legacy_key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// Tag key of an owner.
pub fn owner_key(owner: &Owner) -> String {
    match owner {
        Owner::Env(id) => key(id),
        Owner::Legacy(name) => legacy_key(name),
    }
}

/// Whose entry a tag key holds (`None`: not a ledger key, or malformed).
pub fn owner_of(key: &str) -> Option<Owner> {
    let rest = key.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split(':').collect();
    match parts[..] {
        [name] => Some(Owner::Legacy(name.to_string())),
        [account, region, name] if is_account_id(account) && !region.is_empty() => {
            Some(Owner::Env(EnvKey {
                account: account.to_string(),
                region: region.to_string(),
                name: EnvironmentName::parse("tag", name).ok()?,
            }))
        }
        _ => None,
    }
}

/// The entries an SQS endpoint holds for `id`: under its key, and under the
/// name-only key of an earlier release (for staleness, reading that one as
/// the environment's at worst asks `GetEnvironment`).
pub fn recorded(ep: &EndpointInfo, id: &EnvKey) -> Vec<Entry> {
    [key(id), legacy_key(id.name())]
        .iter()
        .filter_map(|k| ep.tag(k).and_then(Entry::parse))
        .collect()
}

/// All entries found in a tag list, by owner, sorted for determinism.
pub fn entries(tags: &[(String, String)]) -> Vec<(Owner, Entry)> {
    let mut out: Vec<(Owner, Entry)> = tags
        .iter()
        .filter_map(|(k, v)| Some((owner_of(k)?, Entry::parse(v)?)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A statement this tool may have written a queue into: its own (any Sid
/// of [`STATEMENT_SID`]'s), or, in earlier releases, an Allow for every
/// principal limited by perimeter keys only. Only these lose an ARN the
/// ledger releases or moves; an Allow naming principals, or limited by
/// other keys, is the owner's and is never edited.
fn may_hold_ours(st: &Statement) -> bool {
    if is_own_sid(st.sid.as_deref(), STATEMENT_SID) {
        return true;
    }
    st.effect == Some(Effect::Allow)
        && st.not_principal.is_none()
        && st.not_action.is_none()
        && st.not_resource.is_none()
        && st.principal.as_ref().is_some_and(|p| p.is_everyone())
        && st.condition.iter().flat_map(|c| c.values()).all(|keys| {
            keys.keys()
                .all(|k| PERIMETER_KEYS.iter().any(|p| p.eq_ignore_ascii_case(k)))
        })
}

/// The policy the ledger implies: every active ARN allowed to its
/// environment's account (moved there from wherever an earlier release put
/// it), every removed ARN (not also active for another environment) taken
/// out. A name-only entry of an earlier release is left as the policy has
/// it until its environment is next touched (its account is unknown).
/// Returns the outcomes that changed something.
pub fn apply(
    policy: &Policy,
    entries: &[(Owner, Entry)],
    condition: Option<&Condition>,
) -> Result<(Policy, Vec<(String, EditOutcome)>), EditError> {
    let mut p = policy.clone();
    let mut changed = Vec::new();
    let active: Vec<&str> = entries.iter().filter_map(|(_, e)| e.active_arn()).collect();
    for (owner, e) in entries {
        let outcomes = match (owner, e) {
            (Owner::Env(id), Entry::Active { arn, .. }) => {
                let spec = spec(condition, &id.account);
                let own = spec.statement_sid();
                let mut out: Vec<(&String, EditOutcome)> = p
                    .remove_resource_where(arn, Some(STATEMENT_SID), |st| {
                        st.sid.as_deref() != Some(own.as_str()) && may_hold_ours(st)
                    })
                    .into_iter()
                    .map(|o| (arn, o))
                    .collect();
                out.push((arn, p.allow_resource(arn, &spec)?));
                out
            }
            (Owner::Legacy(_), Entry::Active { .. }) => Vec::new(),
            (_, Entry::Removed { arn, .. }) if !active.contains(&arn.as_str()) => p
                .remove_resource_where(arn, Some(STATEMENT_SID), may_hold_ours)
                .into_iter()
                .map(|o| (arn, o))
                .collect(),
            (_, Entry::Removed { .. }) => Vec::new(),
        };
        changed.extend(
            outcomes
                .into_iter()
                .filter(|(_, o)| o.changed())
                .map(|(a, o)| (a.clone(), o)),
        );
    }
    Ok((p, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-a";

    fn id(account: &str, name: &str) -> EnvKey {
        EnvKey {
            account: account.into(),
            region: "us-east-1".into(),
            name: EnvironmentName::parse("t", name).unwrap(),
        }
    }

    #[test]
    fn entries_round_trip_read_legacy_keys_and_ignore_foreign_tags() {
        let b = id("111122223333", "b");
        let tags = vec![
            ("Name".to_string(), "sqs".to_string()),
            (
                key(&b),
                Entry::Removed {
                    at: 7,
                    arn: A.into(),
                }
                .value(),
            ),
            (legacy_key("a"), Entry::claim(A, 9).value()),
            (legacy_key("c"), "garbage".to_string()),
            (format!("{PREFIX}12:us-east-1:x"), A.to_string()),
            (legacy_key("d"), A.to_string()),
        ];
        assert_eq!(
            entries(&tags),
            vec![
                (
                    Owner::Env(b.clone()),
                    Entry::Removed {
                        at: 7,
                        arn: A.into()
                    }
                ),
                (Owner::Legacy("a".into()), Entry::claim(A, 9)),
                (
                    Owner::Legacy("d".into()),
                    Entry::Active {
                        arn: A.into(),
                        at: None
                    }
                )
            ]
        );
        assert_eq!(owner_of(&key(&b)), Some(Owner::Env(b)));
        let longest = EnvKey {
            region: "ap-southeast-5".into(),
            ..id("111122223333", &"n".repeat(80))
        };
        assert!(
            key(&longest).len() <= 128,
            "EC2 tag keys are at most 128 characters"
        );
    }

    #[test]
    fn removal_does_not_take_an_arn_another_environment_still_uses() {
        let p = Policy::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["{A}"]}}]}}"#
        ))
        .unwrap();
        let e = vec![
            (Owner::Legacy("a".into()), Entry::claim(A, 1)),
            (
                Owner::Legacy("b".into()),
                Entry::Removed {
                    at: 1,
                    arn: A.into(),
                },
            ),
        ];
        let (after, changed) = apply(&p, &e, None).unwrap();
        assert!(changed.is_empty());
        assert_eq!(after, p);
    }

    #[test]
    fn a_claim_is_granted_to_its_account_only_and_moved_out_of_an_open_statement() {
        let p = Policy::parse(&format!(
            r#"{{"Statement":[{{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["{A}"]}},{{"Sid":"App","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:role/app"}},"Action":"sqs:*","Resource":["{A}"]}}]}}"#
        ))
        .unwrap();
        let e = vec![(Owner::Env(id("111122223333", "a")), Entry::claim(A, 1))];
        let (after, _) = apply(&p, &e, None).unwrap();
        let text = after.to_json();
        assert!(
            text.contains(
                r#"{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#""Sid":"App""#) && text.matches(A).count() == 2,
            "the owner's named grant stays: {text}"
        );
        assert!(
            text.contains(r#""Sid":"VpcwardenMwaaCeleryQueues111122223333""#)
                && text.contains(
                    r#""Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#
                ),
            "{text}"
        );
        let (again, changed) = apply(&after, &e, None).unwrap();
        assert!(changed.is_empty(), "{changed:?}");
        assert_eq!(again, after);
    }
}
