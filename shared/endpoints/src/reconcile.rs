//! The scheduled reconciler: every environment as `GetEnvironment` describes
//! it, against every endpoint and queue grant this tool made, in one region.
//! What lost, late or out-of-order events left is healed here.
//!
//! Reads: `ListEnvironments` + `GetEnvironment` per configured account, one
//! `DescribeVpcEndpoints` listing of the region's live endpoints (this
//! tool's, the SQS endpoints and their ledgers, and endpoints the VPC owner
//! made to an environment's services). With nothing to heal that is all it
//! does. Environments are known by (account, region, name): two accounts'
//! `prod` in one shared VPC are two environments. Each converges on its own:
//! one whose `GetEnvironment` fails is reported and left as it is, and every
//! other readable one still converges. Only the cleanup of an environment no
//! longer listed needs its account's complete listing. Each drift is
//! healed by [`converge`], under the same ledger protocol as the events; a
//! cleanup is confirmed by a fresh `GetEnvironment` right before it, so an
//! environment created meanwhile is never taken down.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt};
use serde::Serialize;
use tracing::{info, warn};
use vpcwarden_mwaa_event::{Desired, EndpointRole, EnvironmentName, Status};
use vpcwarden_policy::Policy;

use crate::converge::converge;
use crate::error::{AwsError, ProvisionError};
use crate::event::from_api;
use crate::identity::EnvKey;
use crate::ledger::{self, Entry, Owner};
use crate::legacy;
use crate::policy_sync::parse_policy;
use crate::port::{Ec2Port, EndpointInfo, EndpointQuery, MwaaPort};
use crate::report::Report;
use crate::settings::Settings;
use crate::tags;

/// `GetEnvironment` calls in flight at once (MWAA's API rate is modest).
const READ_CONCURRENCY: usize = 4;
/// Environments healed at once (each may write its VPC's SQS endpoint policy).
const HEAL_CONCURRENCY: usize = 4;

/// What differs between an environment's needs and its VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A role's endpoint is not there.
    MissingEndpoint,
    /// A role has more than one endpoint of this tool's.
    DuplicateEndpoint,
    /// An endpoint of a role the environment no longer needs.
    UnneededEndpoint,
    /// The VPC's SQS endpoint policy does not allow the queue.
    MissingGrant,
    /// The policy does not yet show the ledger's record.
    GrantOutOfDate,
    /// Written by an earlier release without the account: rewritten by the heal.
    LegacyRecord,
    /// An endpoint left by a failed, deleted or vanished environment.
    LeftoverEndpoint,
    /// A grant left by a failed, deleted or vanished environment.
    LeftoverGrant,
}

impl DriftKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::MissingEndpoint => "missing_endpoint",
            DriftKind::DuplicateEndpoint => "duplicate_endpoint",
            DriftKind::UnneededEndpoint => "unneeded_endpoint",
            DriftKind::MissingGrant => "missing_grant",
            DriftKind::GrantOutOfDate => "grant_out_of_date",
            DriftKind::LegacyRecord => "legacy_record",
            DriftKind::LeftoverEndpoint => "leftover_endpoint",
            DriftKind::LeftoverGrant => "leftover_grant",
        }
    }
}

impl PartialEq<&str> for DriftKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What the reconciler did about a drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftAction {
    /// Found, not yet acted on.
    Pending,
    /// Healed (converged, or cleaned up).
    Healed,
    /// Dry run: would have healed.
    WouldHeal,
    /// Left alone, and why.
    Skipped(String),
    /// The heal failed, and how.
    Failed(String),
}

impl std::fmt::Display for DriftAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DriftAction::Pending => f.write_str("pending"),
            DriftAction::Healed => f.write_str("healed"),
            DriftAction::WouldHeal => f.write_str("would_heal"),
            DriftAction::Skipped(why) => write!(f, "skipped: {why}"),
            DriftAction::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// As JSON: `healed`, `would_heal`, `skipped: …`, `failed: …` (one string, as before).
impl Serialize for DriftAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<&str> for DriftAction {
    fn eq(&self, other: &&str) -> bool {
        match self {
            DriftAction::Pending => *other == "pending",
            DriftAction::Healed => *other == "healed",
            DriftAction::WouldHeal => *other == "would_heal",
            DriftAction::Skipped(why) => other.strip_prefix("skipped: ") == Some(why.as_str()),
            DriftAction::Failed(why) => other.strip_prefix("failed: ") == Some(why.as_str()),
        }
    }
}

/// One difference between what an environment needs and what its VPC has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Environment name.
    pub environment: String,
    /// Account that owns it, when known.
    pub account: Option<String>,
    /// Its MWAA status, or `NOT_FOUND`.
    pub status: String,
    /// What differs (sorted).
    pub kinds: Vec<DriftKind>,
    /// What was seen, for a person.
    pub detail: String,
    /// What was done about it.
    pub action: DriftAction,
}

/// How full one SQS endpoint's ledger is (EC2 allows 50 tags per resource).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerUse {
    /// The SQS endpoint.
    pub endpoint_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Tags on it, the ledger's and the owner's.
    pub tags: usize,
    /// Ledger entries among them (environments and tombstones).
    pub entries: usize,
    /// EC2's limit.
    pub max: usize,
}

/// An endpoint someone else made that serves an environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct External {
    /// Environment name.
    pub environment: String,
    /// Its account.
    pub account: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// `database` or `webserver`.
    pub role: String,
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
    /// Endpoints to environments' services that someone else made (they
    /// serve the environment; this tool never changes or deletes them).
    pub external: Vec<External>,
    /// Each SQS endpoint's ledger: how many of its 50 tags are used (a claim
    /// past the last fails; the `LedgerTagsUsed` metric's alarm warns first).
    pub ledgers: Vec<LedgerUse>,
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

/// One environment as listed: what it needs.
struct Listed {
    /// Why `GetEnvironment`'s description cannot be acted on (left as it is).
    invalid: Option<String>,
    status: String,
    desired: Desired,
    created_at: Option<i64>,
}

/// What one account's listing gave.
struct AccountRead {
    /// The environments read, by identity.
    envs: Vec<(EnvKey, Listed)>,
    /// Listed, but `GetEnvironment` failed: (name, why). Left as they are.
    failed: Vec<(String, AwsError)>,
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
    // unknown: none of its vanished environments is cleaned up this run. An
    // environment that cannot be read is left as it is; the others go on.
    let mut listed: BTreeMap<EnvKey, Listed> = BTreeMap::new();
    let mut complete: BTreeSet<String> = BTreeSet::new();
    let mut failed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut configured: BTreeSet<String> = BTreeSet::new();
    for account in &accounts {
        let label = account.as_deref().unwrap_or("own").to_string();
        let read = async {
            let id = match account {
                Some(a) => a.clone(),
                None => mwaa.own_account().await?,
            };
            let read = list_account(mwaa, account.as_deref(), &id, &settings.region).await;
            Ok::<_, AwsError>((id, read))
        };
        match read.await {
            Ok((id, Ok(read))) => {
                configured.insert(id.clone());
                complete.insert(id.clone());
                for (name, e) in read.failed {
                    warn!(account = %id, environment = %name, error = %e, "cannot read environment");
                    report.errors.push(format!(
                        "{id}/{}/{name}: {e}; left as it is this run (the account's other environments still converge)",
                        settings.region
                    ));
                    failed.insert((id.clone(), name));
                }
                listed.extend(read.envs);
            }
            Ok((id, Err(e))) => {
                configured.insert(id);
                warn!(error = %e, "cannot list environments");
                report.errors.push(format!(
                    "account {label}: {e}; its environments are left as they are"
                ));
            }
            Err(e) => {
                warn!(error = %e, "cannot list environments");
                report.errors.push(format!(
                    "account {label}: {e}; its environments are left as they are"
                ));
            }
        }
    }
    report.environments = listed.len() + failed.len();
    let now = settings.clock.now_secs() as i64;
    for (id, l) in &listed {
        if l.status == Status::Pending.as_str() {
            if let Some(c) = l
                .created_at
                .filter(|c| now - c > settings.pending_alert.as_secs() as i64)
            {
                report.pending_too_long.push(LongPending {
                    environment: id.name().to_string(),
                    account: Some(id.account.clone()),
                    pending_secs: now - c,
                });
            }
        }
        if let Some(why) = &l.invalid {
            // MWAA describes it in a way this tool cannot act on: a person must look.
            report.errors.push(format!("{id}: {why}"));
        } else if let Desired::Unmanaged { reason, .. } = &l.desired {
            report.skipped.push(format!("{id}: {reason}"));
        }
    }

    // 2. One listing of the region's live endpoints: this tool's, the SQS
    // endpoints with their ledgers, and the VPC owners' own.
    let all = ec2.find_endpoints(&EndpointQuery::default()).await?;
    let sqs_service = format!("com.amazonaws.{}.sqs", settings.region);
    let ours: Vec<&EndpointInfo> = all.iter().filter(|e| tags::is_ours(e)).collect();
    let sqs: Vec<&EndpointInfo> = all
        .iter()
        .filter(|e| e.service_name == sqs_service)
        .collect();
    report.ledgers = sqs
        .iter()
        .map(|s| LedgerUse {
            endpoint_id: s.id.clone(),
            vpc_id: s.vpc_id.clone(),
            tags: s.tags.len(),
            entries: ledger::entries(&s.tags).len(),
            max: ledger::MAX_TAGS,
        })
        .collect();
    // Each SQS endpoint's policy read once (an unreadable one grants nothing
    // here; the heal then reports why), and the ARNs whose grant the policy
    // does not show as its ledger records it.
    let policies: Vec<(&EndpointInfo, Policy)> = sqs
        .iter()
        .filter_map(|s| Some((*s, parse_policy(s).ok()?)))
        .collect();
    let out_of_date: BTreeSet<String> = policies
        .iter()
        .filter_map(|(s, p)| {
            ledger::apply(
                p,
                &ledger::entries(&s.tags),
                settings.statement_condition.as_ref(),
            )
            .ok()
        })
        .flat_map(|(_, changed)| changed.into_iter().map(|(arn, _)| arn))
        .collect();

    // 3. Compare, environment by environment.
    let mut ids: BTreeSet<EnvKey> = listed.keys().cloned().collect();
    for e in &ours {
        if let (Some(account), Some(name)) = (e.tag(tags::ACCOUNT), e.tag(tags::ENVIRONMENT)) {
            if let Ok(name) = EnvironmentName::parse("tag", name) {
                ids.insert(EnvKey {
                    account: account.to_string(),
                    region: settings.region.clone(),
                    name,
                });
            }
        }
    }
    for ep in &sqs {
        ids.extend(
            ledger::entries(&ep.tags)
                .into_iter()
                .filter_map(|(o, e)| match o {
                    Owner::Env(id) if e.active_arn().is_some() && id.region == settings.region => {
                        Some(id)
                    }
                    _ => None,
                }),
        );
    }
    let mut work = Vec::new();
    let mut claimed_legacy: BTreeSet<String> = BTreeSet::new();
    for id in ids {
        if failed.contains(&(id.account.clone(), id.name().to_string())) {
            continue;
        }
        let mine: Vec<&EndpointInfo> = ours
            .iter()
            .copied()
            .filter(|e| tags::is_for(e, &id))
            .collect();
        let grants: Vec<Entry> = sqs
            .iter()
            .filter_map(|ep| Entry::parse(ep.tag(&ledger::key(&id))?))
            .collect();
        match listed.get(&id) {
            Some(l) => match &l.desired {
                Desired::Present(p) => {
                    let legacy = legacy_of(p, &ours, &sqs);
                    claimed_legacy.extend(legacy.iter().cloned());
                    let (kinds, external) = present_drift(
                        p,
                        &id,
                        &mine,
                        &legacy,
                        &all,
                        &policies,
                        &out_of_date,
                        settings,
                    );
                    report.external.extend(external);
                    if kinds.is_empty() {
                        report.in_sync += 1;
                    } else {
                        work.push((drift(&id, l, kinds, &mine), l.desired.clone(), false));
                    }
                }
                Desired::Absent(_) => {
                    let kinds = leftover(&mine, &grants);
                    if kinds.is_empty() {
                        report.in_sync += 1;
                    } else {
                        work.push((drift(&id, l, kinds, &mine), l.desired.clone(), true));
                    }
                }
                Desired::Unmanaged { .. } => {}
            },
            None => {
                // Made by this tool, listed in no account: vanished, if its
                // account was listed completely.
                let kinds = leftover(&mine, &grants);
                if kinds.is_empty() {
                    continue;
                }
                let d = Drift {
                    environment: id.name().to_string(),
                    account: Some(id.account.clone()),
                    status: "NOT_FOUND".into(),
                    kinds,
                    detail: describe(&mine),
                    action: DriftAction::Pending,
                };
                if !configured.contains(&id.account) {
                    report.drifts.push(Drift {
                        action: DriftAction::Skipped(format!(
                            "account {} is not among the accounts read (VPCWARDEN_MWAA_ACCOUNTS)",
                            id.account
                        )),
                        ..d
                    });
                } else if !complete.contains(&id.account) {
                    report.drifts.push(Drift {
                        action: DriftAction::Skipped(format!("account {} could not be listed; a vanished environment is only cleaned up when its account was read", id.account)),
                        ..d
                    });
                } else {
                    let desired = Desired::Absent(vpcwarden_mwaa_event::Cleanup {
                        environment: id.name.clone(),
                        account: Some(id.account.clone()),
                        reason: "not listed by ListEnvironments".into(),
                    });
                    work.push((d, desired, true));
                }
            }
        }
    }
    // Name-only records of earlier releases that no listed environment
    // claims: a person must say whose they are (or the environment's next
    // event does).
    for (name, record) in legacy_records(&ours, &sqs) {
        if claimed_legacy.contains(&record) {
            continue;
        }
        report.drifts.push(Drift {
            environment: name,
            account: None,
            status: "UNKNOWN".into(),
            kinds: vec![DriftKind::LegacyRecord],
            detail: record,
            action: DriftAction::Skipped("written by an earlier release without the account, and no listed environment's queue or service matches it; the environment's next event (which names its account) rewrites or removes it".into()),
        });
    }

    // 4. Heal.
    let healed: Vec<(Drift, Result<Option<Report>, ProvisionError>)> = stream::iter(work)
        .map(|(d, desired, cleanup)| async move {
            let r = heal(ec2, mwaa, &desired, cleanup, settings).await;
            (d, r)
        })
        .buffer_unordered(HEAL_CONCURRENCY)
        .collect()
        .await;
    for (mut d, r) in healed {
        d.action = match r {
            Ok(Some(rep)) => {
                report.heals.push(rep);
                if settings.dry_run {
                    DriftAction::WouldHeal
                } else {
                    DriftAction::Healed
                }
            }
            Ok(None) => {
                DriftAction::Skipped("GetEnvironment finds it again; left to the next run".into())
            }
            Err(e) => {
                report.errors.push(format!(
                    "{}/{}/{}: {e}",
                    d.account.as_deref().unwrap_or("?"),
                    settings.region,
                    d.environment
                ));
                DriftAction::Failed(e.to_string())
            }
        };
        info!(environment = %d.environment, account = ?d.account, kinds = ?d.kinds, action = %d.action, "drift");
        report.drifts.push(d);
    }
    report
        .drifts
        .sort_by(|a, b| (&a.environment, &a.account).cmp(&(&b.environment, &b.account)));
    report
        .heals
        .sort_by(|a, b| (&a.environment, &a.account).cmp(&(&b.environment, &b.account)));
    Ok(report)
}

/// Lists one account's environments and reads each (a few at a time). Only
/// `ListEnvironments` failing fails the account; a failed `GetEnvironment`
/// is that environment's alone.
async fn list_account(
    mwaa: &impl MwaaPort,
    account: Option<&str>,
    account_id: &str,
    region: &str,
) -> Result<AccountRead, AwsError> {
    let names = mwaa.list_environments(account).await?;
    let reads: Vec<(
        String,
        Result<Option<vpcwarden_mwaa_event::Environment>, AwsError>,
    )> = stream::iter(names)
        .map(|name| async move {
            let env = mwaa.get_environment(account, &name).await;
            (name, env)
        })
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    let mut out = AccountRead {
        envs: Vec::new(),
        failed: Vec::new(),
    };
    for (name, env) in reads {
        let env = match env {
            Ok(env) => env,
            Err(e) => {
                out.failed.push((name, e));
                continue;
            }
        };
        let Ok(parsed) = EnvironmentName::parse("Environments[]", &name) else {
            continue;
        };
        let id = EnvKey {
            account: account_id.to_string(),
            region: region.to_string(),
            name: parsed.clone(),
        };
        // Listed, then gone before the read: deleted.
        let mut invalid = None;
        let (status, mut desired, created_at) = match env {
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
            None => (
                "NOT_FOUND".into(),
                Desired::Absent(vpcwarden_mwaa_event::Cleanup {
                    environment: parsed,
                    account: None,
                    reason: "GetEnvironment does not find it".into(),
                }),
                None,
            ),
        };
        // The account asked is the environment's, whatever its ARN says or lacks.
        match &mut desired {
            Desired::Present(p) => p.account = Some(account_id.to_string()),
            Desired::Absent(c) => c.account = Some(account_id.to_string()),
            Desired::Unmanaged { .. } => {}
        }
        out.envs.push((
            id,
            Listed {
                invalid,
                status,
                desired,
                created_at,
            },
        ));
    }
    Ok(out)
}

/// Name-only records of earlier releases that are provably `p`'s: endpoints
/// to its services, ledger entries of its queue. As `legacy_records` names them.
fn legacy_of(
    p: &vpcwarden_mwaa_event::Provision,
    ours: &[&EndpointInfo],
    sqs: &[&EndpointInfo],
) -> Vec<String> {
    let mut out: Vec<String> = ours
        .iter()
        .filter(|e| legacy::endpoint_is(e, p, None))
        .map(|e| e.id.clone())
        .collect();
    out.extend(
        sqs.iter()
            .filter_map(|ep| Some(format!("{} on {}", legacy::entry_of(ep, p)?.0, ep.id))),
    );
    out
}

/// Every name-only record in the region: (environment name, record).
fn legacy_records(ours: &[&EndpointInfo], sqs: &[&EndpointInfo]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ours
        .iter()
        .filter(|e| e.tag(tags::ACCOUNT).is_none())
        .filter_map(|e| Some((e.tag(tags::ENVIRONMENT)?.to_string(), e.id.clone())))
        .collect();
    for ep in sqs {
        for (owner, _) in ledger::entries(&ep.tags) {
            if let Owner::Legacy(name) = owner {
                let record = format!("{} on {}", ledger::legacy_key(&name), ep.id);
                out.push((name, record));
            }
        }
    }
    out
}

/// What a live environment lacks or has too much of, and the endpoints
/// others made that serve it.
#[allow(clippy::too_many_arguments)]
fn present_drift(
    p: &vpcwarden_mwaa_event::Provision,
    id: &EnvKey,
    mine: &[&EndpointInfo],
    legacy: &[String],
    all: &[EndpointInfo],
    policies: &[(&EndpointInfo, Policy)],
    out_of_date: &BTreeSet<String>,
    settings: &Settings,
) -> (Vec<DriftKind>, Vec<External>) {
    let mut kinds = BTreeSet::new();
    let mut external = Vec::new();
    let roles: Vec<EndpointRole> = p.services.iter().map(|(r, _)| *r).collect();
    // The VPC, from the environment's subnets as its endpoints show them.
    let mut vpc = mine.first().map(|e| e.vpc_id.clone());
    // By role, as the provisioner finds them: an endpoint whose service
    // differs is kept as it is (never recreated on every run).
    for (role, service) in &p.services {
        let n = mine
            .iter()
            .filter(|e| e.tag(tags::ROLE) == Some(role.as_str()))
            .count()
            + all
                .iter()
                .filter(|e| legacy.contains(&e.id) && e.service_name == service.as_str())
                .count();
        let theirs: Vec<&EndpointInfo> = all
            .iter()
            .filter(|e| e.service_name == service.as_str())
            .filter(|e| !tags::is_for(e, id) && !legacy.contains(&e.id))
            .filter(|e| !tags::is_ours(e))
            .collect();
        for e in &theirs {
            vpc.get_or_insert_with(|| e.vpc_id.clone());
            external.push(External {
                environment: id.name().to_string(),
                account: id.account.clone(),
                endpoint_id: e.id.clone(),
                role: role.as_str().to_string(),
            });
        }
        match (n, theirs.is_empty()) {
            (0, true) => kinds.insert(DriftKind::MissingEndpoint),
            (0, false) | (1, _) => false,
            _ => kinds.insert(DriftKind::DuplicateEndpoint),
        };
    }
    if mine
        .iter()
        .any(|e| !roles.iter().any(|r| e.tag(tags::ROLE) == Some(r.as_str())))
    {
        kinds.insert(DriftKind::UnneededEndpoint);
    }
    if !legacy.is_empty() {
        kinds.insert(DriftKind::LegacyRecord);
    }
    // The grant: the SQS endpoint of the VPC the endpoints are in must allow
    // the queue to the environment's account (through this tool's claim or
    // its owner's own statement). A claim the policy does not show yet is a
    // drift too: the policy is a view of the ledger.
    let granted = vpc.as_deref().is_some_and(|vpc| {
        policies
            .iter()
            .filter(|(s, _)| s.vpc_id == vpc)
            .any(|(_, policy)| {
                ledger::granted(
                    policy,
                    p.queue.as_str(),
                    &id.account,
                    settings.statement_condition.as_ref(),
                )
            })
    });
    if !granted {
        kinds.insert(DriftKind::MissingGrant);
    } else if out_of_date.contains(p.queue.as_str()) {
        kinds.insert(DriftKind::GrantOutOfDate);
    }
    (kinds.into_iter().collect(), external)
}

/// What a failed, deleted or vanished environment left behind.
fn leftover(mine: &[&EndpointInfo], grants: &[Entry]) -> Vec<DriftKind> {
    let mut kinds = Vec::new();
    if !mine.is_empty() {
        kinds.push(DriftKind::LeftoverEndpoint);
    }
    if grants.iter().any(|e| e.active_arn().is_some()) {
        kinds.push(DriftKind::LeftoverGrant);
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

fn drift(id: &EnvKey, l: &Listed, kinds: Vec<DriftKind>, mine: &[&EndpointInfo]) -> Drift {
    Drift {
        environment: id.name().to_string(),
        account: Some(id.account.clone()),
        status: l.status.clone(),
        kinds,
        detail: describe(mine),
        action: DriftAction::Pending,
    }
}

/// Heals one drift. A cleanup is confirmed first, in the environment's own
/// account: `None` when the environment turns out to need its endpoints after all.
async fn heal(
    ec2: &impl Ec2Port,
    mwaa: &impl MwaaPort,
    desired: &Desired,
    cleanup: bool,
    settings: &Settings,
) -> Result<Option<Report>, ProvisionError> {
    let desired = if cleanup {
        let Some(name) = desired
            .environment()
            .and_then(|n| EnvironmentName::parse("", n).ok())
        else {
            return Ok(None);
        };
        let now = from_api(mwaa, desired.account(), &name).await?;
        if !matches!(now, Desired::Absent(_)) {
            return Ok(None);
        }
        desired.clone()
    } else {
        desired.clone()
    };
    // Converge also removes endpoints of roles a live environment no longer needs.
    let mut report = converge(ec2, &desired, settings).await?;
    report.decided_from = "get_environment".into();
    Ok(Some(report))
}

#[cfg(test)]
mod spelling {
    use super::{DriftAction, DriftKind};

    #[test]
    fn kinds_and_actions_keep_their_json_spelling() {
        let kinds = [
            DriftKind::MissingEndpoint,
            DriftKind::DuplicateEndpoint,
            DriftKind::UnneededEndpoint,
            DriftKind::MissingGrant,
            DriftKind::GrantOutOfDate,
            DriftKind::LegacyRecord,
            DriftKind::LeftoverEndpoint,
            DriftKind::LeftoverGrant,
        ];
        for k in kinds {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        let json = |a: DriftAction| serde_json::to_value(a).unwrap();
        assert_eq!(json(DriftAction::Healed), "healed");
        assert_eq!(json(DriftAction::WouldHeal), "would_heal");
        assert_eq!(json(DriftAction::Skipped("why".into())), "skipped: why");
        assert_eq!(json(DriftAction::Failed("how".into())), "failed: how");
        assert!(DriftAction::Skipped("why".into()) == "skipped: why");
        assert!(DriftAction::Failed("how".into()) != "skipped: how");
    }
}
