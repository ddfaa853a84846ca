//! What an environment needs from this tool, with every field that need
//! depends on checked. An event and `GetEnvironment` both lead here.

use serde::Serialize;

use crate::environment::{Environment, Origin};
use crate::error::EventError;
use crate::ids::{EnvironmentName, QueueArn, SecurityGroupId, ServiceName, SubnetId};
use crate::status::Need;

/// Which MWAA endpoint service an endpoint connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointRole {
    /// The metadata database.
    Database,
    /// The Airflow web server (private and public-and-private access modes).
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

/// The endpoints and queue grant an environment needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provision {
    /// Environment name.
    pub environment: EnvironmentName,
    /// Environment ARN when known.
    pub environment_arn: Option<String>,
    /// Account that owns the environment, when known.
    pub account: Option<String>,
    /// MWAA status the need was read from.
    pub status: String,
    /// Celery queue.
    pub queue: QueueArn,
    /// Endpoint services to connect, one per role.
    pub services: Vec<(EndpointRole, ServiceName)>,
    /// Subnets (at least one).
    pub subnets: Vec<SubnetId>,
    /// Security groups (at least one).
    pub security_groups: Vec<SecurityGroupId>,
    /// Things a person should know (an access mode this version does not know).
    pub warnings: Vec<String>,
}

/// Nothing will use the environment's endpoints again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cleanup {
    /// Environment name.
    pub environment: EnvironmentName,
    /// Account that owns the environment, when known (names are unique only
    /// within an account: cleanup touches that account's environment only).
    pub account: Option<String>,
    /// Why: the status, or "not found".
    pub reason: String,
}

/// What an environment needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "desired", rename_all = "snake_case")]
pub enum Desired {
    /// Its endpoints and queue grant.
    Present(Provision),
    /// Nothing: remove what this tool made for it.
    Absent(Cleanup),
    /// Not this tool's to change (service-managed endpoints, an unknown status).
    Unmanaged {
        /// Environment name when known.
        environment: Option<String>,
        /// Why nothing is done.
        reason: String,
    },
}

impl Desired {
    /// The account that owns the environment, when known.
    pub fn account(&self) -> Option<&str> {
        match self {
            Desired::Present(p) => p.account.as_deref(),
            Desired::Absent(c) => c.account.as_deref(),
            Desired::Unmanaged { .. } => None,
        }
    }

    /// The environment's name, when known.
    pub fn environment(&self) -> Option<&str> {
        match self {
            Desired::Present(p) => Some(p.environment.as_str()),
            Desired::Absent(c) => Some(c.environment.as_str()),
            Desired::Unmanaged { environment, .. } => environment.as_deref(),
        }
    }
}

impl Environment {
    /// Decides what the environment needs, checking the fields that decision needs.
    /// An absent `endpointManagement` or `webserverAccessMode` is read leniently
    /// (complete them from `GetEnvironment` first where possible: see
    /// [`Environment::missing_for_endpoints`]).
    pub fn desired(&self) -> Result<Desired, EventError> {
        let o = self.origin;
        let status = self
            .status
            .as_ref()
            .ok_or_else(|| missing(&o.path("status"), "any"))?;
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| missing(&o.path("name"), status.as_str()))?;
        let environment = EnvironmentName::parse(&o.path("name"), name)?;
        match status.need() {
            Need::Endpoints => self.provision(environment),
            Need::Cleanup => Ok(Desired::Absent(Cleanup {
                environment,
                account: self.account.clone(),
                reason: format!("status {}", status.as_str()),
            })),
            Need::Unknown => Ok(Desired::Unmanaged {
                environment: Some(environment.to_string()),
                reason: format!(
                    "status {} is unknown to this version: nothing changed",
                    status.as_str()
                ),
            }),
        }
    }

    fn provision(&self, environment: EnvironmentName) -> Result<Desired, EventError> {
        let o = self.origin;
        let status = self.status.as_ref().map(|s| s.as_str()).unwrap_or_default();
        let default_management = match o {
            // The event is routed here for customer-managed environments.
            Origin::Event => "CUSTOMER",
            // The API's default when the field is absent.
            Origin::GetEnvironment => "SERVICE",
        };
        match self
            .endpoint_management
            .as_deref()
            .unwrap_or(default_management)
        {
            "CUSTOMER" => {}
            "SERVICE" => {
                return Ok(Desired::Unmanaged {
                    environment: Some(environment.to_string()),
                    reason: "endpointManagement is SERVICE: MWAA creates the endpoints itself"
                        .into(),
                })
            }
            other => {
                return Err(EventError::Invalid {
                    field: o.path("endpointManagement"),
                    value: other.into(),
                    why: "expected CUSTOMER or SERVICE".into(),
                })
            }
        }
        let field = o.path("celeryExecutorQueue");
        let queue = self
            .celery_executor_queue
            .as_deref()
            .ok_or_else(|| missing(&field, status))
            .and_then(|q| QueueArn::parse(&field, q))?;
        let field = o.path("databaseVpcEndpointService");
        let database = self
            .database_vpc_endpoint_service
            .as_deref()
            .ok_or_else(|| missing(&field, status))
            .and_then(|s| ServiceName::parse(&field, s))?;
        let mut services = vec![(EndpointRole::Database, database)];
        let mut warnings = Vec::new();
        let web_field = o.path("webserverVpcEndpointService");
        let web = || {
            self.webserver_vpc_endpoint_service
                .as_deref()
                .map(|s| ServiceName::parse(&web_field, s))
                .transpose()
        };
        match self.webserver_access_mode.as_deref() {
            Some("PUBLIC_ONLY") => {}
            Some(mode @ ("PRIVATE_ONLY" | "PUBLIC_AND_PRIVATE")) => {
                let svc = web()?.ok_or_else(|| EventError::Missing {
                    field: web_field.clone(),
                    status: format!("{status} with webserverAccessMode {mode}"),
                })?;
                services.push((EndpointRole::Webserver, svc));
            }
            // A mode this version does not know (or none given): the service
            // name is the evidence. Creating an unneeded endpoint costs little;
            // a missing one fails the environment after 72 hours.
            mode => {
                let mode = mode.unwrap_or("(absent)");
                match web()? {
                    Some(svc) => {
                        services.push((EndpointRole::Webserver, svc));
                        if mode != "(absent)" {
                            warnings.push(format!(
                                "webserverAccessMode {mode} is unknown to this version: a webserver endpoint service is given, so its endpoint was made"
                            ));
                        }
                    }
                    None if mode != "(absent)" => warnings.push(format!(
                        "webserverAccessMode {mode} is unknown to this version and no webserver endpoint service is given: database endpoint only"
                    )),
                    None => {}
                }
            }
        }
        let subnets = list(
            self.subnet_ids.as_deref(),
            &o.path("networkConfiguration.subnetIds"),
            status,
            SubnetId::parse,
        )?;
        let security_groups = list(
            self.security_group_ids.as_deref(),
            &o.path("networkConfiguration.securityGroupIds"),
            status,
            SecurityGroupId::parse,
        )?;
        Ok(Desired::Present(Provision {
            environment,
            environment_arn: self.arn.clone(),
            account: self.account.clone(),
            status: status.to_string(),
            queue,
            services,
            subnets,
            security_groups,
            warnings,
        }))
    }
}

fn missing(field: &str, status: &str) -> EventError {
    EventError::Missing {
        field: field.into(),
        status: status.into(),
    }
}

/// A non-empty list of ids, each checked, sorted and deduplicated.
fn list<T: Ord>(
    v: Option<&[String]>,
    field: &str,
    status: &str,
    parse: fn(&str, &str) -> Result<T, EventError>,
) -> Result<Vec<T>, EventError> {
    let v = match v {
        None => return Err(missing(field, status)),
        Some([]) => {
            return Err(EventError::Invalid {
                field: field.into(),
                value: "[]".into(),
                why: "the list is empty; at least one is required".into(),
            })
        }
        Some(v) => v,
    };
    let mut out = v
        .iter()
        .enumerate()
        .map(|(i, s)| parse(&format!("{field}[{i}]"), s))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}
