//! Off, dry run, or release.

use serde::Serialize;

/// What to do with flagged addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseMode {
    /// Nothing (the default).
    Off,
    /// Mark nothing, release nothing: report what would be marked, and ask EC2
    /// (`DryRun`) about the addresses already marked and due.
    DryRun,
    /// Mark, and release marked addresses whose grace period is over.
    Release,
}

impl ReleaseMode {
    /// The spelling [`ReleaseMode::parse`] takes.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReleaseMode::Off => "off",
            ReleaseMode::DryRun => "dry-run",
            ReleaseMode::Release => "release",
        }
    }

    /// `off`, `dry-run` or `release`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "off" | "" => Ok(ReleaseMode::Off),
            "dry-run" => Ok(ReleaseMode::DryRun),
            "release" => Ok(ReleaseMode::Release),
            other => Err(format!(
                "release mode {other:?}: expected off, dry-run or release"
            )),
        }
    }
}
