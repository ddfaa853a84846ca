//! The idle-EIP report as data: the JSON document, and what every other
//! rendering is drawn from.

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_eip::{AddressReport, CoverageReport, IdlePoint, Summary, Totals};
use vpcwarden_eip_release::ReleaseResult;

/// `$id` of the JSON document's schema (`docs/report.schema.json`).
pub const SCHEMA_ID: &str = "https://vpcwarden.dev/schemas/idle-eip-report.v2.json";

/// The settings an answer was computed with (said in every rendering).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleSettings {
    /// Lookback window in days.
    pub window_days: i64,
    /// Idle at least this many days → flagged.
    pub threshold_days: i64,
    /// Addresses carrying this tag key are never flagged.
    pub exclude_tag: String,
    /// The tag naming an address's owner (else `owner`, `Owner`, `team` or `Team`).
    pub owner_tag: Option<String>,
}

/// The idle-EIP report.
#[derive(Debug, Clone, Serialize)]
pub struct IdleEipReport {
    /// [`SCHEMA_ID`].
    pub schema: &'static str,
    /// The report's "now".
    pub generated_at: DateTime<Utc>,
    /// Start of the window.
    pub window_start: DateTime<Utc>,
    /// What it was computed with.
    pub settings: IdleSettings,
    /// Totals.
    pub summary: Summary,
    /// Totals per account and region.
    pub totals: Totals,
    /// Which accounts, regions and days the trail covered.
    pub coverage: CoverageReport,
    /// What getting the events cost (engine figures).
    pub engine: serde_json::Value,
    /// Release results (empty when releasing is off).
    pub released: Vec<ReleaseResult>,
    /// Why the release step did not run although enabled.
    pub release_skipped: Option<String>,
    /// The release notice (marks by owner, how to keep), when there is one.
    pub release_notice: Option<String>,
    /// Accounts and regions the latest snapshot could not read, with the reason.
    pub snapshot_not_read: Vec<String>,
    /// Idle addresses and their cost day by day, from the dated snapshots.
    pub history: Vec<IdlePoint>,
    /// One row per address of the latest snapshot, largest waste first.
    pub addresses: Vec<AddressReport>,
}

/// Tag keys read as an address's owner when no owner tag is configured.
const OWNER_KEYS: [&str; 4] = ["owner", "Owner", "team", "Team"];

impl IdleEipReport {
    /// The one-line answer (the SNS summary's first line).
    pub fn headline(&self) -> String {
        let s = &self.summary;
        let unknown = if s.unknown > 0 {
            format!(
                "; {} unknown (free now, but the trail has gaps: not flagged)",
                s.unknown
            )
        } else {
            String::new()
        };
        format!(
            "{} of {} Elastic IPs idle (${:.2}/month); {} flagged for release (${:.2}/month){unknown}; idle cost in the window ${:.2}.",
            s.idle, s.addresses, s.idle_monthly_usd, s.flagged, s.flagged_monthly_usd, s.waste_in_window_usd
        )
    }

    /// An address's `Name` tag.
    pub fn name_of<'a>(&self, a: &'a AddressReport) -> Option<&'a str> {
        a.tags.get("Name").map(String::as_str)
    }

    /// An address's owner: the configured owner tag, else a common one.
    pub fn owner_of<'a>(&self, a: &'a AddressReport) -> Option<&'a str> {
        match &self.settings.owner_tag {
            Some(k) => a.tags.get(k).map(String::as_str),
            None => OWNER_KEYS
                .iter()
                .find_map(|k| a.tags.get(*k))
                .map(String::as_str),
        }
    }
}
