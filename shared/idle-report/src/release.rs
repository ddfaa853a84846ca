//! Opt-in release of flagged addresses. Off by default; a dry run asks EC2
//! whether the release would be allowed without doing it. Every candidate is
//! re-read first: an address attached or tagged for keeping since the
//! snapshot is skipped.

use std::future::Future;
use std::pin::Pin;
use vpcwarden_aws_setup::{aws_err, AwsError};

use aws_config::SdkConfig;
use aws_sdk_ec2::config::Region;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use vpcwarden_eip::{AddressReport, Status};
use vpcwarden_inventory::snapshot_address;

/// What to do with flagged addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseMode {
    /// Nothing (the default).
    Off,
    /// Ask EC2 (`DryRun`) and report what would be released.
    DryRun,
    /// Release.
    Release,
}

impl ReleaseMode {
    /// The spelling [`ReleaseMode::parse`] takes.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReleaseMode::Off => "off",
            ReleaseMode::DryRun => "dry-run",
            ReleaseMode::Release => "release",
        }
    }

    /// `off`, `dry-run` or `release`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "off" | "" => Ok(ReleaseMode::Off),
            "dry-run" => Ok(ReleaseMode::DryRun),
            "release" => Ok(ReleaseMode::Release),
            other => Err(format!(
                "release mode {other:?}: expected off, dry-run or release"
            )),
        }
    }
}

/// The live state of one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// Attached to something.
    pub associated: bool,
    /// Tag keys.
    pub tag_keys: Vec<String>,
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'a>>;

/// The two EC2 calls a release makes.
pub trait ReleasePort: Send + Sync {
    /// The address now (`None`: gone).
    fn live<'a>(&'a self, region: &'a str, allocation_id: &'a str) -> Fut<'a, Option<Live>>;
    /// ReleaseAddress (with `DryRun` when asked; a dry run that would succeed is `Ok`).
    fn release<'a>(&'a self, region: &'a str, allocation_id: &'a str, dry_run: bool)
        -> Fut<'a, ()>;
}

/// What happened to one candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseResult {
    /// Address.
    pub allocation_id: String,
    /// Region.
    pub region: String,
    /// `would_release`, `released`, `skipped` or `failed`.
    pub action: &'static str,
    /// Why (skipped or failed).
    pub reason: Option<String>,
    /// Monthly saving.
    #[serde(serialize_with = "vpcwarden_eip::money::ser_cents")]
    pub monthly_cost_usd: f64,
}

/// Flagged, idle, not excluded, and not attached within the threshold.
pub fn candidates(
    rows: &[AddressReport],
    now: DateTime<Utc>,
    threshold: Duration,
) -> impl Iterator<Item = &AddressReport> {
    rows.iter().filter(move |r| {
        r.flagged
            && !r.excluded
            && r.status == Status::Idle
            && r.last_attached_at.is_none_or(|t| now - t >= threshold)
    })
}

/// Runs the release (or its dry run) for the candidates, one at a time.
pub async fn release_flagged(
    port: &dyn ReleasePort,
    rows: &[AddressReport],
    mode: ReleaseMode,
    exclude_tag: &str,
    now: DateTime<Utc>,
    threshold: Duration,
) -> Vec<ReleaseResult> {
    let mut out = Vec::new();
    if mode == ReleaseMode::Off {
        return out;
    }
    for r in candidates(rows, now, threshold) {
        let id = r.allocation_id.as_str();
        let result = |action: &'static str, reason: Option<String>| ReleaseResult {
            allocation_id: id.to_string(),
            region: r.region.clone(),
            action,
            reason,
            monthly_cost_usd: r.monthly_cost_usd,
        };
        // Idle on a stopped instance, but attached: releasing would fail (and
        // must not be forced); freeing it is the owner's call.
        if let Some(on) = &r.attached_to {
            out.push(result(
                "skipped",
                Some(format!(
                    "on {on}: an attached address is never released; disassociate it if the instance will not start again"
                )),
            ));
            continue;
        }
        let res = match port.live(&r.region, id).await {
            Err(e) => result("failed", Some(e.to_string())),
            Ok(None) => result("skipped", Some("already released".into())),
            Ok(Some(l)) if l.associated => {
                result("skipped", Some("attached since the snapshot".into()))
            }
            Ok(Some(l)) if l.tag_keys.iter().any(|k| k == exclude_tag) => result(
                "skipped",
                Some(format!("tagged {exclude_tag} since the snapshot")),
            ),
            Ok(Some(_)) => match port
                .release(&r.region, id, mode == ReleaseMode::DryRun)
                .await
            {
                Ok(()) if mode == ReleaseMode::DryRun => result("would_release", None),
                Ok(()) => result("released", None),
                Err(e) => result("failed", Some(e.to_string())),
            },
        };
        tracing::info!(allocation_id = %res.allocation_id, region = %res.region, action = res.action, reason = ?res.reason, "release");
        out.push(res);
    }
    out
}

/// The SDK adapter (one client per region).
#[derive(Debug, Clone)]
pub struct SdkRelease {
    config: SdkConfig,
}

impl SdkRelease {
    /// Over `config`.
    pub fn new(config: SdkConfig) -> Self {
        SdkRelease { config }
    }

    fn client(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(&self.config)
                .region(Region::new(region.to_string()))
                .build(),
        )
    }
}

impl ReleasePort for SdkRelease {
    fn live<'a>(&'a self, region: &'a str, allocation_id: &'a str) -> Fut<'a, Option<Live>> {
        Box::pin(async move {
            match self
                .client(region)
                .describe_addresses()
                .allocation_ids(allocation_id)
                .send()
                .await
            {
                // Read as the snapshot reads it, so "attached" means the same to both.
                Ok(out) => Ok(out
                    .addresses()
                    .first()
                    .and_then(|a| snapshot_address(a, region))
                    .map(|s| Live {
                        associated: s.is_associated(),
                        tag_keys: s.tags.into_iter().map(|(k, _)| k).collect(),
                    })),
                Err(e)
                    if vpcwarden_aws_setup::error_code(&e)
                        == Some("InvalidAllocationID.NotFound") =>
                {
                    Ok(None)
                }
                Err(e) => Err(aws_err("DescribeAddresses", e)),
            }
        })
    }

    fn release<'a>(
        &'a self,
        region: &'a str,
        allocation_id: &'a str,
        dry_run: bool,
    ) -> Fut<'a, ()> {
        Box::pin(async move {
            match self
                .client(region)
                .release_address()
                .allocation_id(allocation_id)
                .dry_run(dry_run)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                // EC2's answer to a dry run that would have succeeded.
                Err(e)
                    if dry_run
                        && vpcwarden_aws_setup::error_code(&e) == Some("DryRunOperation") =>
                {
                    Ok(())
                }
                Err(e) => Err(aws_err("ReleaseAddress", e)),
            }
        })
    }
}
