//! An environment that will not use its endpoints again (failed, deleting,
//! deleted, not found): delete them and take back exactly the queue ARN this tool added.

use tracing::info;
use vpcwarden_mwaa_event::Cleanup;
use vpcwarden_policy::diff;

use crate::error::ProvisionError;
use crate::ledger::{self, Entry};
use crate::policy_sync::{derive, now_secs, parse_policy, sync_policy, Derived};
use crate::port::{Ec2Port, EndpointQuery};
use crate::report::{EndpointRecord, PolicyReport, Report};
use crate::settings::Settings;
use crate::tags;

/// Removes what this tool made for the environment. Its description may carry
/// no network configuration, so everything is found by the tags this tool wrote.
pub async fn cleanup(
    ec2: &impl Ec2Port,
    req: &Cleanup,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    let env = req.environment.as_str();
    let endpoints = ec2
        .find_endpoints(&EndpointQuery {
            vpc_id: None,
            service_name: None,
            tags: tags::selector(env, None),
        })
        .await?;
    let key = ledger::key(env);
    let sqs_service = format!("com.amazonaws.{}.sqs", settings.region);
    let sqs: Vec<_> = ec2
        .find_endpoints(&EndpointQuery {
            vpc_id: None,
            service_name: Some(sqs_service),
            tags: vec![],
        })
        .await?
        .into_iter()
        .filter(|e| e.tag(&key).is_some())
        .collect();

    let mut report = Report {
        environment: Some(env.to_string()),
        action: "cleanup".into(),
        dry_run: settings.dry_run,
        vpc_id: endpoints
            .first()
            .map(|e| e.vpc_id.clone())
            .or_else(|| sqs.first().map(|e| e.vpc_id.clone())),
        ..Report::default()
    };
    report.deleted = endpoints.iter().map(EndpointRecord::of).collect();
    if endpoints.is_empty() {
        report
            .skipped
            .push(format!("no endpoint tagged for environment {env}"));
    }
    if sqs.is_empty() {
        report.skipped.push(format!(
            "no SQS endpoint policy records a queue for environment {env}"
        ));
    }

    if settings.dry_run {
        for ep in &sqs {
            let policy = parse_policy(ep)?;
            let mut entries = ledger::entries(&ep.tags);
            let queue = released(&mut entries, env);
            let Derived {
                policy: after,
                outcomes,
                ..
            } = derive(ep, &policy, &entries, settings)?;
            report.policies.push(PolicyReport {
                endpoint_id: ep.id.clone(),
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
    for ep in &sqs {
        let mut entries = ledger::entries(&ep.tags);
        let queue = released(&mut entries, env);
        // Tombstone first: from now on every writer's view drops the ARN.
        if let Some(arn) = &queue {
            let tomb = Entry::Removed {
                at: now_secs(),
                arn: arn.clone(),
            };
            ec2.put_tags(&ep.id, &[(key.clone(), tomb.value())]).await?;
        }
        let done = sync_policy(ec2, &ep.id, settings, None).await?;
        report.policies.push(PolicyReport {
            endpoint_id: ep.id.clone(),
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

/// Turns the environment's active entry into a removal; returns its ARN if it was active.
fn released(entries: &mut [(String, Entry)], env: &str) -> Option<String> {
    let (_, entry) = entries.iter_mut().find(|(e, _)| e == env)?;
    match entry {
        Entry::Active { arn, .. } => {
            let arn = arn.clone();
            *entry = Entry::Removed {
                at: now_secs(),
                arn: arn.clone(),
            };
            Some(arn)
        }
        Entry::Removed { .. } => None,
    }
}
