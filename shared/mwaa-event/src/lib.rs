//! The `MWAA Environment Status Change` EventBridge event.
//!
//! The detail carries the MWAA `Environment` shape (camelCase). Every field is
//! optional when parsing, because MWAA sends different subsets per status;
//! [`MwaaStatusChange::intent`] then checks exactly the fields the status needs
//! and names the first one that is missing or malformed. Unknown status values
//! are kept, not rejected.
#![deny(missing_docs)]

mod detail;
mod error;
mod ids;
mod intent;

pub use detail::{MwaaStatusChange, NetworkConfiguration, Status};
pub use error::EventError;
pub use ids::{EnvironmentName, QueueArn, SecurityGroupId, ServiceName, SubnetId};
pub use intent::{Cleanup, EndpointRole, Intent, Provision};

/// EventBridge `source` of MWAA events.
pub const SOURCE: &str = "aws.airflow";
/// EventBridge `detail-type` of MWAA status changes.
pub const DETAIL_TYPE: &str = "MWAA Environment Status Change";
