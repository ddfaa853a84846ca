//! Records written by earlier releases, which knew environments by name
//! only: the ledger key `vpcwarden:queue:<name>` and endpoints without the
//! `vpcwarden:account` tag. Each is read as the environment's whose it
//! provably is, and rewritten under the full identity on the next touch;
//! one that environments of several accounts could claim is refused.

use std::collections::BTreeSet;

use vpcwarden_mwaa_event::Provision;

use crate::error::ProvisionError;
use crate::identity::EnvKey;
use crate::ledger::{self, Owner};
use crate::port::EndpointInfo;
use crate::tags;

/// An endpoint an earlier release made for `p`'s name, to one of `p`'s
/// services (`service`, or any when `None`): provably `p`'s, since every
/// environment has services of its own.
pub(crate) fn endpoint_is(e: &EndpointInfo, p: &Provision, service: Option<&str>) -> bool {
    tags::is_legacy_for(e, p.environment.as_str())
        && match service {
            Some(s) => e.service_name == s,
            None => p.services.iter().any(|(_, s)| s.as_str() == e.service_name),
        }
}

/// The name-only ledger entry on `sqs` that records `p`'s queue (every
/// environment has its own), as (key, value): provably `p`'s.
pub(crate) fn entry_of(sqs: &EndpointInfo, p: &Provision) -> Option<(String, String)> {
    let key = ledger::legacy_key(p.environment.as_str());
    let value = sqs
        .tag(&key)
        .filter(|v| ledger::Entry::parse(v).is_some_and(|e| e.arn() == p.queue.as_str()))?;
    Some((key.clone(), value.to_string()))
}

/// Accounts that, by this tool's own records in the region (endpoint tags,
/// ledger keys), run an environment named `name`.
pub(crate) fn accounts_named(name: &str, endpoints: &[EndpointInfo]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in endpoints {
        if tags::is_ours(e) && e.tag(tags::ENVIRONMENT) == Some(name) {
            out.extend(e.tag(tags::ACCOUNT).map(str::to_string));
        }
        for (owner, _) in ledger::entries(&e.tags) {
            if let Owner::Env(id) = owner {
                if id.name() == name {
                    out.insert(id.account);
                }
            }
        }
    }
    out
}

/// Whether a name-only record (`record`, for messages) of `id`'s name is
/// `id`'s, when nothing in the record itself tells (a cleanup knows no queue
/// or service): `id`'s if no other account is known to run an environment
/// of that name here; otherwise both could claim it, and it is an error
/// naming them (nothing is changed).
pub(crate) fn is_mine(
    id: &EnvKey,
    known: &BTreeSet<String>,
    record: &str,
) -> Result<(), ProvisionError> {
    if known.iter().all(|a| *a == id.account) {
        return Ok(());
    }
    let mut accounts: BTreeSet<String> = known.clone();
    accounts.insert(id.account.clone());
    Err(ProvisionError::AmbiguousRecord {
        name: id.name().to_string(),
        record: record.to_string(),
        accounts: accounts.into_iter().collect(),
    })
}
