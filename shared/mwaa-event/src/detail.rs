//! The event detail as MWAA sends it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::environment::{Environment, Origin};
use crate::error::EventError;
use crate::status::Status;

/// `detail.networkConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfiguration {
    /// Subnets of the environment (MWAA requires two private subnets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Vec<String>>,
    /// Security groups of the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Vec<String>>,
}

/// The `detail` of an MWAA Environment Status Change event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MwaaStatusChange {
    /// Environment name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Environment ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// ARN of the environment's Celery SQS queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub celery_executor_queue: Option<String>,
    /// Endpoint service of the environment's metadata database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_vpc_endpoint_service: Option<String>,
    /// Endpoint service of the web server (private environments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webserver_vpc_endpoint_service: Option<String>,
    /// `PRIVATE_ONLY`, `PUBLIC_ONLY` or `PUBLIC_AND_PRIVATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webserver_access_mode: Option<String>,
    /// `CUSTOMER` or `SERVICE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_management: Option<String>,
    /// Subnets and security groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<NetworkConfiguration>,
    /// Every other field, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

const STRING_FIELDS: [&str; 8] = [
    "name",
    "arn",
    "status",
    "celeryExecutorQueue",
    "databaseVpcEndpointService",
    "webserverVpcEndpointService",
    "webserverAccessMode",
    "endpointManagement",
];

impl MwaaStatusChange {
    /// Reads the detail, naming the first field whose JSON type is wrong
    /// (serde alone would report only a line and column).
    pub fn from_value(detail: &Value) -> Result<Self, EventError> {
        let obj = detail
            .as_object()
            .ok_or_else(|| wrong("detail", "an object", detail))?;
        for f in STRING_FIELDS {
            match obj.get(f) {
                None | Some(Value::Null | Value::String(_)) => {}
                Some(v) => return Err(wrong(&format!("detail.{f}"), "a string", v)),
            }
        }
        match obj.get("networkConfiguration") {
            None | Some(Value::Null) => {}
            Some(Value::Object(nc)) => {
                for f in ["subnetIds", "securityGroupIds"] {
                    let path = format!("detail.networkConfiguration.{f}");
                    match nc.get(f) {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(items)) => {
                            if let Some((i, v)) =
                                items.iter().enumerate().find(|(_, v)| !v.is_string())
                            {
                                return Err(wrong(&format!("{path}[{i}]"), "a string", v));
                            }
                        }
                        Some(v) => return Err(wrong(&path, "an array of strings", v)),
                    }
                }
            }
            Some(v) => return Err(wrong("detail.networkConfiguration", "an object", v)),
        }
        serde_json::from_value(detail.clone()).map_err(|e| EventError::Invalid {
            field: "detail".into(),
            value: String::new(),
            why: e.to_string(),
        })
    }
}

impl MwaaStatusChange {
    /// The environment as this event describes it; `account` is the envelope's.
    pub fn environment(&self, account: Option<&str>) -> Environment {
        let net = self.network_configuration.clone().unwrap_or_default();
        Environment {
            origin: Origin::Event,
            account: account.map(str::to_string).or_else(|| {
                self.arn
                    .as_deref()
                    .and_then(crate::environment::account_of_arn)
            }),
            name: self.name.clone(),
            arn: self.arn.clone(),
            status: self.status.clone(),
            celery_executor_queue: self.celery_executor_queue.clone(),
            database_vpc_endpoint_service: self.database_vpc_endpoint_service.clone(),
            webserver_vpc_endpoint_service: self.webserver_vpc_endpoint_service.clone(),
            webserver_access_mode: self.webserver_access_mode.clone(),
            endpoint_management: self.endpoint_management.clone(),
            subnet_ids: net.subnet_ids,
            security_group_ids: net.security_group_ids,
            created_at: None,
        }
    }
}

fn wrong(field: &str, expected: &'static str, found: &Value) -> EventError {
    EventError::WrongType {
        field: field.to_string(),
        expected,
        found: match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        },
    }
}
