//! The scheduled reconciler: every environment as `GetEnvironment` describes
//! it, against every endpoint and queue grant this tool made, in one region.
//! What lost, late or out-of-order events left is healed here.
//!
//! Reads: `ListEnvironments` + `GetEnvironment` per configured account, two
//! `DescribeVpcEndpoints` listings (this tool's tagged endpoints, the region's
//! SQS endpoints). With nothing to heal that is all it does. Each drift is
//! healed by [`converge`], under the same ledger protocol as the events; a
//! cleanup is confirmed by a fresh `GetEnvironment` right before it, so an
//! environment created meanwhile is never taken down.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use tracing::{info, warn};
use vpcwarden_mwaa_event::{Desired, EndpointRole, EnvironmentName, Status};
use vpcwarden_policy::{EditOutcome, Policy};

use crate::converge::converge;
use crate::error::{AwsError, ProvisionError};
use crate::event::from_api;
use crate::ledger::{self, Entry};
use crate::policy_sync::{now_secs, parse_policy};
use crate::port::{Ec2Port, EndpointInfo, EndpointQuery, MwaaPort};
use crate::report::Report;
use crate::settings::Settings;
use crate::tags;

/// `GetEnvironment` calls in flight at once (MWAA's API rate is modest).
const READ_CONCURRENCY: usize = 4;
/// Environments healed at once (each may write its VPC's SQS endpoint policy).
const HEAL_CONCURRENCY: usize = 4;

/// One difference between what an environment needs and what its VPC has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Environment name.
    pub environment: String,
    /// Account that owns it, when known.
    pub account: Option<String>,
    /// Its MWAA status, or `NOT_FOUND`.
    pub status: String,
    /// `missing_endpoint`, `duplicate_endpoint`, `unneeded_endpoint`,
    /// `missing_grant`, `leftover_endpoint`, `leftover_grant`.
    pub kinds: Vec<String>,
    /// What was seen, for a person.
    pub detail: String,
    /// `healed`, `would_heal` (dry run), `skipped: …` or `failed: …`.
    pub action: String,
}

/// An environment waiting for its endpoints longer than the alert threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongPending {
    /// Environment name.
    pub environment: String,
    /// Account.
    pub account: Option<String>,
    /// Seconds since it was created (MWAA fails it at 72 hours).
    pub pending_secs: i64,
}

/// What one reconcile saw and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReconcileReport {
    /// Region.
    pub region: String,
    /// Nothing was changed on purpose.
    pub dry_run: bool,
    /// Accounts read (`own` for the function's own).
    pub accounts: Vec<String>,
    /// Environments listed.
    pub environments: usize,
    /// Environments whose VPC matches what they need.
    pub in_sync: usize,
    /// Differences found, and what was done about each.
    pub drifts: Vec<Drift>,
    /// Environments in `PENDING` longer than the alert threshold.
    pub pending_too_long: Vec<LongPending>,
    /// Things left alone, and why (unknown statuses, accounts not configured).
    pub skipped: Vec<String>,
    /// Failures; the rest of the run went on.
    pub errors: Vec<String>,
    /// What each heal did (the same report an event produces).
    pub heals: Vec<Report>,
}

/// One environment as listed: the account asked and what it needs.
struct Listed {
    account: Option<String>,
    /// Why `GetEnvironment`'s description cannot be acted on (left as it is).
    invalid: Option<String>,
    status: String,
    desired: Desired,
    created_at: Option<i64>,
}

/// Reconciles one region: `ec2` and `mwaa` are that region's clients.
pub async fn reconcile(
    ec2: &impl Ec2Port,
    mwaa: &impl MwaaPort,
    settings: &Settings,
) -> Result<ReconcileReport, AwsError> {
    let accounts: Vec<Option<String>> = if settings.accounts.is_empty() {
        vec![None]
    } else {
        settings.accounts.iter().cloned().map(Some).collect()
    };
    let mut report = ReconcileReport {
        region: settings.region.clone(),
        dry_run: settings.dry_run,
        accounts: accounts
            .iter()
            .map(|a| a.clone().unwrap_or_else(|| "own".into()))
            .collect(),
        ..ReconcileReport::default()
    };

    // 1. What every environment needs. An account that cannot be listed is
    // unknown: nothing of its environments is cleaned up this run.
    let mut listed: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
    let mut unreadable: Vec<Option<String>> = Vec::new();
    for account in &accounts {
        match list_account(mwaa, account.as_deref()).await {
            Ok(found) => {
                for (name, l) in found {
                    listed.entry(name).or_default().push(l);
                }
            }
            Err(e) => {
                warn!(error = %e, "cannot list environments");
                report.errors.push(format!(
                    "account {}: {e}; its environments are left as they are",
                    account.as_deref().unwrap_or("own")
                ));
                unreadable.push(account.clone());
            }
        }
    }
    report.environments = listed.values().map(Vec::len).sum();
    let now = now_secs() as i64;
    for (name, ls) in &listed {
        for l in ls {
            if l.status == Status::Pending.as_str() {
                if let Some(c) = l
                    .created_at
                    .filter(|c| now - c > settings.pending_alert.as_secs() as i64)
                {
                    report.pending_too_long.push(LongPending {
                        environment: name.clone(),
                        account: l.account.clone(),
                        pending_secs: now - c,
                    });
                }
            }
            if let Some(why) = &l.invalid {
                // MWAA describes it in a way this tool cannot act on: a person must look.
                report.errors.push(format!("{name}: {why}"));
            } else if let Desired::Unmanaged { reason, .. } = &l.desired {
                report.skipped.push(format!("{name}: {reason}"));
            }
        }
    }

    // 2. What this tool made: its tagged endpoints and the SQS endpoint ledgers.
    let sqs_service = format!("com.amazonaws.{}.sqs", settings.region);
    let ours_query = EndpointQuery {
        tags: vec![(tags::MANAGED_BY.into(), "vpcwarden".into())],
        ..EndpointQuery::default()
    };
    let sqs_query = EndpointQuery {
        service_name: Some(sqs_service),
        ..EndpointQuery::default()
    };
    let (ours, sqs) = tokio::try_join!(
        ec2.find_endpoints(&ours_query),
        ec2.find_endpoints(&sqs_query)
    )?;

    // Each SQS endpoint's policy read once (an unreadable one grants nothing here;
    // the heal then reports why).
    let policies: Vec<(&EndpointInfo, Policy)> = sqs
        .iter()
        .filter_map(|s| Some((s, parse_policy(s).ok()?)))
        .collect();

    // 3. Compare.
    let mut names: BTreeSet<String> = listed.keys().cloned().collect();
    names.extend(
        ours.iter()
            .filter_map(|e| e.tag(tags::ENVIRONMENT).map(str::to_string)),
    );
    for ep in &sqs {
        names.extend(
            ledger::entries(&ep.tags)
                .into_iter()
                .filter(|(_, e)| e.active_arn().is_some())
                .map(|(env, _)| env),
        );
    }
    let mut work = Vec::new();
    for name in names {
        let mine: Vec<&EndpointInfo> = ours
            .iter()
            .filter(|e| e.tag(tags::ENVIRONMENT) == Some(name.as_str()))
            .collect();
        let grants: Vec<(&EndpointInfo, Entry)> = sqs
            .iter()
            .filter_map(|ep| Some((ep, Entry::parse(ep.tag(&ledger::key(&name))?)?)))
            .collect();
        match listed.get(&name) {
            Some(ls) => {
                let live = ls.iter().find(|l| matches!(l.desired, Desired::Present(_)));
                let gone = ls.iter().find(|l| matches!(l.desired, Desired::Absent(_)));
                if let Some(l) = live {
                    let Desired::Present(p) = &l.desired else {
                        unreachable!()
                    };
                    let kinds = present_drift(p, &mine, &policies, settings);
                    if kinds.is_empty() {
                        report.in_sync += 1;
                    } else {
                        work.push((drift(&name, l, kinds, &mine), l.desired.clone(), false));
                    }
                } else if let Some(l) = gone {
                    let kinds = leftover(&mine, &grants);
                    if kinds.is_empty() {
                        report.in_sync += 1;
                    } else {
                        work.push((drift(&name, l, kinds, &mine), l.desired.clone(), true));
                    }
                }
            }
            None => {
                // Made by this tool, listed in no account: vanished, if every
                // account it may live in was read.
                let kinds = leftover(&mine, &grants);
                if kinds.is_empty() {
                    continue;
                }
                let account = mine
                    .iter()
                    .find_map(|e| e.tag(tags::ACCOUNT))
                    .map(str::to_string);
                let configured = match &account {
                    Some(a) => {
                        accounts.iter().any(|x| x.as_deref() == Some(a.as_str()))
                            || accounts == [None]
                    }
                    None => true,
                };
                let d = Drift {
                    environment: name.clone(),
                    account: account.clone(),
                    status: "NOT_FOUND".into(),
                    kinds,
                    detail: describe(&mine),
                    action: String::new(),
                };
                if !configured {
                    report.drifts.push(Drift {
                        action: format!(
                            "skipped: account {} is not among the accounts read (VPCWARDEN_MWAA_ACCOUNTS)",
                            account.as_deref().unwrap_or_default()
                        ),
                        ..d
                    });
                } else if !unreadable.is_empty() {
                    report.drifts.push(Drift {
                        action: "skipped: an account could not be listed; a vanished environment is only cleaned up when every account was read".into(),
                        ..d
                    });
                } else {
                    let Ok(environment) = EnvironmentName::parse("tag", &name) else {
                        continue;
                    };
                    let desired = Desired::Absent(vpcwarden_mwaa_event::Cleanup {
                        environment,
                        reason: "not listed by ListEnvironments".into(),
                    });
                    work.push((d, desired, true));
                }
            }
        }
    }

    // 4. Heal.
    let accounts = &accounts;
    let healed: Vec<(Drift, Result<Option<Report>, ProvisionError>)> = stream::iter(work)
        .map(|(d, desired, cleanup)| async move {
            let r = heal(ec2, mwaa, &d, &desired, cleanup, accounts, settings).await;
            (d, r)
        })
        .buffer_unordered(HEAL_CONCURRENCY)
        .collect()
        .await;
    for (mut d, r) in healed {
        d.action = match r {
            Ok(Some(rep)) => {
                let a = if settings.dry_run {
                    "would_heal"
                } else {
                    "healed"
                };
                report.heals.push(rep);
                a.into()
            }
            Ok(None) => "skipped: GetEnvironment finds it again; left to the next run".into(),
            Err(e) => {
                report.errors.push(format!("{}: {e}", d.environment));
                format!("failed: {e}")
            }
        };
        info!(environment = %d.environment, kinds = ?d.kinds, action = %d.action, "drift");
        report.drifts.push(d);
    }
    report
        .drifts
        .sort_by(|a, b| a.environment.cmp(&b.environment));
    report
        .heals
        .sort_by(|a, b| a.environment.cmp(&b.environment));
    Ok(report)
}

async fn list_account(
    mwaa: &impl MwaaPort,
    account: Option<&str>,
) -> Result<Vec<(String, Listed)>, AwsError> {
    let names = mwaa.list_environments(account).await?;
    stream::iter(names)
        .map(|name| async move {
            let env = mwaa.get_environment(account, &name).await?;
            // Listed, then gone before the read: deleted.
            let mut invalid = None;
            let (status, desired, created_at) = match env {
                Some(e) => {
                    let status = e
                        .status
                        .as_ref()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default();
                    let desired = e.desired().unwrap_or_else(|err| {
                        invalid = Some(format!("GetEnvironment: {err}; left as it is"));
                        Desired::Unmanaged {
                            environment: Some(name.clone()),
                            reason: err.to_string(),
                        }
                    });
                    (status, desired, e.created_at)
                }
                None => match EnvironmentName::parse("Environments[]", &name) {
                    Ok(environment) => (
                        "NOT_FOUND".into(),
                        Desired::Absent(vpcwarden_mwaa_event::Cleanup {
                            environment,
                            reason: "GetEnvironment does not find it".into(),
                        }),
                        None,
                    ),
                    Err(err) => (
                        "NOT_FOUND".into(),
                        Desired::Unmanaged {
                            environment: Some(name.clone()),
                            reason: err.to_string(),
                        },
                        None,
                    ),
                },
            };
            let listed = Listed {
                account: account.map(str::to_string),
                invalid,
                status,
                desired,
                created_at,
            };
            Ok::<_, AwsError>((name, listed))
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// What a live environment lacks or has too much of.
fn present_drift(
    p: &vpcwarden_mwaa_event::Provision,
    mine: &[&EndpointInfo],
    policies: &[(&EndpointInfo, Policy)],
    settings: &Settings,
) -> Vec<String> {
    let mut kinds = BTreeSet::new();
    let roles: Vec<EndpointRole> = p.services.iter().map(|(r, _)| *r).collect();
    // By role, as the provisioner finds them: an endpoint whose service
    // differs is kept as it is (never recreated on every run).
    for (role, _) in &p.services {
        let n = mine
            .iter()
            .filter(|e| e.tag(tags::ROLE) == Some(role.as_str()))
            .count();
        match n {
            0 => kinds.insert("missing_endpoint"),
            1 => false,
            _ => kinds.insert("duplicate_endpoint"),
        };
    }
    if mine
        .iter()
        .any(|e| !roles.iter().any(|r| e.tag(tags::ROLE) == Some(r.as_str())))
    {
        kinds.insert("unneeded_endpoint");
    }
    // The grant: the SQS endpoint of the VPC the endpoints are in must allow
    // the queue (through this tool's claim or its owner's own statement). A
    // claim the policy does not show yet is a drift too: the policy is a view
    // of the ledger.
    let vpc = mine.first().map(|e| e.vpc_id.as_str());
    let spec = ledger::spec(settings.statement_condition.as_ref());
    let granted = vpc.is_some_and(|vpc| {
        policies
            .iter()
            .filter(|(s, _)| s.vpc_id == vpc)
            .any(|(_, policy)| {
                matches!(
                    policy.clone().allow_resource(p.queue.as_str(), &spec),
                    Ok(EditOutcome::AlreadyCovered { .. })
                )
            })
    });
    if !granted {
        kinds.insert("missing_grant");
    }
    kinds.into_iter().map(str::to_string).collect()
}

/// What a failed, deleted or vanished environment left behind.
fn leftover(mine: &[&EndpointInfo], grants: &[(&EndpointInfo, Entry)]) -> Vec<String> {
    let mut kinds = Vec::new();
    if !mine.is_empty() {
        kinds.push("leftover_endpoint".to_string());
    }
    if grants.iter().any(|(_, e)| e.active_arn().is_some()) {
        kinds.push("leftover_grant".to_string());
    }
    kinds
}

fn describe(mine: &[&EndpointInfo]) -> String {
    if mine.is_empty() {
        return "no endpoint of this tool's".into();
    }
    let list: Vec<String> = mine
        .iter()
        .map(|e| {
            format!(
                "{} ({}, {})",
                e.id,
                e.tag(tags::ROLE).unwrap_or("?"),
                e.vpc_id
            )
        })
        .collect();
    list.join(", ")
}

fn drift(name: &str, l: &Listed, kinds: Vec<String>, mine: &[&EndpointInfo]) -> Drift {
    Drift {
        environment: name.to_string(),
        account: l.account.clone(),
        status: l.status.clone(),
        kinds,
        detail: describe(mine),
        action: String::new(),
    }
}

/// Heals one drift. A cleanup is confirmed first: `None` when the environment
/// turns out to need its endpoints after all.
async fn heal(
    ec2: &impl Ec2Port,
    mwaa: &impl MwaaPort,
    d: &Drift,
    desired: &Desired,
    cleanup: bool,
    accounts: &[Option<String>],
    settings: &Settings,
) -> Result<Option<Report>, ProvisionError> {
    let desired = if cleanup {
        let Some(name) = desired
            .environment()
            .and_then(|n| EnvironmentName::parse("", n).ok())
        else {
            return Ok(None);
        };
        let asked: Vec<Option<&str>> = match &d.account {
            Some(a) => vec![Some(a.as_str())],
            None => accounts.iter().map(|a| a.as_deref()).collect(),
        };
        let mut fresh = desired.clone();
        for account in asked {
            let now = from_api(mwaa, account, &name).await?;
            if !matches!(now, Desired::Absent(_)) {
                return Ok(None);
            }
            fresh = now;
        }
        fresh
    } else {
        desired.clone()
    };
    // Converge also removes endpoints of roles a live environment no longer needs.
    let mut report = converge(ec2, &desired, settings).await?;
    report.decided_from = "get_environment".into();
    Ok(Some(report))
}
