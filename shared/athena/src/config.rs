//! Names and locations, validated before they are placed into DDL or SQL.

use chrono::NaiveDate;
use thiserror::Error;

/// A value that cannot be placed into DDL or SQL.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {value:?} {rule}")]
pub struct ConfigError {
    /// Which setting.
    pub field: &'static str,
    /// The value given.
    pub value: String,
    /// What it must look like.
    pub rule: &'static str,
}

/// Where the trail is and what to call its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailTable {
    /// Glue database.
    pub database: String,
    /// CloudTrail table.
    pub table: String,
    /// Snapshot table.
    pub snapshot_table: String,
    /// Bucket the trail delivers to.
    pub bucket: String,
    /// Key prefix before `AWSLogs/` (empty or ending in `/`).
    pub prefix: String,
    /// Organization trail: its organization id.
    pub organization: Option<String>,
    /// Accounts whose logs the table covers.
    pub accounts: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// First day of the projected range.
    pub first_day: NaiveDate,
    /// Bucket (and prefix) of snapshots: `s3://<this>snapshots/`.
    pub snapshot_bucket: String,
}

fn check(
    field: &'static str,
    value: &str,
    ok: bool,
    rule: &'static str,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError {
            field,
            value: value.into(),
            rule,
        })
    }
}

fn is_ident(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_bucket(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

fn is_region(s: &str) -> bool {
    // us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

impl TrailTable {
    /// Checks every value; the first bad one is named.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check(
            "database",
            &self.database,
            is_ident(&self.database),
            "must be lower-case letters, digits and _",
        )?;
        check(
            "table",
            &self.table,
            is_ident(&self.table),
            "must be lower-case letters, digits and _",
        )?;
        check(
            "snapshot_table",
            &self.snapshot_table,
            is_ident(&self.snapshot_table),
            "must be lower-case letters, digits and _",
        )?;
        check(
            "bucket",
            &self.bucket,
            is_bucket(&self.bucket),
            "is not an S3 bucket name",
        )?;
        check(
            "snapshot_bucket",
            &self.snapshot_bucket,
            is_bucket(&self.snapshot_bucket),
            "is not an S3 bucket name",
        )?;
        check(
            "prefix",
            &self.prefix,
            (self.prefix.is_empty() || self.prefix.ends_with('/'))
                && !self.prefix.starts_with('/')
                && self
                    .prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!-_.*()/".contains(&b)),
            "must be empty or end in '/', with letters, digits and !-_.*()/ only",
        )?;
        if let Some(org) = &self.organization {
            check(
                "organization",
                org,
                org.len() >= 12
                    && org.len() <= 34
                    && org.starts_with("o-")
                    && org[2..]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "is not an organization id (o- and 10-32 lower-case letters or digits)",
            )?;
        }
        check(
            "accounts",
            &self.accounts.join(","),
            !self.accounts.is_empty(),
            "must list at least one account",
        )?;
        for a in &self.accounts {
            check(
                "accounts",
                a,
                a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()),
                "is not a 12-digit account id",
            )?;
        }
        check(
            "regions",
            &self.regions.join(","),
            !self.regions.is_empty(),
            "must list at least one region",
        )?;
        for r in &self.regions {
            check("regions", r, is_region(r), "is not a region name")?;
        }
        Ok(())
    }

    /// The values the DDL text is made of, from validated settings.
    pub fn ddl_values(&self) -> Result<crate::ddl::DdlValues, ConfigError> {
        self.validate()?;
        Ok(crate::ddl::DdlValues {
            database: self.database.clone(),
            table: self.table.clone(),
            snapshot_table: self.snapshot_table.clone(),
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            org_path: self
                .organization
                .as_ref()
                .map(|o| format!("{o}/"))
                .unwrap_or_default(),
            accounts: self.accounts.join(","),
            regions: self.regions.join(","),
            first_day: self.first_day.format("%Y/%m/%d").to_string(),
            snapshot_bucket: self.snapshot_bucket.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn table() -> TrailTable {
        TrailTable {
            database: "vpcwarden".into(),
            table: "cloudtrail_v1".into(),
            snapshot_table: "eip_snapshots_v1".into(),
            bucket: "org-trail-logs".into(),
            prefix: "trail/".into(),
            organization: Some("o-a1b2c3d4e5".into()),
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-1".into(), "us-gov-west-1".into()],
            first_day: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            snapshot_bucket: "vpcwarden-data".into(),
        }
    }

    #[test]
    fn every_injected_value_is_checked_and_named() {
        assert_eq!(table().validate(), Ok(()));
        type Change = Box<dyn Fn(&mut TrailTable)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "database",
                Box::new(|t| t.database = "db; DROP TABLE x".into()),
            ),
            ("table", Box::new(|t| t.table = "Cloud\"Trail".into())),
            ("bucket", Box::new(|t| t.bucket = "a'b".into())),
            ("prefix", Box::new(|t| t.prefix = "x' OR '1'='1/".into())),
            ("prefix", Box::new(|t| t.prefix = "no-slash".into())),
            (
                "organization",
                Box::new(|t| t.organization = Some("o-'x".into())),
            ),
            ("accounts", Box::new(|t| t.accounts = vec!["1111".into()])),
            ("accounts", Box::new(|t| t.accounts.clear())),
            (
                "regions",
                Box::new(|t| t.regions = vec!["us-east-1','x".into()]),
            ),
            (
                "snapshot_bucket",
                Box::new(|t| t.snapshot_bucket = "UP".into()),
            ),
        ];
        for (field, change) in cases {
            let mut t = table();
            change(&mut t);
            let err = t.validate().unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }
}
