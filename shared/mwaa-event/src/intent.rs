//! What an event asks for, with every field it needs checked.

use serde::Serialize;

use crate::detail::{MwaaStatusChange, Status};
use crate::error::EventError;
use crate::ids::{EnvironmentName, QueueArn, SecurityGroupId, ServiceName, SubnetId};

/// Which MWAA endpoint service an endpoint connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointRole {
    /// The metadata database.
    Database,
    /// The Airflow web server (private access mode only).
    Webserver,
}

impl EndpointRole {
    /// Tag value and name suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointRole::Database => "database",
            EndpointRole::Webserver => "webserver",
        }
    }
}

/// Create endpoints and open the SQS endpoint policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provision {
    /// Environment name.
    pub environment: EnvironmentName,
    /// Environment ARN when the event has one.
    pub environment_arn: Option<String>,
    /// Celery queue.
    pub queue: QueueArn,
    /// Endpoint services to connect, one per role.
    pub services: Vec<(EndpointRole, ServiceName)>,
    /// Subnets (at least one).
    pub subnets: Vec<SubnetId>,
    /// Security groups (at least one).
    pub security_groups: Vec<SecurityGroupId>,
}

/// Remove what was created for an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cleanup {
    /// Environment name.
    pub environment: EnvironmentName,
}

/// What to do with an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    /// `PENDING` with customer-managed endpoints.
    Provision(Provision),
    /// `DELETED`.
    Cleanup(Cleanup),
    /// Nothing to do, and why.
    Ignore {
        /// Environment name when known.
        environment: Option<String>,
        /// Why nothing is done.
        reason: String,
    },
}

impl MwaaStatusChange {
    /// Decides what the event asks for, checking the fields that decision needs.
    pub fn intent(&self) -> Result<Intent, EventError> {
        let status = self
            .status
            .as_ref()
            .ok_or_else(|| missing("detail.status", "any"))?;
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| missing("detail.name", status.as_str()))?;
        let environment = EnvironmentName::parse("detail.name", name)?;
        match status {
            Status::Pending => self.provision(environment),
            Status::Deleted => Ok(Intent::Cleanup(Cleanup { environment })),
            Status::Other(s) => Ok(Intent::Ignore {
                environment: Some(environment.to_string()),
                reason: format!(
                    "status {s} needs no endpoint change (only PENDING and DELETED do)"
                ),
            }),
        }
    }

    fn provision(&self, environment: EnvironmentName) -> Result<Intent, EventError> {
        let status = "PENDING";
        match self.endpoint_management.as_deref() {
            None | Some("CUSTOMER") => {}
            Some("SERVICE") => {
                return Ok(Intent::Ignore {
                    environment: Some(environment.to_string()),
                    reason: "endpointManagement is SERVICE: MWAA creates the endpoints itself"
                        .into(),
                })
            }
            Some(other) => {
                return Err(EventError::Invalid {
                    field: "detail.endpointManagement".into(),
                    value: other.into(),
                    why: "expected CUSTOMER or SERVICE".into(),
                })
            }
        }
        let queue = self
            .celery_executor_queue
            .as_deref()
            .ok_or_else(|| missing("detail.celeryExecutorQueue", status))
            .and_then(|q| QueueArn::parse("detail.celeryExecutorQueue", q))?;
        let database = self
            .database_vpc_endpoint_service
            .as_deref()
            .ok_or_else(|| missing("detail.databaseVpcEndpointService", status))
            .and_then(|s| ServiceName::parse("detail.databaseVpcEndpointService", s))?;
        let mut services = vec![(EndpointRole::Database, database)];
        match self.webserver_access_mode.as_deref() {
            None | Some("PUBLIC_ONLY") => {}
            Some("PRIVATE_ONLY") => {
                let field = "detail.webserverVpcEndpointService";
                let web = self
                    .webserver_vpc_endpoint_service
                    .as_deref()
                    .ok_or_else(|| EventError::Missing {
                        field: field.into(),
                        status: "PENDING with webserverAccessMode PRIVATE_ONLY".into(),
                    })
                    .and_then(|s| ServiceName::parse(field, s))?;
                services.push((EndpointRole::Webserver, web));
            }
            Some(other) => {
                return Err(EventError::Invalid {
                    field: "detail.webserverAccessMode".into(),
                    value: other.into(),
                    why: "expected PRIVATE_ONLY or PUBLIC_ONLY".into(),
                })
            }
        }
        let net = self
            .network_configuration
            .as_ref()
            .ok_or_else(|| missing("detail.networkConfiguration", status))?;
        let subnets = non_empty(
            net.subnet_ids.as_deref(),
            "detail.networkConfiguration.subnetIds",
            status,
        )?
        .iter()
        .enumerate()
        .map(|(i, s)| SubnetId::parse(&format!("detail.networkConfiguration.subnetIds[{i}]"), s))
        .collect::<Result<Vec<_>, _>>()?;
        let security_groups = non_empty(
            net.security_group_ids.as_deref(),
            "detail.networkConfiguration.securityGroupIds",
            status,
        )?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            SecurityGroupId::parse(
                &format!("detail.networkConfiguration.securityGroupIds[{i}]"),
                s,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Intent::Provision(Provision {
            environment,
            environment_arn: self.arn.clone(),
            queue,
            services,
            subnets: dedup(subnets),
            security_groups: dedup(security_groups),
        }))
    }
}

fn missing(field: &str, status: &str) -> EventError {
    EventError::Missing {
        field: field.into(),
        status: status.into(),
    }
}

fn non_empty<'a>(
    v: Option<&'a [String]>,
    field: &str,
    status: &str,
) -> Result<&'a [String], EventError> {
    match v {
        None => Err(missing(field, status)),
        Some([]) => Err(EventError::Invalid {
            field: field.into(),
            value: "[]".into(),
            why: "the list is empty; at least one is required".into(),
        }),
        Some(v) => Ok(v),
    }
}

fn dedup<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}
