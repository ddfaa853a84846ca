//! The record written before each release (and completed after it): what
//! was released, on what evidence, and what every check found. `vpcwarden
//! eip restore` takes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::checks::CheckResult;

/// Evidence records live under this prefix of the data bucket.
pub const RELEASES: &str = "releases/";

/// `$schema`-like tag of the record's shape.
pub const EVIDENCE_SCHEMA: &str = "vpcwarden.release-evidence.v1";

/// `releases/dt=YYYY-MM-DD/HHMMSS-<account>-<region>-<allocation>.json`.
pub fn evidence_key(
    run_at: DateTime<Utc>,
    account: &str,
    region: &str,
    allocation_id: &str,
) -> String {
    format!(
        "{RELEASES}{}-{account}-{region}-{allocation_id}.json",
        run_at.format("dt=%Y-%m-%d/%H%M%S")
    )
}

/// What happened, written after the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    /// `released`, `skipped` or `failed`.
    pub action: String,
    /// When.
    pub at: DateTime<Utc>,
    /// EC2's refusal, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One release's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// [`EVIDENCE_SCHEMA`].
    pub schema: String,
    /// The run (report time).
    pub run_at: DateTime<Utc>,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Allocation id.
    pub allocation_id: String,
    /// The address.
    pub public_ip: String,
    /// Its tags just before the release.
    pub tags: Vec<(String, String)>,
    /// Idle since (the analysis).
    pub idle_since: Option<DateTime<Utc>>,
    /// What `idle_since` rests on.
    pub idle_since_basis: vpcwarden_eip::SinceBasis,
    /// Idle days (a lower bound for some bases).
    pub idle_days: Option<f64>,
    /// Its monthly cost.
    pub monthly_cost_usd: f64,
    /// When it was marked (tags).
    pub marked_at: Option<DateTime<Utc>>,
    /// The earliest release its mark allowed.
    pub release_after: DateTime<Utc>,
    /// Every check and its result.
    pub checks: Vec<CheckResult>,
    /// After the call.
    #[serde(default)]
    pub outcome: Option<OutcomeRecord>,
}
