//! `vpcwarden athena ddl|sql`: the exact text the report function runs.

use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use vpcwarden_athena::{ddl, lifecycle_query, TrailTable};

use crate::exit::{self, bad_input};

/// Where the trail is; each flag also reads the function's variable.
#[derive(Args)]
pub struct Table {
    #[arg(long, env = "VPCWARDEN_GLUE_DATABASE", default_value = "vpcwarden")]
    database: String,
    #[arg(
        long,
        env = "VPCWARDEN_CLOUDTRAIL_TABLE",
        default_value = "cloudtrail_v1"
    )]
    table: String,
    #[arg(
        long,
        env = "VPCWARDEN_SNAPSHOT_TABLE",
        default_value = "eip_snapshots_v1"
    )]
    snapshot_table: String,
    /// The trail's bucket.
    #[arg(long, env = "VPCWARDEN_CLOUDTRAIL_BUCKET")]
    cloudtrail_bucket: String,
    /// Prefix before AWSLogs/ (empty, or ending in /).
    #[arg(long, env = "VPCWARDEN_CLOUDTRAIL_PREFIX", default_value = "")]
    prefix: String,
    /// Organization trail: the organization id (o-…).
    #[arg(long, env = "VPCWARDEN_ORGANIZATION_ID")]
    organization_id: Option<String>,
    /// Accounts (comma-separated).
    #[arg(
        long,
        env = "VPCWARDEN_ACCOUNTS",
        value_delimiter = ',',
        required = true
    )]
    accounts: Vec<String>,
    /// Regions (comma-separated).
    #[arg(
        long,
        env = "VPCWARDEN_REGIONS",
        value_delimiter = ',',
        required = true
    )]
    regions: Vec<String>,
    /// First projected day (yyyy/MM/dd).
    #[arg(long, env = "VPCWARDEN_PROJECTION_START", default_value = "2020/01/01")]
    first_day: String,
    /// The data bucket (holds snapshots/).
    #[arg(long, env = "VPCWARDEN_BUCKET")]
    data_bucket: String,
}

impl Table {
    fn resolve(self) -> Result<TrailTable> {
        let first_day = NaiveDate::parse_from_str(&self.first_day, "%Y/%m/%d")
            .with_context(|| format!("--first-day {:?} is not yyyy/MM/dd", self.first_day))?;
        let t = TrailTable {
            database: self.database,
            table: self.table,
            snapshot_table: self.snapshot_table,
            bucket: self.cloudtrail_bucket,
            prefix: self.prefix,
            organization: self.organization_id,
            accounts: self.accounts,
            regions: self.regions,
            first_day,
            snapshot_bucket: self.data_bucket,
        };
        t.validate()?;
        Ok(t)
    }
}

#[derive(Subcommand)]
pub enum Cmd {
    /// The DDL and SQL with CloudFormation `${…}` substitutions, as JSON (what infra/template.yaml embeds).
    #[command(after_help = concat!("Example:\n  vpcwarden athena template > athena-template.json\n\n", exit_help!()))]
    Template,
    /// The CREATE TABLE statements (CloudTrail with partition projection; snapshots).
    #[command(after_help = concat!(
        "Example:\n  vpcwarden athena ddl --cloudtrail-bucket org-trail --organization-id o-a1b2c3d4e5 --accounts 111122223333 --regions us-east-1 --data-bucket my-data\n\n",
        exit_help!()
    ))]
    Ddl {
        #[command(flatten)]
        table: Table,
    },
    /// The lifecycle query for a window, with its execution parameters.
    #[command(after_help = concat!(
        "Example:\n  vpcwarden athena sql --cloudtrail-bucket my-trail --accounts 111122223333 --regions us-east-1 --data-bucket my-data --from 2026-09-01T00:00:00Z --to 2026-12-01T00:00:00Z\n\n",
        exit_help!()
    ))]
    Sql {
        #[command(flatten)]
        table: Table,
        /// Window start (RFC 3339).
        #[arg(long)]
        from: String,
        /// Window end (RFC 3339, exclusive).
        #[arg(long)]
        to: String,
    },
}

fn time(flag: &str, v: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(v)
        .map_err(|e| bad_input(format!("{flag} {v:?} is not RFC 3339: {e}")))?
        .with_timezone(&Utc))
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Template => {
            let v = ddl::DdlValues::cloudformation();
            let doc = serde_json::json!({
                "cloudtrail_table": ddl::cloudtrail_table(&v),
                "snapshot_table": ddl::snapshot_table(&v),
                "event_table": ddl::event_table(&v),
                "lifecycle_query": vpcwarden_athena::lifecycle_sql(&v.database, &v.table),
                "extraction_query": vpcwarden_athena::extraction_sql(&v.database, &v.table),
            });
            exit::outln(&serde_json::to_string_pretty(&doc)?);
        }
        Cmd::Ddl { table } => {
            let v = table.resolve()?.ddl_values()?;
            exit::outln(&format!(
                "{};\n\n{};\n\n{};",
                ddl::cloudtrail_table(&v),
                ddl::snapshot_table(&v),
                ddl::event_table(&v)
            ));
        }
        Cmd::Sql { table, from, to } => {
            let q = lifecycle_query(
                &table.resolve()?,
                time("--from", &from)?,
                time("--to", &to)?,
            )?;
            exit::outln(&format!(
                "{};\n-- execution parameters: {}",
                q.sql,
                q.athena_parameters().join(", ")
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
