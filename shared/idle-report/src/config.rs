//! The report's settings from environment variables (the function's
//! configuration, and `vpcwarden eip run`'s). Each error names the variable.

use chrono::NaiveDate;
use thiserror::Error;
use vpcwarden_athena::TrailTable;

use chrono::{DateTime, Duration, Utc};
use vpcwarden_eip::Settings;
use vpcwarden_eip_release::{ReleaseMode, ReleaseSettings};

/// A variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{variable}: {message}")]
pub struct EnvError {
    /// Variable name.
    pub variable: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Which engine, with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineSpec {
    /// Athena.
    Athena {
        /// Table and locations.
        table: Box<TrailTable>,
        /// Workgroup.
        workgroup: String,
        /// Deadline in seconds.
        deadline_secs: u64,
    },
    /// The local engine over an `s3://bucket/prefix` or a directory.
    Local {
        /// Where the trail's files are.
        location: String,
        /// A file inflating past this is refused (`VPCWARDEN_MAX_FILE_MIB`, default 256).
        max_file_bytes: u64,
    },
}

/// Everything a run is configured with.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    /// Data bucket (snapshots, reports).
    pub bucket: String,
    /// Job settings.
    pub job: JobConfig,
    /// The member-account role releases act through (`VPCWARDEN_RELEASE_ROLE_NAME`).
    pub release_role_name: String,
    /// Engine.
    pub engine: EngineSpec,
    /// The event store (`None`: every run reads the whole window).
    pub store: Option<StoreSpec>,
}

/// Where the event store is and how many past days each run reads again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    /// `s3://bucket[/prefix]` or a directory.
    pub location: String,
    /// Days before today extracted again every run.
    pub refresh_days: i64,
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads the configuration through `get` (e.g. `std::env::var(..).ok()`).
pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<EnvConfig, EnvError> {
    let opt = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let need = |k: &'static str| {
        opt(k).ok_or(EnvError {
            variable: k,
            message: "is required".into(),
        })
    };
    let number = |k: &'static str, default: i64, min: i64| -> Result<i64, EnvError> {
        match opt(k) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= min)
                .ok_or(EnvError {
                    variable: k,
                    message: format!("{v:?} is not a whole number >= {min}"),
                }),
        }
    };
    let bucket = need("VPCWARDEN_BUCKET")?;
    let release = ReleaseMode::parse(opt("VPCWARDEN_RELEASE").as_deref().unwrap_or("off"))
        .map_err(|m| EnvError {
            variable: "VPCWARDEN_RELEASE",
            message: m,
        })?;
    let job = JobConfig {
        window_days: number("VPCWARDEN_LOOKBACK_DAYS", 90, 1)?,
        threshold_days: number("VPCWARDEN_IDLE_THRESHOLD_DAYS", 7, 0)?,
        exclude_tag: opt("VPCWARDEN_EXCLUDE_TAG").unwrap_or_else(|| "vpcwarden:keep".into()),
        release,
        sns_topic: opt("VPCWARDEN_SNS_TOPIC_ARN"),
        earlier_snapshots: number("VPCWARDEN_EARLIER_SNAPSHOTS", 400, 0)? as usize,
        grace_days: number("VPCWARDEN_RELEASE_GRACE_DAYS", 7, 1)?,
        release_max_per_run: number("VPCWARDEN_RELEASE_MAX_PER_RUN", 10, 1)? as usize,
        release_max_percent: number("VPCWARDEN_RELEASE_MAX_PERCENT", 25, 1)?.min(u32::MAX as i64)
            as u32,
        owner_tag: opt("VPCWARDEN_OWNER_TAG"),
        snapshot_max_age_hours: number("VPCWARDEN_SNAPSHOT_MAX_AGE_HOURS", 12, 1)?,
    };
    // Checked here so an unsafe combination fails before any call is made.
    job.release_settings().validate().map_err(|e| EnvError {
        variable: match e {
            vpcwarden_eip_release::SettingsError::ThresholdTooShort { .. } => {
                "VPCWARDEN_IDLE_THRESHOLD_DAYS"
            }
            vpcwarden_eip_release::SettingsError::Percent(_) => "VPCWARDEN_RELEASE_MAX_PERCENT",
        },
        message: e.to_string(),
    })?;
    let release_role_name =
        opt("VPCWARDEN_RELEASE_ROLE_NAME").unwrap_or_else(|| "vpcwarden-release".into());
    if !is_role_name(&release_role_name) {
        return Err(EnvError {
            variable: "VPCWARDEN_RELEASE_ROLE_NAME",
            message: format!("{release_role_name:?} is not an IAM role name"),
        });
    }
    let engine = match opt("VPCWARDEN_ENGINE").as_deref().unwrap_or("athena") {
        "athena" => {
            let first_day = match opt("VPCWARDEN_PROJECTION_START") {
                None => NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date"),
                Some(v) => {
                    NaiveDate::parse_from_str(v.trim(), "%Y/%m/%d").map_err(|_| EnvError {
                        variable: "VPCWARDEN_PROJECTION_START",
                        message: format!("{v:?} is not yyyy/MM/dd"),
                    })?
                }
            };
            let mut prefix = opt("VPCWARDEN_CLOUDTRAIL_PREFIX").unwrap_or_default();
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            let table = TrailTable {
                database: opt("VPCWARDEN_GLUE_DATABASE").unwrap_or_else(|| "vpcwarden".into()),
                table: opt("VPCWARDEN_CLOUDTRAIL_TABLE").unwrap_or_else(|| "cloudtrail_v1".into()),
                snapshot_table: opt("VPCWARDEN_SNAPSHOT_TABLE")
                    .unwrap_or_else(|| "eip_snapshots_v1".into()),
                bucket: need("VPCWARDEN_CLOUDTRAIL_BUCKET")?,
                prefix,
                organization: opt("VPCWARDEN_ORGANIZATION_ID"),
                accounts: list(&need("VPCWARDEN_ACCOUNTS")?),
                regions: list(&need("VPCWARDEN_REGIONS")?),
                first_day,
                snapshot_bucket: bucket.clone(),
            };
            // Checked here so a bad value fails before any call is made.
            table.validate().map_err(|e| EnvError {
                variable: env_of(e.field),
                message: e.to_string(),
            })?;
            EngineSpec::Athena {
                table: Box::new(table),
                workgroup: opt("VPCWARDEN_ATHENA_WORKGROUP").unwrap_or_else(|| "primary".into()),
                deadline_secs: number("VPCWARDEN_ATHENA_DEADLINE_SECS", 600, 1)? as u64,
            }
        }
        "local" => EngineSpec::Local {
            location: need("VPCWARDEN_CLOUDTRAIL_URI")?,
            max_file_bytes: (number(
                "VPCWARDEN_MAX_FILE_MIB",
                (vpcwarden_trail::DEFAULT_MAX_FILE_BYTES >> 20) as i64,
                1,
            )?
            .min(1 << 20) as u64)
                << 20,
        },
        other => {
            return Err(EnvError {
                variable: "VPCWARDEN_ENGINE",
                message: format!("{other:?}: expected athena or local"),
            })
        }
    };
    // On by default, in the data bucket: `off` makes every run rescan the window.
    let store = match opt("VPCWARDEN_EVENT_STORE").as_deref().map(str::trim) {
        Some("off") => None,
        Some(location) if location.starts_with("s3://") => Some(location.to_string()),
        Some(other) => {
            return Err(EnvError {
                variable: "VPCWARDEN_EVENT_STORE",
                message: format!("{other:?}: expected s3://bucket[/prefix] or off"),
            })
        }
        None => Some(format!("s3://{bucket}/")),
    }
    .map(|location| -> Result<StoreSpec, EnvError> {
        Ok(StoreSpec {
            location,
            refresh_days: number("VPCWARDEN_STORE_REFRESH_DAYS", 2, 1)?,
        })
    })
    .transpose()?;
    Ok(EnvConfig {
        bucket,
        job,
        release_role_name,
        engine,
        store,
    })
}

/// The snapshot function's settings.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// Data bucket (`VPCWARDEN_BUCKET`).
    pub bucket: String,
    /// Only these regions (`VPCWARDEN_SNAPSHOT_REGIONS`; default every enabled region).
    pub regions: Vec<String>,
    /// Several accounts (`VPCWARDEN_SNAPSHOT_ACCOUNTS`), read through
    /// `VPCWARDEN_SNAPSHOT_ROLE_NAME` (default `vpcwarden-snapshot-read`),
    /// `VPCWARDEN_SNAPSHOT_ACCOUNT_CONCURRENCY` at once (default 4).
    /// `None`: the account the function runs in.
    pub accounts: Option<crate::snapshot::AccountsSpec>,
}

/// The snapshot function's settings from the environment; each error names its variable.
pub fn snapshot_from_env(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<SnapshotSettings, EnvError> {
    let opt = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let bucket = opt("VPCWARDEN_BUCKET").ok_or(EnvError {
        variable: "VPCWARDEN_BUCKET",
        message: "is required".into(),
    })?;
    let regions = opt("VPCWARDEN_SNAPSHOT_REGIONS")
        .map(|v| list(&v))
        .unwrap_or_default();
    let accounts = match opt("VPCWARDEN_SNAPSHOT_ACCOUNTS") {
        None => None,
        Some(v) => {
            let accounts =
                vpcwarden_inventory::AccountList::parse(&v).map_err(|message| EnvError {
                    variable: "VPCWARDEN_SNAPSHOT_ACCOUNTS",
                    message,
                })?;
            let role_name = opt("VPCWARDEN_SNAPSHOT_ROLE_NAME")
                .unwrap_or_else(|| "vpcwarden-snapshot-read".into());
            if !is_role_name(&role_name) {
                return Err(EnvError {
                    variable: "VPCWARDEN_SNAPSHOT_ROLE_NAME",
                    message: format!("{role_name:?} is not an IAM role name"),
                });
            }
            let concurrency = match opt("VPCWARDEN_SNAPSHOT_ACCOUNT_CONCURRENCY") {
                None => vpcwarden_inventory::ACCOUNT_CONCURRENCY,
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or(EnvError {
                        variable: "VPCWARDEN_SNAPSHOT_ACCOUNT_CONCURRENCY",
                        message: format!("{v:?} is not a whole number from 1 to 64"),
                    })?,
            };
            Some(crate::snapshot::AccountsSpec {
                accounts,
                role_name,
                concurrency,
            })
        }
    };
    Ok(SnapshotSettings {
        bucket,
        regions,
        accounts,
    })
}

fn is_role_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn env_of(field: &str) -> &'static str {
    match field {
        "database" => "VPCWARDEN_GLUE_DATABASE",
        "table" => "VPCWARDEN_CLOUDTRAIL_TABLE",
        "snapshot_table" => "VPCWARDEN_SNAPSHOT_TABLE",
        "bucket" => "VPCWARDEN_CLOUDTRAIL_BUCKET",
        "snapshot_bucket" => "VPCWARDEN_BUCKET",
        "prefix" => "VPCWARDEN_CLOUDTRAIL_PREFIX",
        "organization" => "VPCWARDEN_ORGANIZATION_ID",
        "accounts" => "VPCWARDEN_ACCOUNTS",
        _ => "VPCWARDEN_REGIONS",
    }
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Lookback window.
    pub window_days: i64,
    /// Idle at least this long → flagged.
    pub threshold_days: i64,
    /// Addresses with this tag key are never flagged or released.
    pub exclude_tag: String,
    /// What to do with flagged addresses.
    pub release: ReleaseMode,
    /// Topic for the summary, if any.
    pub sns_topic: Option<String>,
    /// At most this many earlier snapshots (one per day of the window, plus the
    /// last before it) map association ids of attachments made before the window.
    pub earlier_snapshots: usize,
    /// Days between the mark (and its notice) and the earliest release.
    pub grace_days: i64,
    /// At most this many releases per run.
    pub release_max_per_run: usize,
    /// At most this share (percent, rounded up) of the idle addresses per run.
    pub release_max_percent: u32,
    /// The tag whose value groups the release notice by owner.
    pub owner_tag: Option<String>,
    /// No release when the newest snapshot is older (twice its schedule).
    pub snapshot_max_age_hours: i64,
}

impl Default for JobConfig {
    fn default() -> Self {
        JobConfig {
            window_days: 90,
            threshold_days: 7,
            exclude_tag: "vpcwarden:keep".into(),
            release: ReleaseMode::Off,
            sns_topic: None,
            earlier_snapshots: 400,
            grace_days: 7,
            release_max_per_run: 10,
            release_max_percent: 25,
            owner_tag: None,
            // Twice the default snapshot schedule, rate(6 hours).
            snapshot_max_age_hours: 12,
        }
    }
}

impl JobConfig {
    /// The release step's settings.
    pub fn release_settings(&self) -> ReleaseSettings {
        ReleaseSettings {
            mode: self.release,
            idle_threshold: Duration::days(self.threshold_days),
            grace: Duration::days(self.grace_days),
            max_per_run: self.release_max_per_run,
            max_percent: self.release_max_percent,
            owner_tag: self.owner_tag.clone(),
            keep_tag: self.exclude_tag.clone(),
        }
    }

    /// The settings a report says it was computed with.
    pub fn idle_settings(&self) -> vpcwarden_report::IdleSettings {
        vpcwarden_report::IdleSettings {
            window_days: self.window_days,
            threshold_days: self.threshold_days,
            exclude_tag: self.exclude_tag.clone(),
            owner_tag: self.owner_tag.clone(),
        }
    }

    /// The analysis settings for a report at `now`.
    pub fn settings(&self, now: DateTime<Utc>) -> Settings {
        Settings {
            window_start: now - Duration::days(self.window_days),
            idle_threshold: Duration::days(self.threshold_days),
            exclude_tag: self.exclude_tag.clone(),
            ..Settings::new(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<EnvConfig, EnvError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_env(&|k| m.get(k).cloned())
    }

    const ATHENA: &[(&str, &str)] = &[
        ("VPCWARDEN_BUCKET", "vpcwarden-data"),
        ("VPCWARDEN_CLOUDTRAIL_BUCKET", "trail-logs"),
        ("VPCWARDEN_ACCOUNTS", "111122223333, 444455556666"),
        ("VPCWARDEN_REGIONS", "us-east-1,eu-west-1"),
    ];

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = cfg(ATHENA).unwrap();
        assert_eq!(
            (c.job.window_days, c.job.threshold_days, c.job.release),
            (90, 7, ReleaseMode::Off)
        );
        let EngineSpec::Athena {
            table, workgroup, ..
        } = c.engine
        else {
            panic!("athena by default")
        };
        assert_eq!(table.accounts, ["111122223333", "444455556666"]);
        assert_eq!(workgroup, "primary");
        assert_eq!(
            c.store,
            Some(StoreSpec {
                location: "s3://vpcwarden-data/".into(),
                refresh_days: 2
            }),
            "the event store is on, in the data bucket"
        );
        let mut off = ATHENA.to_vec();
        off.push(("VPCWARDEN_EVENT_STORE", "off"));
        assert_eq!(cfg(&off).unwrap().store, None);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str, &str)] = &[
            ("VPCWARDEN_LOOKBACK_DAYS", "0", "VPCWARDEN_LOOKBACK_DAYS"),
            (
                "VPCWARDEN_IDLE_THRESHOLD_DAYS",
                "seven",
                "VPCWARDEN_IDLE_THRESHOLD_DAYS",
            ),
            ("VPCWARDEN_RELEASE", "yes", "VPCWARDEN_RELEASE"),
            ("VPCWARDEN_ENGINE", "spark", "VPCWARDEN_ENGINE"),
            ("VPCWARDEN_ACCOUNTS", "1234", "VPCWARDEN_ACCOUNTS"),
            (
                "VPCWARDEN_CLOUDTRAIL_PREFIX",
                "a' OR 1=1",
                "VPCWARDEN_CLOUDTRAIL_PREFIX",
            ),
            (
                "VPCWARDEN_ORGANIZATION_ID",
                "org-1",
                "VPCWARDEN_ORGANIZATION_ID",
            ),
            (
                "VPCWARDEN_PROJECTION_START",
                "2026-01-01",
                "VPCWARDEN_PROJECTION_START",
            ),
            ("VPCWARDEN_EVENT_STORE", "/tmp/x", "VPCWARDEN_EVENT_STORE"),
            (
                "VPCWARDEN_RELEASE_MAX_PERCENT",
                "101",
                "VPCWARDEN_RELEASE_MAX_PERCENT",
            ),
            (
                "VPCWARDEN_RELEASE_GRACE_DAYS",
                "0",
                "VPCWARDEN_RELEASE_GRACE_DAYS",
            ),
            (
                "VPCWARDEN_RELEASE_ROLE_NAME",
                "no spaces",
                "VPCWARDEN_RELEASE_ROLE_NAME",
            ),
            (
                "VPCWARDEN_STORE_REFRESH_DAYS",
                "0",
                "VPCWARDEN_STORE_REFRESH_DAYS",
            ),
        ];
        for (k, v, named) in cases {
            let mut pairs = ATHENA.to_vec();
            pairs.retain(|(x, _)| x != k);
            pairs.push((k, v));
            let err = cfg(&pairs).unwrap_err();
            assert_eq!(err.variable, *named, "{k}={v}: {err}");
        }
        assert_eq!(cfg(&[]).unwrap_err().variable, "VPCWARDEN_BUCKET");
        // Releasing what was attached a moment ago: refused, naming the threshold.
        let mut zero = ATHENA.to_vec();
        zero.push(("VPCWARDEN_IDLE_THRESHOLD_DAYS", "0"));
        assert!(cfg(&zero).is_ok(), "a report alone may use 0");
        zero.push(("VPCWARDEN_RELEASE", "release"));
        let err = cfg(&zero).unwrap_err();
        assert_eq!(err.variable, "VPCWARDEN_IDLE_THRESHOLD_DAYS", "{err}");
        assert!(err.message.contains("at least 1 day"), "{err}");
        assert_eq!(
            cfg(&[("VPCWARDEN_BUCKET", "b"), ("VPCWARDEN_ENGINE", "local")])
                .unwrap_err()
                .variable,
            "VPCWARDEN_CLOUDTRAIL_URI"
        );
    }
}
