//! `vpcwarden eip restore`: a released address back, from its release record.

use std::process::ExitCode;

use anyhow::{Context, Result};
use vpcwarden_eip_release::sdk::{assume, SdkAccountOps};
use vpcwarden_eip_release::{restore, Evidence, Restored, EVIDENCE_SCHEMA};

use crate::exit::{self, bad_input};

async fn read(record: &str, config: &aws_config::SdkConfig) -> Result<Vec<u8>> {
    if record.starts_with("s3://") {
        let uri = vpcwarden_store::S3Uri::parse(record)?;
        let key = uri.prefix.trim_end_matches('/');
        if key.is_empty() {
            return Err(bad_input(format!("{record}: names a bucket, not a record")));
        }
        let bucket = vpcwarden_store::Bucket::new(aws_sdk_s3::Client::new(config), uri.bucket);
        Ok(bucket.get(key).await?)
    } else {
        std::fs::read(record).with_context(|| format!("reading {record}"))
    }
}

/// Reads the record, checks the account, asks AWS, says what it answered.
pub async fn run(record: String, role_arn: Option<String>) -> Result<ExitCode> {
    let config = vpcwarden_aws_setup::load().await;
    let evidence: Evidence = serde_json::from_slice(&read(&record, &config).await?)
        .map_err(|e| bad_input(format!("{record}: not a vpcwarden release record: {e}")))?;
    if evidence.schema != EVIDENCE_SCHEMA {
        return Err(bad_input(format!(
            "{record}: schema {:?}, expected {EVIDENCE_SCHEMA}",
            evidence.schema
        )));
    }
    let creds = match &role_arn {
        Some(arn) => Some(assume(&config, arn, "vpcwarden-restore").await?),
        None => None,
    };
    let acting = match &creds {
        Some(c) => config
            .clone()
            .into_builder()
            .credentials_provider(c.clone())
            .build(),
        None => config.clone(),
    };
    // An address is only ever given back to the account that released it.
    let account = vpcwarden_inventory::caller_account(&acting).await?;
    if account != evidence.account {
        return Err(bad_input(format!(
            "{record} is account {}'s address; these credentials act in {account}: use that account's credentials, or --role-arn of a role there",
            evidence.account
        )));
    }
    let answer = restore(&SdkAccountOps::new(config, creds), &evidence).await?;
    exit::outln(&format!(
        "{} ({}, {}): {answer}",
        evidence.public_ip, evidence.account, evidence.region
    ));
    Ok(match answer {
        Restored::NotGivenBack { .. } => exit::code(exit::NO),
        _ => ExitCode::SUCCESS,
    })
}
