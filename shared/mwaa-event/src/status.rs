//! MWAA's `EnvironmentStatus`, and what each value asks of this tool.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An environment's status. Values this version does not know are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being created.
    Creating,
    /// Creation failed; the environment can only be deleted.
    CreateFailed,
    /// Running.
    Available,
    /// Being updated.
    Updating,
    /// Being deleted.
    Deleting,
    /// Deleted.
    Deleted,
    /// Not reachable by MWAA (its endpoints must stay for it to recover).
    Unavailable,
    /// An update failed; the environment still runs.
    UpdateFailed,
    /// Rolling back an update.
    RollingBack,
    /// Taking a snapshot before an upgrade.
    CreatingSnapshot,
    /// Waiting for customer-managed endpoints (at most 72 hours, then `CREATE_FAILED`).
    Pending,
    /// In maintenance.
    Maintenance,
    /// A value this version does not know.
    Other(String),
}

/// What a status asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The environment uses (or is about to use) its endpoints and queue grant.
    Endpoints,
    /// Nothing will use them again: remove what this tool made.
    Cleanup,
    /// Unknown status: change nothing, say so.
    Unknown,
}

const NAMES: [(Status, &str); 12] = [
    (Status::Creating, "CREATING"),
    (Status::CreateFailed, "CREATE_FAILED"),
    (Status::Available, "AVAILABLE"),
    (Status::Updating, "UPDATING"),
    (Status::Deleting, "DELETING"),
    (Status::Deleted, "DELETED"),
    (Status::Unavailable, "UNAVAILABLE"),
    (Status::UpdateFailed, "UPDATE_FAILED"),
    (Status::RollingBack, "ROLLING_BACK"),
    (Status::CreatingSnapshot, "CREATING_SNAPSHOT"),
    (Status::Pending, "PENDING"),
    (Status::Maintenance, "MAINTENANCE"),
];

impl Status {
    /// Every status MWAA documents, in the API model's order.
    pub fn known() -> impl Iterator<Item = Status> {
        NAMES.into_iter().map(|(s, _)| s)
    }

    /// Parses MWAA's spelling; anything else is kept as [`Status::Other`].
    pub fn parse(s: &str) -> Status {
        NAMES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(st, _)| st.clone())
            .unwrap_or_else(|| Status::Other(s.to_string()))
    }

    /// The status as MWAA spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Other(s) => s,
            known => NAMES
                .iter()
                .find(|(st, _)| st == known)
                .map(|(_, n)| *n)
                .unwrap_or_default(),
        }
    }

    /// What this status asks of the endpoints and the queue grant.
    pub fn need(&self) -> Need {
        match self {
            // A failed creation is never repaired (only deleted), and whether a
            // final DELETED is emitted is undocumented: clean up on the first sign.
            Status::CreateFailed | Status::Deleting | Status::Deleted => Need::Cleanup,
            Status::Other(_) => Need::Unknown,
            _ => Need::Endpoints,
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
        Ok(Status::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_round_trips_and_has_the_documented_need() {
        let needs: Vec<(String, Need)> = Status::known()
            .map(|s| {
                assert_eq!(Status::parse(s.as_str()), s);
                (s.as_str().to_string(), s.need())
            })
            .collect();
        let cleanup: Vec<&str> = needs
            .iter()
            .filter(|(_, n)| *n == Need::Cleanup)
            .map(|(s, _)| s.as_str())
            .collect();
        assert_eq!(cleanup, ["CREATE_FAILED", "DELETING", "DELETED"]);
        assert_eq!(needs.len(), 12);
        assert!(needs
            .iter()
            .all(|(_, n)| matches!(n, Need::Cleanup | Need::Endpoints)));
        assert_eq!(Status::parse("HIBERNATING").need(), Need::Unknown);
        assert_eq!(Status::parse("HIBERNATING").as_str(), "HIBERNATING");
    }
}
