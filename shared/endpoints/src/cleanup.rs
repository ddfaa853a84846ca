//! An environment that will not use its endpoints again (failed, deleting,
//! deleted, not found): delete them and take back exactly the queue ARN this tool added.

use tracing::info;
use vpcwarden_mwaa_event::Cleanup;
use vpcwarden_policy::diff;

use crate::error::ProvisionError;
use crate::identity::EnvKey;
use crate::ledger::{self, Entry, Owner};
use crate::legacy;
use crate::policy_sync::{derive, parse_policy, sync_policy, Derived};
use crate::port::{Ec2Port, EndpointInfo, EndpointQuery};
use crate::report::{EndpointRecord, PolicyReport, Report};
use crate::settings::Settings;
use crate::tags;

/// One SQS endpoint that records the environment's queue.
struct Recorded<'a> {
    ep: &'a EndpointInfo,
    /// Its entry under the environment's key.
    entry: Option<Entry>,
    /// A name-only entry of an earlier release that is the environment's: (key, value).
    legacy: Option<(String, String)>,
}

impl Recorded<'_> {
    /// The queue ARN the environment still holds here (claimed, not yet removed).
    fn active(&self) -> Option<String> {
        let legacy = self.legacy.as_ref().and_then(|(_, v)| Entry::parse(v));
        self.entry
            .iter()
            .chain(legacy.iter())
            .find_map(|e| e.active_arn().map(str::to_string))
    }
}

/// Removes what this tool made for the environment. Its description may carry
/// no network configuration, so everything is found by the tags this tool
/// wrote for its account and name. Records of earlier releases (name only)
/// are taken as its own only where no other account runs an environment of
/// that name; otherwise nothing is changed and the error names the accounts.
pub async fn cleanup(
    ec2: &impl Ec2Port,
    req: &Cleanup,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    let id = EnvKey::new(req.account.as_deref(), &settings.region, &req.environment)?;
    let name = id.name().to_string();
    let named_query = EndpointQuery {
        tags: vec![
            (tags::MANAGED_BY.into(), "vpcwarden".into()),
            (tags::ENVIRONMENT.into(), name.clone()),
        ],
        ..EndpointQuery::default()
    };
    let sqs_query = EndpointQuery {
        service_name: Some(format!("com.amazonaws.{}.sqs", settings.region)),
        ..EndpointQuery::default()
    };
    let (named, sqs_all) = tokio::try_join!(
        ec2.find_endpoints(&named_query),
        ec2.find_endpoints(&sqs_query)
    )?;
    let known = legacy::accounts_named(&name, &[named.as_slice(), sqs_all.as_slice()].concat());

    // Everything decided before the first change.
    let mut endpoints: Vec<&EndpointInfo> = named.iter().filter(|e| tags::is_for(e, &id)).collect();
    let legacy_eps: Vec<&EndpointInfo> = named
        .iter()
        .filter(|e| tags::is_legacy_for(e, &name))
        .collect();
    if let Some(first) = legacy_eps.first() {
        legacy::is_mine(&id, &known, &first.id)?;
        endpoints.extend(legacy_eps);
    }
    let key = ledger::key(&id);
    let old_key = ledger::legacy_key(&name);
    let mut sqs = Vec::new();
    for ep in &sqs_all {
        let entry = ep.tag(&key).and_then(Entry::parse);
        let legacy = match ep.tag(&old_key).and_then(|v| Some((v, Entry::parse(v)?))) {
            None => None,
            Some((value, old)) => {
                // The same queue recorded under a full identity says whose it is.
                let owner = ledger::entries(&ep.tags)
                    .into_iter()
                    .find_map(|(o, e)| match o {
                        Owner::Env(other) if e.arn() == old.arn() => Some(other),
                        _ => None,
                    });
                match owner {
                    Some(o) if o != id => None,
                    Some(_) => Some((old_key.clone(), value.to_string())),
                    None => {
                        legacy::is_mine(&id, &known, &format!("{} on {}", old_key, ep.id))?;
                        Some((old_key.clone(), value.to_string()))
                    }
                }
            }
        };
        if entry.is_some() || legacy.is_some() {
            sqs.push(Recorded { ep, entry, legacy });
        }
    }

    let mut report = Report {
        environment: Some(name.clone()),
        account: Some(id.account.clone()),
        action: "cleanup".into(),
        dry_run: settings.dry_run,
        vpc_id: endpoints
            .first()
            .map(|e| e.vpc_id.clone())
            .or_else(|| sqs.first().map(|r| r.ep.vpc_id.clone())),
        ..Report::default()
    };
    report.deleted = endpoints.iter().map(|e| EndpointRecord::of(e)).collect();
    if endpoints.is_empty() {
        report
            .skipped
            .push(format!("no endpoint tagged for environment {id}"));
    }
    if sqs.is_empty() {
        report.skipped.push(format!(
            "no SQS endpoint policy records a queue for environment {id}"
        ));
    }

    if settings.dry_run {
        for r in &sqs {
            let policy = parse_policy(r.ep)?;
            // The ledger as the cleanup leaves it: the environment's record (and
            // an earlier release's that is its) replaced by one removal.
            let (mine, old) = (Owner::Env(id.clone()), Owner::Legacy(name.clone()));
            let mut entries = ledger::entries(&r.ep.tags);
            entries.retain(|(o, _)| *o != mine && !(r.legacy.is_some() && *o == old));
            let queue = r.active();
            if let Some(arn) = &queue {
                entries.push((
                    Owner::Env(id.clone()),
                    Entry::Removed {
                        at: settings.clock.now_secs(),
                        arn: arn.clone(),
                    },
                ));
            }
            let Derived {
                policy: after,
                outcomes,
                ..
            } = derive(r.ep, &policy, &entries, settings)?;
            report.policies.push(PolicyReport {
                endpoint_id: r.ep.id.clone(),
                queue_arn: queue.unwrap_or_default(),
                decision: "released".into(),
                outcomes,
                changes: diff(&policy, &after),
                writes: 0,
                attempts: 0,
            });
        }
        return Ok(report);
    }

    let ids: Vec<String> = endpoints.iter().map(|e| e.id.clone()).collect();
    ec2.delete_endpoints(&ids).await?;
    info!(count = ids.len(), "deleted endpoints");
    for r in &sqs {
        let queue = r.active();
        // Tombstone first: from now on every writer's view drops the ARN.
        if let Some(arn) = &queue {
            let tomb = Entry::Removed {
                at: settings.clock.now_secs(),
                arn: arn.clone(),
            };
            ec2.put_tags(&r.ep.id, &[(key.clone(), tomb.value())])
                .await?;
        } else if let (None, Some((_, value))) = (&r.entry, &r.legacy) {
            // An earlier release's tombstone, kept under the full identity.
            ec2.put_tags(&r.ep.id, &[(key.clone(), value.clone())])
                .await?;
        }
        // Rewritten under the full identity: the name-only key goes.
        if let Some((old, value)) = &r.legacy {
            ec2.delete_tag_if(&r.ep.id, old, value).await?;
        }
        let done = sync_policy(ec2, &r.ep.id, settings, None).await?;
        report.policies.push(PolicyReport {
            endpoint_id: r.ep.id.clone(),
            queue_arn: queue.unwrap_or_default(),
            decision: "released".into(),
            outcomes: done.outcomes,
            changes: diff(&done.before, &done.after),
            writes: done.writes,
            attempts: done.attempts,
        });
    }
    Ok(report)
}
