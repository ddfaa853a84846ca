//! What a run did (or, in a dry run, would do), as JSON for logs and callers.

use serde::Serialize;
use vpcwarden_policy::{Change, EditOutcome};

/// One endpoint created, found or deleted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointRecord {
    /// `database` or `webserver`.
    pub role: String,
    /// Endpoint id (absent when a dry run plans a creation).
    pub endpoint_id: Option<String>,
    /// Service.
    pub service_name: String,
    /// VPC.
    pub vpc_id: String,
}

impl EndpointRecord {
    /// The record of an endpoint someone else made to one of the
    /// environment's services (`role` from the service it connects to).
    pub fn external(e: &crate::port::EndpointInfo, role: &str) -> Self {
        EndpointRecord {
            role: role.to_string(),
            ..EndpointRecord::of(e)
        }
    }

    /// The record of an endpoint this tool made (role from its tag).
    pub fn of(e: &crate::port::EndpointInfo) -> Self {
        EndpointRecord {
            role: e.tag(crate::tags::ROLE).unwrap_or_default().to_string(),
            endpoint_id: Some(e.id.clone()),
            service_name: e.service_name.clone(),
            vpc_id: e.vpc_id.clone(),
        }
    }
}

/// What happened to one SQS endpoint policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyReport {
    /// The SQS endpoint.
    pub endpoint_id: String,
    /// The environment's queue.
    pub queue_arn: String,
    /// `claimed` (this tool allows it), `already_allowed` (the policy did
    /// before; left to its owner), `released` (removed on deletion).
    pub decision: String,
    /// Edits this run's writes made (all ledger entries, not only this environment's).
    pub outcomes: Vec<(String, EditOutcome)>,
    /// Differences between the policy before and after.
    pub changes: Vec<Change>,
    /// `ModifyVpcEndpoint` calls made.
    pub writes: u32,
    /// Read-verify rounds.
    pub attempts: u32,
}

/// The result of one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// EventBridge event id.
    pub event_id: Option<String>,
    /// Environment name.
    pub environment: Option<String>,
    /// Account that owns the environment (with the region and the name, its identity).
    pub account: Option<String>,
    /// `provision`, `cleanup`, `ignore` or `stale` (skipped).
    pub action: String,
    /// True when nothing was changed on purpose.
    pub dry_run: bool,
    /// VPC of the environment, when known.
    pub vpc_id: Option<String>,
    /// Endpoints created (or planned).
    pub created: Vec<EndpointRecord>,
    /// Endpoints that already existed and were kept.
    pub existing: Vec<EndpointRecord>,
    /// Endpoints deleted (or planned), duplicates from concurrent deliveries included.
    pub deleted: Vec<EndpointRecord>,
    /// Endpoints to the environment's services that someone else (the VPC
    /// owner's IaC) made: they serve it, so none is created, and this tool
    /// never changes or deletes them.
    pub external: Vec<EndpointRecord>,
    /// SQS endpoint policies touched.
    pub policies: Vec<PolicyReport>,
    /// Things not done, and why.
    pub skipped: Vec<String>,
    /// What the decision rests on: `event` or `get_environment`.
    pub decided_from: String,
    /// MWAA status the decision was made on, when known.
    pub status: Option<String>,
    /// Set when the event was older than this tool's last recorded action for
    /// the environment: why, and (with the MWAA API in use) that the decision
    /// was taken from `GetEnvironment` instead.
    pub stale: Option<String>,
    /// Things a person should know (an access mode this version does not know).
    pub warnings: Vec<String>,
}
