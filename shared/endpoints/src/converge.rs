//! One step from what an environment needs to the VPC that has it. The event
//! handler and the reconciler both end here.

use tracing::info;
use vpcwarden_mwaa_event::Desired;

use crate::cleanup::cleanup;
use crate::error::ProvisionError;
use crate::port::Ec2Port;
use crate::provision::provision;
use crate::report::Report;
use crate::settings::Settings;

/// Brings the environment's VPC to `desired`: its endpoints and queue grant
/// present, or everything this tool made for it gone. Idempotent.
pub async fn converge(
    ec2: &impl Ec2Port,
    desired: &Desired,
    settings: &Settings,
) -> Result<Report, ProvisionError> {
    match desired {
        Desired::Present(p) => {
            let mut r = provision(ec2, p, settings).await?;
            r.status = Some(p.status.clone());
            Ok(r)
        }
        Desired::Absent(c) => {
            let mut r = cleanup(ec2, c, settings).await?;
            r.skipped
                .insert(0, format!("cleanup because of {}", c.reason));
            Ok(r)
        }
        Desired::Unmanaged {
            environment,
            reason,
        } => {
            info!(%reason, "nothing to do");
            Ok(Report {
                environment: environment.clone(),
                action: "ignore".into(),
                dry_run: settings.dry_run,
                skipped: vec![reason.clone()],
                ..Report::default()
            })
        }
    }
}
