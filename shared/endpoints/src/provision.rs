//! An environment that needs endpoints: create what is missing and allow its queue.

use futures::future::{join_all, try_join_all};
use sha2::{Digest, Sha256};
use tracing::{info, warn};
use vpcwarden_mwaa_event::{EndpointRole, Provision};
use vpcwarden_policy::{diff, EditOutcome, Policy};

use crate::error::{AwsError, ProvisionError};
use crate::event::stale_claim;
use crate::identity::EnvKey;
use crate::ledger::{self, Entry, Owner};
use crate::legacy;
use crate::policy_sync::{derive, parse_policy, sync_policy, Derived};
use crate::port::{Ec2Port, EndpointInfo, EndpointQuery, NewEndpoint};
use crate::report::{EndpointRecord, PolicyReport, Report};
use crate::settings::Settings;
use crate::tags;

/// Everything read and checked before the first mutation.
struct Plan {
    id: EnvKey,
    vpc_id: String,
    sqs: EndpointInfo,
    /// The SQS endpoint's policy as read.
    policy: Policy,
    /// The ledger as it will be (with this environment's entry when claimed).
    entries: Vec<(Owner, Entry)>,
    /// True when this tool takes ownership of the queue ARN in the policy.
    claim: bool,
    preview_outcome: Option<EditOutcome>,
    to_create: Vec<NewEndpoint>,
    /// Per role already present, the endpoints found (duplicates included).
    existing: Vec<Vec<EndpointInfo>>,
    /// Endpoints to the environment's services that someone else made: they
    /// serve it, and are never changed or deleted.
    external: Vec<EndpointInfo>,
    /// The environment's endpoints of a role it no longer needs (its access mode changed).
    unneeded: Vec<EndpointInfo>,
    /// Endpoints an earlier release made for it without the account tag.
    legacy_endpoints: Vec<String>,
    /// The name-only ledger entry an earlier release wrote for its queue: (key, value).
    legacy_entry: Option<(String, String)>,
}

/// Brings the environment's VPC to what `req` needs. Reads and validates
/// everything first, so a bad input fails with zero mutations.
pub async fn provision(
    ec2: &impl Ec2Port,
    req: &Provision,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    let read = read_vpc(ec2, req, settings).await?;
    let plan = plan(req, settings, read)?;
    carry_out(ec2, req, settings, plan).await
}

/// [`provision`] for an event emitted at `event_time`: `Err(why)`, with
/// nothing changed, when the event is older than this tool's removal of the
/// environment's queue (read from the same listing the plan makes).
pub(crate) async fn provision_unless_stale(
    ec2: &impl Ec2Port,
    req: &Provision,
    settings: &Settings,
    event_time: Option<i64>,
) -> Result<Result<Report, String>, ProvisionError> {
    let read = read_vpc(ec2, req, settings).await?;
    if let Some(t) = event_time {
        if let Some(why) = stale_claim(&ledger::recorded(&read.sqs, &read.id), t) {
            return Ok(Err(why));
        }
    }
    let plan = plan(req, settings, read)?;
    carry_out(ec2, req, settings, plan).await.map(Ok)
}

async fn carry_out(
    ec2: &impl Ec2Port,
    req: &Provision,
    settings: &Settings,
    plan: Plan,
) -> Result<Report, ProvisionError> {
    let mut report = Report {
        environment: Some(req.environment.to_string()),
        account: Some(plan.id.account.clone()),
        action: "provision".into(),
        dry_run: settings.dry_run,
        vpc_id: Some(plan.vpc_id.clone()),
        warnings: req.warnings.clone(),
        ..Report::default()
    };
    let queue = req.queue.as_str();
    if settings.dry_run {
        for new in &plan.to_create {
            report.created.push(EndpointRecord {
                role: tag_role(&new.tags),
                endpoint_id: None,
                service_name: new.service_name.clone(),
                vpc_id: new.vpc_id.clone(),
            });
        }
        for found in &plan.existing {
            report
                .existing
                .extend(oldest(found).map(EndpointRecord::of));
        }
        report
            .deleted
            .extend(plan.unneeded.iter().map(EndpointRecord::of));
        report.external = external_records(req, &plan.external);
        report.policies.push(preview_policy(&plan, req, settings)?);
        return Ok(report);
    }

    // Endpoints and the policy are independent: both flows run at once, each
    // idempotent, so a failure in one leaves nothing a redelivery cannot finish.
    // Creates and the ledger tag go out together; then one listing of the VPC
    // serves both the duplicate check and the first policy read (made after our
    // tag write, as the ledger protocol needs).
    let key = ledger::key(&plan.id);
    let record = async {
        let recorded = plan.sqs.tag(&key).and_then(Entry::parse);
        if plan.claim && recorded.as_ref().and_then(Entry::active_arn) != Some(queue) {
            let entry = Entry::claim(queue, settings.clock.now_secs()).value();
            ec2.put_tags(&plan.sqs.id, &[(key.clone(), entry)])
                .await
                .map_err(|e| full(e, &plan))?;
        }
        // Rewritten under the full identity: the name-only key goes.
        if let Some((old, value)) = &plan.legacy_entry {
            ec2.delete_tag_if(&plan.sqs.id, old, value).await?;
        }
        let account_tag = [(tags::ACCOUNT.to_string(), plan.id.account.clone())];
        try_join_all(
            plan.legacy_endpoints
                .iter()
                .map(|id| ec2.put_tags(id, &account_tag)),
        )
        .await?;
        Ok::<_, ProvisionError>(())
    };
    let creates = join_all(plan.to_create.iter().map(|new| ec2.create_endpoint(new)));
    let (created, recorded) = tokio::join!(creates, record);
    if let Err(e @ ProvisionError::LedgerFull { .. }) = recorded {
        // The endpoint's tags filled up after the plan read them (concurrent
        // claims): nothing may stay half-applied, so this run's endpoints go.
        let ours: Vec<String> = created
            .iter()
            .filter_map(|c| c.as_ref().ok().map(|e| e.id.clone()))
            .collect();
        ec2.delete_endpoints(&ours).await?;
        return Err(e);
    }
    recorded?;
    let created = created.into_iter().collect::<Result<Vec<_>, _>>()?;
    let in_vpc = ec2
        .find_endpoints(&EndpointQuery {
            vpc_id: Some(plan.vpc_id.clone()),
            ..EndpointQuery::default()
        })
        .await?;
    let fresh_sqs = in_vpc.iter().find(|e| e.id == plan.sqs.id).cloned();
    let ((kept, unneeded), done) = tokio::try_join!(
        dedupe(ec2, req, &plan.id, &in_vpc),
        sync_policy(ec2, &plan.sqs.id, settings, fresh_sqs)
    )?;

    for c in &created {
        info!(endpoint_id = %c.id, service = %c.service_name, "created endpoint");
    }
    for u in &unneeded {
        info!(endpoint_id = %u.id, "deleted endpoint of a role the environment no longer needs");
    }
    report
        .deleted
        .extend(unneeded.iter().map(EndpointRecord::of));
    report.external = external_records(req, &plan.external);
    for (kept, removed) in kept {
        for r in removed {
            warn!(endpoint_id = %r.id, "deleted duplicate endpoint from a concurrent delivery");
            report.deleted.push(EndpointRecord::of(&r));
        }
        if let Some(kept) = kept {
            let list = if created.iter().any(|c| c.id == kept.id) {
                &mut report.created
            } else {
                &mut report.existing
            };
            list.push(EndpointRecord::of(&kept));
        }
    }
    if !plan.claim {
        report.skipped.push(format!(
            "SQS endpoint {} policy already allows {queue}; not taking ownership",
            plan.sqs.id
        ));
    }
    report.policies.push(PolicyReport {
        endpoint_id: plan.sqs.id.clone(),
        queue_arn: queue.to_string(),
        decision: decision(plan.claim).into(),
        outcomes: done.outcomes,
        changes: diff(&done.before, &done.after),
        writes: done.writes,
        attempts: done.attempts,
    });
    Ok(report)
}

/// What one look at the environment's VPC found.
struct VpcRead {
    id: EnvKey,
    subnet_ids: Vec<String>,
    vpc_id: String,
    /// Its live endpoints, the SQS endpoint's among them.
    in_vpc: Vec<EndpointInfo>,
    /// The VPC's one SQS endpoint.
    sqs: EndpointInfo,
}

/// The environment's VPC (from its subnets) and one listing of its endpoints.
async fn read_vpc(
    ec2: &impl Ec2Port,
    req: &Provision,
    settings: &Settings,
) -> Result<VpcRead, ProvisionError> {
    let id = EnvKey::new(req.account.as_deref(), &settings.region, &req.environment)?;
    let subnet_ids: Vec<String> = req.subnets.iter().map(|s| s.to_string()).collect();
    let found = ec2.subnet_vpcs(&subnet_ids).await?;
    let missing: Vec<&str> = subnet_ids
        .iter()
        .filter(|s| !found.iter().any(|(id, _)| id == *s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ProvisionError::SubnetsNotFound(missing.join(", ")));
    }
    let mut vpcs: Vec<&str> = found.iter().map(|(_, v)| v.as_str()).collect();
    vpcs.sort();
    vpcs.dedup();
    if vpcs.len() != 1 {
        let pairs: Vec<String> = found.iter().map(|(s, v)| format!("{s} in {v}")).collect();
        return Err(ProvisionError::SubnetsInSeveralVpcs(pairs.join(", ")));
    }
    let vpc_id = vpcs[0].to_string();

    let sqs_service = format!("com.amazonaws.{}.sqs", settings.region);
    // One listing of the VPC's live endpoints answers "which is the SQS
    // endpoint", "what exists for this environment" and "what did someone
    // else make for its services": a round trip saved.
    let in_vpc = ec2
        .find_endpoints(&EndpointQuery {
            vpc_id: Some(vpc_id.clone()),
            ..EndpointQuery::default()
        })
        .await?;
    let mut sqs: Vec<EndpointInfo> = in_vpc
        .iter()
        .filter(|e| e.service_name == sqs_service)
        .cloned()
        .collect();
    let sqs = match sqs.len() {
        0 => {
            return Err(ProvisionError::NoSqsEndpoint {
                vpc_id,
                service: sqs_service,
            })
        }
        1 => sqs.remove(0),
        _ => {
            let ids: Vec<&str> = sqs.iter().map(|e| e.id.as_str()).collect();
            return Err(ProvisionError::SeveralSqsEndpoints {
                vpc_id,
                ids: ids.join(", "),
            });
        }
    };
    Ok(VpcRead {
        id,
        subnet_ids,
        vpc_id,
        in_vpc,
        sqs,
    })
}

/// Everything checked and decided from the read, before the first mutation.
fn plan(req: &Provision, settings: &Settings, read: VpcRead) -> Result<Plan, ProvisionError> {
    let VpcRead {
        id,
        subnet_ids,
        vpc_id,
        in_vpc,
        sqs,
    } = read;
    let own = group_own(req, &id, &in_vpc);
    let unneeded = unneeded(req, &id, &in_vpc);
    let external = external(req, &id, &in_vpc);
    let legacy_endpoints: Vec<String> = own
        .iter()
        .flat_map(|(_, found)| found)
        .filter(|e| tags::is_legacy_for(e, id.name()))
        .map(|e| e.id.clone())
        .collect();
    let policy = parse_policy(&sqs)?;
    let queue = req.queue.as_str();
    let mut entries = ledger::entries(&sqs.tags);
    // A name-only entry of an earlier release is this environment's when it
    // records this environment's queue (each environment has its own).
    let legacy_entry = legacy::entry_of(&sqs, req);
    let me = Owner::Env(id.clone());
    let owned = legacy_entry.is_some() || entries.iter().any(|(o, _)| *o == me);
    // Ours if we recorded it before (redelivery, or a removal not yet settled);
    // otherwise ours only if the policy does not already allow it to the
    // environment's account.
    let probe = policy.clone().allow_resource(
        queue,
        &ledger::spec(settings.statement_condition.as_ref(), &id.account),
    );
    let claim = match probe {
        Err(source) => {
            return Err(ProvisionError::PolicyEdit {
                endpoint_id: sqs.id.clone(),
                source,
            })
        }
        Ok(EditOutcome::AlreadyCovered { .. }) => owned,
        Ok(_) => true,
    };
    let preview_outcome = probe.ok();
    let new_key = claim && sqs.tag(&ledger::key(&id)).is_none();
    // A claim under a new key needs one more tag; checked here, before any change.
    if new_key && sqs.tags.len() >= ledger::MAX_TAGS {
        return Err(ProvisionError::LedgerFull {
            endpoint_id: sqs.id.clone(),
            environment: id.to_string(),
            used: sqs.tags.len(),
            environments: entries.len(),
            max: ledger::MAX_TAGS,
        });
    }
    if claim {
        let legacy = Owner::Legacy(id.name().to_string());
        entries.retain(|(o, e)| *o != me && !(*o == legacy && e.arn() == queue));
        entries.push((me, Entry::claim(queue, settings.clock.now_secs())));
        // Size check on the policy as it will be, before anything is created.
        derive(&sqs, &policy, &entries, settings)?;
    }

    let mut to_create = Vec::new();
    let mut existing = Vec::new();
    for ((role, service), (_, found)) in req.services.iter().zip(own) {
        let served = external.iter().any(|e| e.service_name == service.as_str());
        if !found.is_empty() {
            existing.push(found);
        } else if !served {
            to_create.push(NewEndpoint {
                vpc_id: vpc_id.clone(),
                service_name: service.to_string(),
                subnet_ids: subnet_ids.clone(),
                security_group_ids: req.security_groups.iter().map(|s| s.to_string()).collect(),
                tags: tags::endpoint_tags(&id, *role),
                client_token: client_token(req, &id, &vpc_id, *role, service.as_str()),
            });
        }
    }
    Ok(Plan {
        id,
        vpc_id,
        sqs,
        policy,
        entries,
        claim,
        preview_outcome,
        to_create,
        existing,
        external,
        unneeded,
        legacy_endpoints,
        legacy_entry,
    })
}

/// A failed ledger write because the endpoint's tags are full, as such.
fn full(e: AwsError, plan: &Plan) -> ProvisionError {
    if e.code == "TagLimitExceeded" {
        return ProvisionError::LedgerFull {
            endpoint_id: plan.sqs.id.clone(),
            environment: plan.id.to_string(),
            used: ledger::MAX_TAGS,
            environments: plan.entries.len().saturating_sub(1),
            max: ledger::MAX_TAGS,
        };
    }
    e.into()
}

fn preview_policy(
    plan: &Plan,
    req: &Provision,
    settings: &Settings,
) -> Result<PolicyReport, ProvisionError> {
    let Derived {
        policy: after,
        outcomes,
        ..
    } = derive(&plan.sqs, &plan.policy, &plan.entries, settings)?;
    let outcomes = if outcomes.is_empty() {
        plan.preview_outcome
            .iter()
            .map(|o| (req.queue.to_string(), o.clone()))
            .collect()
    } else {
        outcomes
    };
    Ok(PolicyReport {
        endpoint_id: plan.sqs.id.clone(),
        queue_arn: req.queue.to_string(),
        decision: decision(plan.claim).into(),
        outcomes,
        changes: diff(&plan.policy, &after),
        writes: 0,
        attempts: 0,
    })
}

/// The environment's endpoints among `endpoints`, grouped by role in the
/// order of `req.services`: tagged for its identity, or made by an earlier
/// release for its name (no account tag) to exactly that role's service.
fn group_own(
    req: &Provision,
    id: &EnvKey,
    endpoints: &[EndpointInfo],
) -> Vec<(EndpointRole, Vec<EndpointInfo>)> {
    req.services
        .iter()
        .map(|(role, service)| {
            let mine = endpoints
                .iter()
                .filter(|e| {
                    (tags::is_for(e, id) && e.tag(tags::ROLE) == Some(role.as_str()))
                        || legacy::endpoint_is(e, req, Some(service.as_str()))
                })
                .cloned()
                .collect();
            (*role, mine)
        })
        .collect()
}

/// Endpoints to the environment's services that this tool did not make for
/// it: the VPC owner's own. They serve the environment as they are.
fn external(req: &Provision, id: &EnvKey, endpoints: &[EndpointInfo]) -> Vec<EndpointInfo> {
    endpoints
        .iter()
        .filter(|e| {
            req.services
                .iter()
                .any(|(_, s)| e.service_name == s.as_str())
        })
        .filter(|e| !tags::is_for(e, id) && !legacy::endpoint_is(e, req, None))
        .cloned()
        .collect()
}

/// The environment's endpoints among `endpoints` whose role `req` does not need.
fn unneeded(req: &Provision, id: &EnvKey, endpoints: &[EndpointInfo]) -> Vec<EndpointInfo> {
    endpoints
        .iter()
        .filter(|e| tags::is_for(e, id))
        .filter(|e| {
            !req.services
                .iter()
                .any(|(r, _)| e.tag(tags::ROLE) == Some(r.as_str()))
        })
        .cloned()
        .collect()
}

/// Per role, (kept, deleted); and the endpoints of unneeded roles, deleted.
type Deduped = (
    Vec<(Option<EndpointInfo>, Vec<EndpointInfo>)>,
    Vec<EndpointInfo>,
);

/// Concurrent deliveries can each create an endpoint (EC2 deduplicates by
/// ClientToken, moto does not). Every delivery keeps the oldest per role and
/// deletes the rest, so all of them converge on the same survivors; endpoints
/// of a role the environment no longer needs go too. Only this tool's
/// endpoints for this environment are ever deleted.
async fn dedupe(
    ec2: &impl Ec2Port,
    req: &Provision,
    id: &EnvKey,
    in_vpc: &[EndpointInfo],
) -> Result<Deduped, ProvisionError> {
    let mut out = Vec::new();
    let gone = unneeded(req, id, in_vpc);
    let mut doomed: Vec<String> = gone.iter().map(|e| e.id.clone()).collect();
    for (_, found) in group_own(req, id, in_vpc) {
        let keep = oldest(&found).cloned();
        let extra: Vec<EndpointInfo> = found
            .into_iter()
            .filter(|e| Some(&e.id) != keep.as_ref().map(|k| &k.id))
            .collect();
        doomed.extend(extra.iter().map(|e| e.id.clone()));
        out.push((keep, extra));
    }
    ec2.delete_endpoints(&doomed).await?;
    Ok((out, gone))
}

fn oldest(found: &[EndpointInfo]) -> Option<&EndpointInfo> {
    found.iter().min_by(|a, b| {
        a.created_ms
            .cmp(&b.created_ms)
            .then_with(|| a.id.cmp(&b.id))
    })
}

fn external_records(req: &Provision, external: &[EndpointInfo]) -> Vec<EndpointRecord> {
    external
        .iter()
        .map(|e| {
            let role = req
                .services
                .iter()
                .find(|(_, s)| s.as_str() == e.service_name)
                .map(|(r, _)| r.as_str())
                .unwrap_or_default();
            EndpointRecord::external(e, role)
        })
        .collect()
}

fn tag_role(tags: &[(String, String)]) -> String {
    tags.iter()
        .find(|(k, _)| k == tags::ROLE)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Same request, same token: ≤ 64 ASCII characters as EC2 requires.
fn client_token(
    req: &Provision,
    id: &EnvKey,
    vpc_id: &str,
    role: EndpointRole,
    service: &str,
) -> String {
    let key = id.to_string();
    let who = req.environment_arn.as_deref().unwrap_or(key.as_str());
    let digest = Sha256::digest(format!("{who}|{vpc_id}|{}|{service}", role.as_str()).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("vpcw-{}", &hex[..59])
}

fn decision(claim: bool) -> &'static str {
    if claim {
        "claimed"
    } else {
        "already_allowed"
    }
}
