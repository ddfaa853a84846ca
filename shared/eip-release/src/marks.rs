//! The mark: tags on the address (AWS state, what owners see and edit) and a
//! record in the data bucket (our memory that we marked it, so a removed tag
//! reads as "the owner kept it", not as "never marked").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Tag: the earliest release, RFC 3339 UTC. Owners may move it later, or
/// remove it to keep the address.
pub const RELEASE_AFTER: &str = "vpcwarden:release-after";
/// Tag: when it was marked (an attachment after it cancels the release).
pub const MARKED_AT: &str = "vpcwarden:marked-at";
/// Mark records live under this prefix of the data bucket.
pub const MARKS: &str = "releases/marks/";

/// `releases/marks/<account>/<region>/<allocation>.json`.
pub fn mark_key(account: &str, region: &str, allocation_id: &str) -> String {
    format!("{MARKS}{account}/{region}/{allocation_id}.json")
}

/// Where a mark stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkState {
    /// Marked; released after its date if every check holds.
    Marked,
    /// Cancelled (owner removed the mark, keep tag, attachment).
    Cancelled,
    /// Released.
    Released,
}

/// Our record of a mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkRecord {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Allocation id.
    pub allocation_id: String,
    /// Address.
    pub public_ip: String,
    /// When marked.
    pub marked_at: DateTime<Utc>,
    /// Earliest release when marked.
    pub release_after: DateTime<Utc>,
    /// Where it stands.
    pub state: MarkState,
    /// When it last changed state.
    pub changed_at: DateTime<Utc>,
    /// Why (cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl MarkRecord {
    /// The key it is kept under.
    pub fn key(&self) -> String {
        mark_key(&self.account, &self.region, &self.allocation_id)
    }
}

/// The mark as the address's tags say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMark {
    /// `vpcwarden:marked-at`, when present and readable.
    pub marked_at: Option<DateTime<Utc>>,
    /// `vpcwarden:release-after`, or its unreadable value.
    pub release_after: Result<DateTime<Utc>, String>,
}

fn time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The mark on an address with these tags (`None`: not marked).
pub fn tag_mark(tags: &[(String, String)]) -> Option<TagMark> {
    let get = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let after = get(RELEASE_AFTER)?;
    Some(TagMark {
        marked_at: get(MARKED_AT).and_then(time),
        release_after: time(after).ok_or_else(|| after.to_string()),
    })
}

/// The tag value of a time (seconds, `Z`).
pub(crate) fn tag_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
