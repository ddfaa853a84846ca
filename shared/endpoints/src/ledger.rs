//! Which queue ARNs this tool put into an SQS endpoint policy.
//!
//! The record lives in tags on the SQS endpoint itself, one key per
//! environment (`vpcwarden:queue:<environment>`). EC2 writes tags key by key,
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

use vpcwarden_policy::{AllowSpec, Condition, EditError, EditOutcome, Policy};

/// Tag key prefix of ledger entries.
pub const PREFIX: &str = "vpcwarden:queue:";

/// Sid of the statement this tool adds when no existing Allow fits.
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

/// The spec used for every edit: the Celery actions, this tool's Sid, and
/// the conditions a setting names (`None`: the policy's own perimeter).
pub fn spec(condition: Option<&Condition>) -> AllowSpec<'_> {
    AllowSpec {
        actions: CELERY_ACTIONS,
        sid: STATEMENT_SID,
        condition,
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

/// Tag key for an environment.
pub fn key(environment: &str) -> String {
    format!("{PREFIX}{environment}")
}

/// All entries found in a tag list, by environment, sorted for determinism.
pub fn entries(tags: &[(String, String)]) -> Vec<(String, Entry)> {
    let mut out: Vec<(String, Entry)> = tags
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?.to_string(), Entry::parse(v)?)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The policy the ledger implies: every active ARN allowed, every removed ARN
/// (not also active for another environment) taken out. Returns the outcomes
/// that changed something.
pub fn apply(
    policy: &Policy,
    entries: &[(String, Entry)],
    condition: Option<&Condition>,
) -> Result<(Policy, Vec<(String, EditOutcome)>), EditError> {
    let spec = spec(condition);
    let mut p = policy.clone();
    let mut changed = Vec::new();
    let active: Vec<&str> = entries.iter().filter_map(|(_, e)| e.active_arn()).collect();
    for (_, e) in entries {
        let outcomes = match e {
            Entry::Active { arn, .. } => vec![(arn, p.allow_resource(arn, &spec)?)],
            Entry::Removed { arn, .. } if !active.contains(&arn.as_str()) => p
                .remove_resource(arn, Some(STATEMENT_SID))
                .into_iter()
                .map(|o| (arn, o))
                .collect(),
            Entry::Removed { .. } => Vec::new(),
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

    #[test]
    fn entries_round_trip_and_ignore_foreign_tags() {
        let tags = vec![
            ("Name".to_string(), "sqs".to_string()),
            (
                key("b"),
                Entry::Removed {
                    at: 7,
                    arn: A.into(),
                }
                .value(),
            ),
            (key("a"), Entry::claim(A, 9).value()),
            (key("c"), "garbage".to_string()),
            (key("d"), A.to_string()),
        ];
        assert_eq!(
            entries(&tags),
            vec![
                ("a".into(), Entry::claim(A, 9)),
                (
                    "b".into(),
                    Entry::Removed {
                        at: 7,
                        arn: A.into()
                    }
                ),
                (
                    "d".into(),
                    Entry::Active {
                        arn: A.into(),
                        at: None
                    }
                )
            ]
        );
    }

    #[test]
    fn removal_does_not_take_an_arn_another_environment_still_uses() {
        let p = Policy::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["{A}"]}}]}}"#
        ))
        .unwrap();
        let e = vec![
            ("a".into(), Entry::claim(A, 1)),
            (
                "b".into(),
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
}
