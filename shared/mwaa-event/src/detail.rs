//! The event detail as MWAA sends it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::EventError;

/// `detail.status`. Values this tool does not act on are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Waiting for customer-managed endpoints.
    Pending,
    /// Deleted: clean up.
    Deleted,
    /// Any other status (`CREATING`, `AVAILABLE`, `CREATE_FAILED`, future values…).
    Other(String),
}

impl Status {
    /// The status as MWAA spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Pending => "PENDING",
            Status::Deleted => "DELETED",
            Status::Other(s) => s,
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "PENDING" => Status::Pending,
            "DELETED" => Status::Deleted,
            _ => Status::Other(s),
        })
    }
}

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
    /// `PRIVATE_ONLY` or `PUBLIC_ONLY`.
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
