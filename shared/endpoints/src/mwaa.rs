//! [`MwaaPort`] over the AWS SDK's MWAA client, in the function's own account
//! or, through a role named by a template, in the account that owns the
//! environment (a shared VPC's participant).

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_mwaa::error::ProvideErrorMetadata;
use aws_sdk_mwaa::Client;
use tokio::sync::{Mutex, OnceCell};
use vpcwarden_mwaa_event::{account_of_arn, Environment, Origin, Status};

use crate::error::{aws_err, AwsError};
use crate::port::MwaaPort;

/// MWAA adapter. Clients are built once and kept (one per assumed role).
#[derive(Debug)]
pub struct MwaaApi {
    config: SdkConfig,
    /// Built on first use: most events are decided without MWAA, and the
    /// client's configuration costs start-up time and memory.
    own: std::sync::OnceLock<Client>,
    /// `arn:aws:iam::{account}:role/…`: the role to read another account's environments.
    role_template: Option<String>,
    own_account: OnceCell<String>,
    assumed: Mutex<HashMap<String, Client>>,
}

impl MwaaApi {
    /// The caller's own account through `config`; other accounts through
    /// `role_template` with `{account}` replaced.
    pub fn new(config: &SdkConfig, role_template: Option<String>) -> Self {
        MwaaApi {
            config: config.clone(),
            own: std::sync::OnceLock::new(),
            role_template,
            own_account: OnceCell::new(),
            assumed: Mutex::new(HashMap::new()),
        }
    }

    async fn caller_account(&self, operation: &'static str) -> Result<&str, AwsError> {
        self.own_account
            .get_or_try_init(|| async {
                let out = aws_sdk_sts::Client::new(&self.config)
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| aws_err("GetCallerIdentity", e))?;
                out.account().map(str::to_string).ok_or(AwsError {
                    operation,
                    code: "NoAccount".into(),
                    message: "GetCallerIdentity returned no account".into(),
                    retryable: true,
                    request_id: None,
                })
            })
            .await
            .map(String::as_str)
    }

    fn own_client(&self) -> Client {
        self.own.get_or_init(|| Client::new(&self.config)).clone()
    }

    /// The client that reads `account`'s environments.
    async fn client(&self, account: Option<&str>, op: &'static str) -> Result<Client, AwsError> {
        let Some(account) = account else {
            return Ok(self.own_client());
        };
        let own = self.caller_account(op).await?;
        if account == own {
            return Ok(self.own_client());
        }
        // Asking the wrong account would answer "not found", which reads as
        // "deleted": refuse rather than clean up a live environment.
        let Some(template) = &self.role_template else {
            return Err(AwsError {
                operation: op,
                code: "NoRoleForAccount".into(),
                message: format!(
                    "the environment belongs to account {account}, this function runs in {own}: set VPCWARDEN_MWAA_ROLE_ARN (e.g. arn:aws:iam::{{account}}:role/vpcwarden-mwaa-read) to read it"
                ),
                retryable: false,
                request_id: None,
            });
        };
        let mut cache = self.assumed.lock().await;
        if let Some(c) = cache.get(account) {
            return Ok(c.clone());
        }
        let role = template.replace("{account}", account);
        let creds = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("vpcwarden-mwaa")
            .configure(&self.config)
            .build()
            .await;
        let conf = aws_sdk_mwaa::config::Builder::from(&self.config)
            .credentials_provider(creds)
            .build();
        let client = Client::from_conf(conf);
        cache.insert(account.to_string(), client.clone());
        Ok(client)
    }
}

/// `GetEnvironment`'s `Environment` in this tool's shape.
pub fn from_sdk(e: &aws_sdk_mwaa::types::Environment) -> Environment {
    let net = e.network_configuration();
    Environment {
        account: e.arn().and_then(account_of_arn),
        name: e.name().map(str::to_string),
        arn: e.arn().map(str::to_string),
        status: e.status().map(|s| Status::parse(s.as_str())),
        celery_executor_queue: e.celery_executor_queue().map(str::to_string),
        database_vpc_endpoint_service: e.database_vpc_endpoint_service().map(str::to_string),
        webserver_vpc_endpoint_service: e.webserver_vpc_endpoint_service().map(str::to_string),
        webserver_access_mode: e.webserver_access_mode().map(|m| m.as_str().to_string()),
        endpoint_management: e.endpoint_management().map(|m| m.as_str().to_string()),
        subnet_ids: net.map(|n| n.subnet_ids().to_vec()),
        security_group_ids: net.map(|n| n.security_group_ids().to_vec()),
        created_at: e.created_at().map(|t| t.secs()),
        ..Environment::new(Origin::GetEnvironment)
    }
}

impl MwaaPort for MwaaApi {
    async fn own_account(&self) -> Result<String, AwsError> {
        self.caller_account("GetCallerIdentity")
            .await
            .map(str::to_string)
    }

    async fn list_environments(&self, account: Option<&str>) -> Result<Vec<String>, AwsError> {
        let client = self.client(account, "ListEnvironments").await?;
        let mut names = Vec::new();
        let mut pages = client
            .list_environments()
            .max_results(25)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_err("ListEnvironments", e))?;
            names.extend(page.environments().iter().cloned());
        }
        Ok(names)
    }

    async fn get_environment(
        &self,
        account: Option<&str>,
        name: &str,
    ) -> Result<Option<Environment>, AwsError> {
        let client = self.client(account, "GetEnvironment").await?;
        match client.get_environment().name(name).send().await {
            Ok(out) => Ok(out.environment().map(from_sdk)),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(aws_err("GetEnvironment", e)),
        }
    }
}
