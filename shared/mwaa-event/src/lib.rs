//! MWAA environments as this tool sees them: the `MWAA Environment Status
//! Change` EventBridge event, the same fields from `GetEnvironment`, and what
//! either says the environment needs.
//!
//! The event detail is parsed leniently (AWS publishes no schema for it; every
//! field is optional) into an [`Environment`], the shape `GetEnvironment` also
//! fills. [`Environment::desired`] then checks exactly the fields the status
//! needs and names the first one that is missing or malformed. Unknown status
//! values and access modes are kept, not rejected.
#![deny(missing_docs)]

mod desired;
mod detail;
mod environment;
mod error;
mod ids;
mod status;

pub use desired::{Cleanup, Desired, EndpointRole, Provision};
pub use detail::{MwaaStatusChange, NetworkConfiguration};
pub use environment::{account_of_arn, Environment, Origin};
pub use error::EventError;
pub use ids::{EnvironmentName, QueueArn, SecurityGroupId, ServiceName, SubnetId};
pub use status::{Need, Status};

/// EventBridge `source` of MWAA events.
pub const SOURCE: &str = "aws.airflow";
/// EventBridge `detail-type` of MWAA status changes.
pub const DETAIL_TYPE: &str = "MWAA Environment Status Change";
