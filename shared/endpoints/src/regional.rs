//! One region's clients, for the entrypoints that reconcile several regions.

use aws_config::SdkConfig;

use crate::ec2::Ec2Endpoints;
use crate::mwaa::MwaaApi;
use crate::reconcile::{reconcile, ReconcileReport};
use crate::settings::Settings;

/// EC2 and MWAA clients of one region, built once.
#[derive(Debug)]
pub struct Regional {
    /// Region.
    pub region: String,
    /// EC2 (the VPCs and their endpoints).
    pub ec2: Ec2Endpoints,
    /// MWAA (the environments).
    pub mwaa: MwaaApi,
}

impl Regional {
    /// The regions to reconcile: `VPCWARDEN_RECONCILE_REGIONS` (comma-separated), else `own`.
    pub fn regions_from_env(
        get: impl Fn(&str) -> Option<String>,
        own: &str,
    ) -> Result<Vec<String>, String> {
        match get("VPCWARDEN_RECONCILE_REGIONS").filter(|v| !v.trim().is_empty()) {
            Some(v) => Self::parse_regions(&v, "VPCWARDEN_RECONCILE_REGIONS"),
            None => Ok(vec![own.to_string()]),
        }
    }

    /// Comma-separated region names, each checked and kept once; errors name `source`.
    pub fn parse_regions(list: &str, source: &str) -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        for r in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let ok = r.split('-').count() >= 3
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(format!(
                    "{source}: {r:?} is not a region name such as eu-west-1"
                ));
            }
            if !out.iter().any(|x| x == r) {
                out.push(r.to_string());
            }
        }
        Ok(out)
    }

    /// Clients for each region, from one base configuration.
    pub fn build(config: &SdkConfig, regions: &[String], settings: &Settings) -> Vec<Regional> {
        regions
            .iter()
            .map(|r| {
                let conf = config
                    .to_builder()
                    .region(aws_config::Region::new(r.clone()))
                    .build();
                Regional {
                    region: r.clone(),
                    ec2: Ec2Endpoints::new(aws_sdk_ec2::Client::new(&conf)),
                    mwaa: MwaaApi::new(&conf, settings.mwaa_role_template.clone()),
                }
            })
            .collect()
    }
}

/// Reconciles each region in turn; a region that cannot be read is a report
/// with its error, and the others go on.
pub async fn reconcile_regions(clients: &[Regional], settings: &Settings) -> Vec<ReconcileReport> {
    let mut out = Vec::new();
    for c in clients {
        let s = Settings {
            region: c.region.clone(),
            ..settings.clone()
        };
        out.push(match reconcile(&c.ec2, &c.mwaa, &s).await {
            Ok(r) => r,
            Err(e) => ReconcileReport {
                region: c.region.clone(),
                dry_run: s.dry_run,
                errors: vec![e.to_string()],
                ..ReconcileReport::default()
            },
        });
    }
    out
}
