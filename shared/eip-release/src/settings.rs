//! How cautious a release is.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::mode::ReleaseMode;

/// The release step's settings.
#[derive(Debug, Clone)]
pub struct ReleaseSettings {
    /// Off, dry run or release.
    pub mode: ReleaseMode,
    /// Idle at least this long before an address is a candidate (≥ 1 day when releasing).
    pub idle_threshold: Duration,
    /// Between the mark (and its notice) and the earliest release.
    pub grace: Duration,
    /// At most this many releases in one run; more due → none released.
    pub max_per_run: usize,
    /// At most this share (percent) of the idle addresses in one run, rounded
    /// up (so one of up to four idle addresses at 25%); more due → none released.
    pub max_percent: u32,
    /// The tag whose value groups the notice by owner (e.g. `team`).
    pub owner_tag: Option<String>,
    /// Addresses with this tag key are never marked or released.
    pub keep_tag: String,
}

impl Default for ReleaseSettings {
    fn default() -> Self {
        ReleaseSettings {
            mode: ReleaseMode::Off,
            idle_threshold: Duration::days(7),
            grace: Duration::days(7),
            max_per_run: 10,
            max_percent: 25,
            owner_tag: None,
            keep_tag: "vpcwarden:keep".into(),
        }
    }
}

/// A setting that makes releasing unsafe.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// Releasing what was attached a moment ago is never right.
    #[error("the idle threshold must be at least 1 day when release is on (it is {days})")]
    ThresholdTooShort {
        /// The threshold, in days.
        days: i64,
    },
    /// Out of range.
    #[error("the release cap percentage must be from 1 to 100 (it is {0})")]
    Percent(u32),
}

impl ReleaseSettings {
    /// Refuses settings under which a release could surprise anyone.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.mode != ReleaseMode::Off && self.idle_threshold < Duration::days(1) {
            return Err(SettingsError::ThresholdTooShort {
                days: self.idle_threshold.num_days(),
            });
        }
        if !(1..=100).contains(&self.max_percent) {
            return Err(SettingsError::Percent(self.max_percent));
        }
        Ok(())
    }

    /// How many releases the caps allow with `idle` idle addresses.
    pub fn allowed(&self, idle: usize) -> usize {
        let by_share = (idle * self.max_percent as usize).div_ceil(100);
        by_share.min(self.max_per_run)
    }
}

/// Why releasing waits on the snapshot's age (`None`: fresh enough).
/// A snapshot older than `max_age` (twice its schedule) may miss an
/// attachment made since: releasing on it is releasing blind.
pub fn snapshot_age_block(
    snapshot_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Option<String> {
    match snapshot_at {
        None => Some("the newest snapshot's time cannot be read from its key".into()),
        Some(at) if now - at > max_age => Some(format!(
            "the newest snapshot is from {}, {} h old, older than twice its schedule ({} h): take a snapshot first",
            at.format("%Y-%m-%d %H:%M UTC"),
            (now - at).num_hours(),
            max_age.num_hours()
        )),
        Some(_) => None,
    }
}
