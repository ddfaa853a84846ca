//! Customer-managed VPC endpoints for Amazon MWAA.
//!
//! [`handle`] takes one `MWAA Environment Status Change` event and:
//! - on `PENDING`, creates the database (and, for `PRIVATE_ONLY`, web server)
//!   interface endpoints in the environment's VPC and makes the VPC's SQS
//!   endpoint policy allow the environment's Celery queue;
//! - on `DELETED`, deletes those endpoints and removes exactly that ARN;
//! - otherwise does nothing and says why.
//!
//! Everything is read and checked before the first mutation; every mutation is
//! idempotent under redelivery; concurrent policy edits converge through the
//! ledger in [`ledger`]. AWS is reached only through [`Ec2Port`].
#![deny(missing_docs)]

mod cleanup;
mod ec2;
mod error;
pub mod ledger;
mod port;
mod provision;
mod reconcile;
mod report;
mod settings;
pub mod tags;

use serde_json::Value;
use tracing::info;
use vpcwarden_mwaa_event::{EventError, Intent, MwaaStatusChange, DETAIL_TYPE, SOURCE};

pub use cleanup::cleanup;
pub use ec2::Ec2Endpoints;
pub use error::{AwsError, ProvisionError};
pub use port::{Ec2Port, EndpointInfo, EndpointQuery, NewEndpoint};
pub use provision::provision;
pub use report::{EndpointRecord, PolicyReport, Report};
pub use settings::Settings;

/// The parts of an EventBridge envelope this tool reads.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// Event id (for logs and the report).
    pub id: Option<&'a str>,
    /// `source`.
    pub source: Option<&'a str>,
    /// `detail-type`.
    pub detail_type: Option<&'a str>,
    /// `detail`.
    pub detail: &'a Value,
}

/// Parses, validates and carries out one event.
pub async fn handle(
    ec2: &impl Ec2Port,
    event: Envelope<'_>,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    if event.source != Some(SOURCE) || event.detail_type != Some(DETAIL_TYPE) {
        return Err(EventError::NotMwaa {
            event_source: event.source.unwrap_or("(none)").into(),
            detail_type: event.detail_type.unwrap_or("(none)").into(),
        }
        .into());
    }
    let detail = MwaaStatusChange::from_value(event.detail)?;
    let mut report = match detail.intent()? {
        Intent::Provision(req) => provision(ec2, &req, settings).await?,
        Intent::Cleanup(req) => cleanup(ec2, &req, settings).await?,
        Intent::Ignore {
            environment,
            reason,
        } => {
            info!(%reason, "nothing to do");
            Report {
                environment,
                action: "ignore".into(),
                dry_run: settings.dry_run,
                skipped: vec![reason],
                ..Report::default()
            }
        }
    };
    report.event_id = event.id.map(str::to_string);
    Ok(report)
}
