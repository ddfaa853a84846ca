//! DDL text. One renderer serves both uses: [`DdlValues`] from validated
//! settings (the function runs it, `vpcwarden athena ddl` prints it), and
//! [`DdlValues::cloudformation`] whose values are `${…}` substitutions (the
//! SAM template embeds that text in `Fn::Sub`, and a test compares them).

/// The pieces of text the DDL is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlValues {
    /// Glue database.
    pub database: String,
    /// CloudTrail table.
    pub table: String,
    /// Snapshot table.
    pub snapshot_table: String,
    /// Trail bucket.
    pub bucket: String,
    /// Prefix before `AWSLogs/` (empty or ending in `/`).
    pub prefix: String,
    /// `o-…/` for an organization trail, else empty.
    pub org_path: String,
    /// Comma-separated accounts.
    pub accounts: String,
    /// Comma-separated regions.
    pub regions: String,
    /// `yyyy/MM/dd` first projected day.
    pub first_day: String,
    /// Bucket holding `snapshots/`.
    pub snapshot_bucket: String,
}

impl DdlValues {
    /// `${Name}` for every value: the text the SAM template holds in `Fn::Sub`.
    pub fn cloudformation() -> Self {
        let sub = |n: &str| format!("${{{n}}}");
        DdlValues {
            database: sub("GlueDatabase"),
            table: sub("CloudTrailTable"),
            snapshot_table: sub("SnapshotTable"),
            bucket: sub("CloudTrailBucket"),
            prefix: sub("CloudTrailPrefixPath"),
            org_path: sub("OrganizationPath"),
            accounts: sub("AccountList"),
            regions: sub("RegionList"),
            first_day: sub("ProjectionStartDay"),
            snapshot_bucket: sub("DataBucket"),
        }
    }
}

/// Where the table's data starts: the trail's `AWSLogs/[org/]`.
fn location(v: &DdlValues) -> String {
    format!("s3://{}/{}AWSLogs/{}", v.bucket, v.prefix, v.org_path)
}

/// Partition projection's key template (Athena fills `${account}` and the rest).
fn location_template(v: &DdlValues) -> String {
    format!(
        "{}${{account}}/CloudTrail/${{region}}/${{day}}",
        location(v)
    )
}

/// The CloudTrail table's properties, in DDL order, each marked whether it
/// follows the settings (and so is re-applied to an existing table).
fn cloudtrail_properties(v: &DdlValues) -> [(&'static str, String, bool); 11] {
    let fixed = |k, val: &str| (k, val.to_string(), false);
    [
        fixed("projection.enabled", "true"),
        fixed("projection.account.type", "enum"),
        ("projection.account.values", v.accounts.clone(), true),
        fixed("projection.region.type", "enum"),
        ("projection.region.values", v.regions.clone(), true),
        fixed("projection.day.type", "date"),
        fixed("projection.day.format", "yyyy/MM/dd"),
        ("projection.day.range", format!("{},NOW", v.first_day), true),
        fixed("projection.day.interval", "1"),
        fixed("projection.day.interval.unit", "DAYS"),
        ("storage.location.template", location_template(v), true),
    ]
}

/// `TBLPROPERTIES`' list: `'key'='value'` lines.
fn property_lines(props: impl Iterator<Item = (impl AsRef<str>, impl AsRef<str>)>) -> String {
    props
        .map(|(k, val)| format!("  '{}'='{}'", k.as_ref(), val.as_ref()))
        .collect::<Vec<_>>()
        .join(",\n")
}

/// The CloudTrail table: CloudTrail's own input format, JSON SerDe, and
/// partition projection over account, region and day, so a query that
/// restricts `day` reads only those days' folders and no crawler or
/// `ALTER TABLE ADD PARTITION` is ever needed.
pub fn cloudtrail_table(v: &DdlValues) -> String {
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{db}`.`{table}` (
  eventversion STRING,
  useridentity STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING, accesskeyid: STRING, username: STRING>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  sharedeventid STRING,
  vpcendpointid STRING
)
PARTITIONED BY (account STRING, region STRING, day STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '{location}'
TBLPROPERTIES (
{properties}
)",
        db = v.database,
        table = v.table,
        location = location(v),
        properties = property_lines(cloudtrail_properties(v).into_iter().map(|(k, val, _)| (k, val))),
    )
}

/// Brings an existing CloudTrail table's projection and location in step with
/// the settings (`CREATE … IF NOT EXISTS` leaves an existing table as it was,
/// so a new account or region would otherwise never be queried).
pub fn cloudtrail_table_sync(v: &DdlValues) -> [String; 2] {
    [
        format!(
            "ALTER TABLE `{db}`.`{table}` SET TBLPROPERTIES (\n{properties}\n)",
            db = v.database,
            table = v.table,
            properties = property_lines(
                cloudtrail_properties(v)
                    .into_iter()
                    .filter(|(_, _, synced)| *synced)
                    .map(|(k, val, _)| (k, val))
            ),
        ),
        format!(
            "ALTER TABLE `{db}`.`{table}` SET LOCATION '{location}'",
            db = v.database,
            table = v.table,
            location = location(v),
        ),
    ]
}

/// Partition projection over one `yyyy-MM-dd` day `key` from 2020, the data
/// of each day under `template` (the snapshot and event store tables).
fn daily_projection(key: &str, template: &str) -> String {
    let p = |what: &str| format!("projection.{key}.{what}");
    property_lines(
        [
            ("projection.enabled".to_string(), "true"),
            (p("type"), "date"),
            (p("format"), "yyyy-MM-dd"),
            (p("range"), "2020-01-01,NOW"),
            (p("interval"), "1"),
            (p("interval.unit"), "DAYS"),
            ("storage.location.template".to_string(), template),
        ]
        .into_iter(),
    )
}

/// The snapshot table over `snapshots/dt=YYYY-MM-DD/*.jsonl`, for ad-hoc
/// questions ("which addresses did we hold on 1 March?").
pub fn snapshot_table(v: &DdlValues) -> String {
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{db}`.`{table}` (
  allocation_id STRING,
  public_ip STRING,
  region STRING,
  account STRING,
  association_id STRING,
  instance_id STRING,
  network_interface_id STRING,
  network_interface_owner_id STRING,
  public_ipv4_pool STRING,
  tags ARRAY<ARRAY<STRING>>,
  private_ip STRING,
  domain STRING,
  network_border_group STRING,
  snapshot_time STRING
)
PARTITIONED BY (dt STRING)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://{bucket}/snapshots/'
TBLPROPERTIES (
{properties}
)",
        properties = daily_projection(
            "dt",
            &format!("s3://{}/snapshots/dt=${{dt}}/", v.snapshot_bucket)
        ),
        db = v.database,
        table = v.snapshot_table,
        bucket = v.snapshot_bucket,
    )
}

/// The event store's table name: its version is part of it, like the prefix.
pub fn event_table_name() -> String {
    format!("eip_events_v{}", vpcwarden_eip::extract::EVENTS_VERSION)
}

/// The event store (`events/v<version>/day=YYYY-MM-DD/events.jsonl.gz` in the
/// data bucket), for ad-hoc questions ("every release in March"). Each
/// object's first line is the day's header, with none of these columns:
/// query with `WHERE event IS NOT NULL`.
pub fn event_table(v: &DdlValues) -> String {
    let version = vpcwarden_eip::extract::EVENTS_VERSION;
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{db}`.`{table}` (
  `time` STRING,
  account STRING,
  region STRING,
  event_id STRING,
  event STRING,
  allocation STRING,
  public_ip STRING,
  association STRING,
  target STRUCT<type: STRING, id: STRING>,
  holder STRUCT<type: STRING, id: STRING>,
  allocations ARRAY<STRING>,
  associations ARRAY<STRING>,
  instances ARRAY<STRING>,
  network_interface STRING
)
PARTITIONED BY (day STRING)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://{bucket}/events/v{version}/'
TBLPROPERTIES (
{properties}
)",
        properties = daily_projection(
            "day",
            &format!("s3://{}/events/v{version}/day=${{day}}/", v.snapshot_bucket)
        ),
        db = v.database,
        table = event_table_name(),
        bucket = v.snapshot_bucket,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrailTable;

    fn values(org: Option<&str>) -> DdlValues {
        TrailTable {
            database: "vpcwarden".into(),
            table: "cloudtrail_v1".into(),
            snapshot_table: "eip_snapshots_v1".into(),
            bucket: "trail-logs".into(),
            prefix: String::new(),
            organization: org.map(str::to_string),
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["us-east-1".into()],
            first_day: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            snapshot_bucket: "data".into(),
        }
        .ddl_values()
        .unwrap()
    }

    #[test]
    fn location_template_fits_both_layouts() {
        let single = cloudtrail_table(&values(None));
        assert!(single.contains("'storage.location.template'='s3://trail-logs/AWSLogs/${account}/CloudTrail/${region}/${day}'"), "{single}");
        let org = cloudtrail_table(&values(Some("o-a1b2c3d4e5")));
        assert!(
            org.contains(
                "'s3://trail-logs/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${day}'"
            ),
            "{org}"
        );
        assert!(org.contains("'projection.account.values'='111122223333,444455556666'"));
        assert!(org.contains("'projection.day.range'='2026/01/01,NOW'"));
    }

    #[test]
    fn cloudformation_text_has_only_substitutions() {
        let t = cloudtrail_table(&DdlValues::cloudformation());
        assert!(t.contains("LOCATION 's3://${CloudTrailBucket}/${CloudTrailPrefixPath}AWSLogs/${OrganizationPath}'"));
        assert!(snapshot_table(&DdlValues::cloudformation())
            .contains("s3://${DataBucket}/snapshots/dt=${dt}/"));
        assert!(event_table(&DdlValues::cloudformation())
            .contains("'s3://${DataBucket}/events/v1/day=${day}/'"));
    }
}
