//! `vpcwarden eip run`'s settings: every `VPCWARDEN_*` variable the report
//! job reads, declared once here so `--help` lists each with clap's `env`
//! (a flag too), and handed to the one parser the Lambda uses
//! (`vpcwarden_idle_report::from_env`), which checks them and names the
//! variable in every error. A test keeps this list equal to what it reads.

macro_rules! settings {
    ($( $field:ident = $var:literal : $help:literal ),* $(,)?) => {
        /// The report job's settings.
        #[derive(clap::Args, Debug, Default)]
        pub struct RunArgs {
            $(
                #[doc = $help]
                #[arg(long, env = $var, hide_env_values = true)]
                $field: Option<String>,
            )*
        }

        impl RunArgs {
            /// (variable, value) of every setting, as given (flag or environment).
            pub fn vars(&self) -> Vec<(&'static str, Option<String>)> {
                vec![$( ($var, self.$field.clone()) ),*]
            }
        }
    };
}

settings! {
    bucket = "VPCWARDEN_BUCKET": "Data bucket (snapshots in, reports out). Required.",
    engine = "VPCWARDEN_ENGINE": "athena (default) or local.",
    cloudtrail_uri = "VPCWARDEN_CLOUDTRAIL_URI": "Local engine: the trail, s3://bucket/[prefix/] or a directory.",
    max_file_mib = "VPCWARDEN_MAX_FILE_MIB": "Local engine: a CloudTrail file inflating past this many MiB is refused (default 256).",
    cloudtrail_bucket = "VPCWARDEN_CLOUDTRAIL_BUCKET": "Athena: the trail's bucket.",
    cloudtrail_prefix = "VPCWARDEN_CLOUDTRAIL_PREFIX": "Athena: the prefix before AWSLogs/ (default empty).",
    organization_id = "VPCWARDEN_ORGANIZATION_ID": "Athena: the organization trail's id.",
    accounts = "VPCWARDEN_ACCOUNTS": "Athena: projected accounts (widened to the snapshot's).",
    regions = "VPCWARDEN_REGIONS": "Athena: projected regions (widened to the snapshot's).",
    projection_start = "VPCWARDEN_PROJECTION_START": "Athena: first projected day, yyyy/MM/dd (default 2020/01/01).",
    athena_workgroup = "VPCWARDEN_ATHENA_WORKGROUP": "Athena: workgroup (default primary).",
    glue_database = "VPCWARDEN_GLUE_DATABASE": "Athena: Glue database (default vpcwarden).",
    cloudtrail_table = "VPCWARDEN_CLOUDTRAIL_TABLE": "Athena: CloudTrail table (default cloudtrail_v1).",
    snapshot_table = "VPCWARDEN_SNAPSHOT_TABLE": "Athena: snapshot table (default eip_snapshots_v1).",
    athena_deadline_secs = "VPCWARDEN_ATHENA_DEADLINE_SECS": "Athena: a query not done by then is stopped (default 600).",
    lookback_days = "VPCWARDEN_LOOKBACK_DAYS": "History window in days (default 90).",
    idle_threshold_days = "VPCWARDEN_IDLE_THRESHOLD_DAYS": "Idle at least this many days: flagged (default 7; at least 1 when releasing).",
    exclude_tag = "VPCWARDEN_EXCLUDE_TAG": "Addresses with this tag key are never flagged or released (default vpcwarden:keep).",
    earlier_snapshots = "VPCWARDEN_EARLIER_SNAPSHOTS": "At most this many earlier snapshots are read (default 400).",
    event_store = "VPCWARDEN_EVENT_STORE": "The event store, s3://bucket[/prefix], or off (default the data bucket).",
    store_refresh_days = "VPCWARDEN_STORE_REFRESH_DAYS": "Days before today extracted again every run (default 2).",
    sns_topic_arn = "VPCWARDEN_SNS_TOPIC_ARN": "Publish the summary (and the release notice) here.",
    release = "VPCWARDEN_RELEASE": "off (default), dry-run or release (docs/releasing.md).",
    release_grace_days = "VPCWARDEN_RELEASE_GRACE_DAYS": "Days from the mark and notice to the earliest release (default 7).",
    release_max_per_run = "VPCWARDEN_RELEASE_MAX_PER_RUN": "More due in one run: none released (default 10).",
    release_max_percent = "VPCWARDEN_RELEASE_MAX_PERCENT": "More due than this share of idle addresses: none released (default 25).",
    owner_tag = "VPCWARDEN_OWNER_TAG": "Group the release notice by this tag's value.",
    snapshot_max_age_hours = "VPCWARDEN_SNAPSHOT_MAX_AGE_HOURS": "No release on an older snapshot (default 12).",
    release_role_name = "VPCWARDEN_RELEASE_ROLE_NAME": "The member accounts' release role (default vpcwarden-release).",
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    /// Every variable `from_env` reads, with either engine: what `--help` must list.
    fn read_by_the_job() -> BTreeSet<String> {
        let seen = RefCell::new(BTreeSet::new());
        for engine in ["athena", "local"] {
            let _ = vpcwarden_idle_report::from_env(&|k| {
                seen.borrow_mut().insert(k.to_string());
                match k {
                    "VPCWARDEN_ENGINE" => Some(engine.into()),
                    "VPCWARDEN_BUCKET" | "VPCWARDEN_CLOUDTRAIL_BUCKET" => Some("b-1".into()),
                    "VPCWARDEN_ACCOUNTS" => Some("111122223333".into()),
                    "VPCWARDEN_REGIONS" => Some("us-east-1".into()),
                    "VPCWARDEN_CLOUDTRAIL_URI" => Some("s3://b-1/".into()),
                    _ => None,
                }
            })
            .expect("a valid configuration");
        }
        seen.into_inner()
    }

    #[test]
    fn help_lists_exactly_what_the_job_reads() {
        let declared: BTreeSet<String> = RunArgs::default()
            .vars()
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(declared, read_by_the_job());
    }
}
