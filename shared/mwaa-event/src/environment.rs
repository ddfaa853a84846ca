//! One description of an environment, whether an event or `GetEnvironment`
//! gave it: the fields this tool reads, all optional until a need checks them.

use serde::Serialize;

use crate::status::{Need, Status};

/// Where a description came from; it names the fields in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// An EventBridge event's `detail` (lower-camel field names).
    Event,
    /// The MWAA API's `GetEnvironment` (`Environment.*`, Pascal-case).
    GetEnvironment,
}

impl Origin {
    /// The path of a field given in the event's lower-camel spelling, e.g.
    /// `networkConfiguration.subnetIds` → `detail.networkConfiguration.subnetIds`
    /// or `Environment.NetworkConfiguration.SubnetIds`.
    pub fn path(self, camel: &str) -> String {
        match self {
            Origin::Event => format!("detail.{camel}"),
            Origin::GetEnvironment => {
                let pascal: Vec<String> = camel
                    .split('.')
                    .map(|seg| {
                        let mut c = seg.chars();
                        c.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    })
                    .collect();
                format!("Environment.{}", pascal.join("."))
            }
        }
    }
}

/// An environment as last described.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Environment {
    /// Where this description came from.
    pub origin: Origin,
    /// Account that owns the environment (the event's `account`, or the ARN's).
    pub account: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// ARN.
    pub arn: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Celery SQS queue ARN.
    pub celery_executor_queue: Option<String>,
    /// Database endpoint service.
    pub database_vpc_endpoint_service: Option<String>,
    /// Web server endpoint service.
    pub webserver_vpc_endpoint_service: Option<String>,
    /// `PRIVATE_ONLY`, `PUBLIC_ONLY`, `PUBLIC_AND_PRIVATE`, or a newer value.
    pub webserver_access_mode: Option<String>,
    /// `CUSTOMER` or `SERVICE`.
    pub endpoint_management: Option<String>,
    /// Subnets.
    pub subnet_ids: Option<Vec<String>>,
    /// Security groups.
    pub security_group_ids: Option<Vec<String>>,
    /// Creation time, epoch seconds (`GetEnvironment` only).
    pub created_at: Option<i64>,
}

impl Environment {
    /// An empty description from `origin`.
    pub fn new(origin: Origin) -> Self {
        Environment {
            origin,
            account: None,
            name: None,
            arn: None,
            status: None,
            celery_executor_queue: None,
            database_vpc_endpoint_service: None,
            webserver_vpc_endpoint_service: None,
            webserver_access_mode: None,
            endpoint_management: None,
            subnet_ids: None,
            security_group_ids: None,
            created_at: None,
        }
    }

    /// Fields that deciding the endpoints needs and this description lacks
    /// (paths as [`Origin::path`] spells them). Empty when the status needs no endpoints.
    /// An event missing any of them is completed from `GetEnvironment` when it can be.
    pub fn missing_for_endpoints(&self) -> Vec<String> {
        if self.status.as_ref().map(Status::need) != Some(Need::Endpoints) {
            return Vec::new();
        }
        let mut missing = Vec::new();
        let mut need = |present: bool, camel: &str| {
            if !present {
                missing.push(self.origin.path(camel));
            }
        };
        need(self.endpoint_management.is_some(), "endpointManagement");
        need(self.celery_executor_queue.is_some(), "celeryExecutorQueue");
        need(
            self.database_vpc_endpoint_service.is_some(),
            "databaseVpcEndpointService",
        );
        need(self.webserver_access_mode.is_some(), "webserverAccessMode");
        if matches!(
            self.webserver_access_mode.as_deref(),
            Some("PRIVATE_ONLY" | "PUBLIC_AND_PRIVATE")
        ) {
            need(
                self.webserver_vpc_endpoint_service.is_some(),
                "webserverVpcEndpointService",
            );
        }
        // Absent, not malformed: an empty or wrong value is the event's own
        // error, reported as such rather than looked up.
        need(self.subnet_ids.is_some(), "networkConfiguration.subnetIds");
        need(
            self.security_group_ids.is_some(),
            "networkConfiguration.securityGroupIds",
        );
        missing
    }
}

/// The account in an MWAA environment ARN (`arn:aws:airflow:<region>:<account>:environment/<name>`).
pub fn account_of_arn(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "airflow"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit()))
    .then(|| parts[4].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_field_as_its_origin_spells_it() {
        assert_eq!(
            Origin::Event.path("networkConfiguration.subnetIds"),
            "detail.networkConfiguration.subnetIds"
        );
        assert_eq!(
            Origin::GetEnvironment.path("networkConfiguration.subnetIds"),
            "Environment.NetworkConfiguration.SubnetIds"
        );
        assert_eq!(
            account_of_arn("arn:aws:airflow:us-east-1:111122223333:environment/x").as_deref(),
            Some("111122223333")
        );
        assert_eq!(
            account_of_arn("arn:aws:airflow:us-east-1:x:environment/x"),
            None
        );
    }

    #[test]
    fn a_pending_description_without_network_lists_what_is_missing() {
        let mut e = Environment::new(Origin::Event);
        e.status = Some(Status::Pending);
        e.endpoint_management = Some("CUSTOMER".into());
        e.webserver_access_mode = Some("PUBLIC_AND_PRIVATE".into());
        assert_eq!(
            e.missing_for_endpoints(),
            [
                "detail.celeryExecutorQueue",
                "detail.databaseVpcEndpointService",
                "detail.webserverVpcEndpointService",
                "detail.networkConfiguration.subnetIds",
                "detail.networkConfiguration.securityGroupIds"
            ]
        );
        e.status = Some(Status::Deleted);
        assert!(e.missing_for_endpoints().is_empty());
    }
}
