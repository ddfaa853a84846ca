//! Read-modify-write-verify of an SQS endpoint policy against the ledger.

use std::time::Duration;

use rand::Rng;
use tracing::{debug, info};
use vpcwarden_policy::{EditOutcome, Policy};

use crate::error::ProvisionError;
use crate::ledger::{self, Entry, Owner};
use crate::port::{Ec2Port, EndpointInfo};
use crate::settings::Settings;

/// AWS gives every endpoint a policy; this is its default when none is shown.
pub(crate) const DEFAULT_POLICY: &str =
    r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

pub(crate) struct Converged {
    pub before: Policy,
    pub after: Policy,
    pub outcomes: Vec<(String, EditOutcome)>,
    pub writes: u32,
    pub attempts: u32,
}

pub(crate) fn parse_policy(ep: &EndpointInfo) -> Result<Policy, ProvisionError> {
    Policy::parse(ep.policy.as_deref().unwrap_or(DEFAULT_POLICY)).map_err(|source| {
        ProvisionError::PolicyUnreadable {
            endpoint_id: ep.id.clone(),
            source,
        }
    })
}

/// Serialises like the stored text: pretty if the owner wrote it pretty.
pub(crate) fn render(policy: &Policy, like: Option<&str>) -> String {
    if like.is_some_and(|t| t.contains('\n')) {
        policy.to_json_pretty()
    } else {
        policy.to_json()
    }
}

/// A policy derived from the ledger.
pub(crate) struct Derived {
    pub policy: Policy,
    /// Edits that changed something (empty: the policy already matches).
    pub outcomes: Vec<(String, EditOutcome)>,
    /// The text to store.
    pub text: String,
}

/// The ledger applied to a policy, with the size limit checked.
pub(crate) fn derive(
    ep: &EndpointInfo,
    policy: &Policy,
    entries: &[(Owner, Entry)],
    settings: &Settings,
) -> Result<Derived, ProvisionError> {
    let (after, outcomes) = ledger::apply(policy, entries, settings.statement_condition.as_ref())
        .map_err(|source| ProvisionError::PolicyEdit {
        endpoint_id: ep.id.clone(),
        source,
    })?;
    let text = render(&after, ep.policy.as_deref());
    let chars = text.chars().count();
    if !outcomes.is_empty() && chars > settings.max_policy_chars {
        return Err(ProvisionError::PolicyTooLarge {
            endpoint_id: ep.id.clone(),
            chars,
            limit: settings.max_policy_chars,
        });
    }
    Ok(Derived {
        policy: after,
        outcomes,
        text,
    })
}

/// Makes the endpoint's policy match its ledger, tolerating concurrent writers:
/// read → derive → read again → write if different → wait (settle + jitter)
/// → read again, until a read finds nothing to change. `fresh` is a read of
/// the endpoint the caller made after its own ledger write; it stands in for
/// the first read.
///
/// `ModifyVpcEndpoint` replaces the whole policy and has no condition, so
/// other editors win this way: the policy is read again right before each
/// write, and if anyone changed it since the read the edit was derived from,
/// the edit starts over from the new text (bounded by
/// `max_policy_attempts`). A change landing inside that last round trip can
/// still be overwritten; EC2 offers nothing narrower.
pub(crate) async fn sync_policy(
    ec2: &impl Ec2Port,
    endpoint_id: &str,
    settings: &Settings,
    mut fresh: Option<EndpointInfo>,
) -> Result<Converged, ProvisionError> {
    let mut before = None;
    let mut outcomes = Vec::new();
    let mut writes = 0;
    let read = || async {
        ec2.get_endpoint(endpoint_id)
            .await?
            .ok_or_else(|| ProvisionError::SqsEndpointGone(endpoint_id.to_string()))
    };
    for attempt in 1..=settings.max_policy_attempts {
        let ep = match fresh.take() {
            Some(ep) => ep,
            None => read().await?,
        };
        let policy = parse_policy(&ep)?;
        let before = before.get_or_insert_with(|| policy.clone());
        let entries = ledger::entries(&ep.tags);
        let Derived {
            outcomes: changed,
            text,
            ..
        } = derive(&ep, &policy, &entries, settings)?;
        if changed.is_empty() {
            debug!(endpoint_id, attempt, writes, "policy matches the ledger");
            collect_tombstones(ec2, &ep, &entries, settings).await?;
            return Ok(Converged {
                before: before.clone(),
                after: policy,
                outcomes,
                writes,
                attempts: attempt,
            });
        }
        let now = read().await?;
        if now.policy != ep.policy {
            info!(
                endpoint_id,
                attempt,
                "the policy changed since it was read; the edit starts over from the new text"
            );
            fresh = Some(now);
            // Concurrent writers of this tool meet here too: spread them apart.
            let ms = settings.settle.as_millis() as u64 / 2;
            if ms > 0 {
                let wait = rand::rng().random_range(0..=ms);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            continue;
        }
        info!(
            endpoint_id,
            attempt,
            edits = changed.len(),
            "writing SQS endpoint policy"
        );
        ec2.put_policy(endpoint_id, &text).await?;
        writes += 1;
        outcomes.extend(changed);
        let ms = settings.settle.as_millis() as u64;
        let jitter = if ms == 0 {
            0
        } else {
            rand::rng().random_range(0..=ms)
        };
        tokio::time::sleep(Duration::from_millis(ms + jitter)).await;
    }
    Err(ProvisionError::NotConverged {
        endpoint_id: endpoint_id.to_string(),
        attempts: settings.max_policy_attempts,
    })
}

/// Drops removal records old enough that no writer can still hold a copy of
/// the policy from before the removal. Conditional on the value, so a record
/// rewritten meanwhile (the environment came back) stays.
async fn collect_tombstones(
    ec2: &impl Ec2Port,
    ep: &EndpointInfo,
    entries: &[(Owner, Entry)],
    settings: &Settings,
) -> Result<(), ProvisionError> {
    let cutoff = settings
        .clock
        .now_secs()
        .saturating_sub(settings.tombstone_ttl.as_secs());
    for (owner, entry) in entries {
        if let Entry::Removed { at, .. } = entry {
            if *at < cutoff {
                ec2.delete_tag_if(&ep.id, &ledger::owner_key(owner), &entry.value())
                    .await?;
            }
        }
    }
    Ok(())
}
