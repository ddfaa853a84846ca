//! EIP analysis helpers: generated trees, S3 uploads, the DuckDB stand-in for
//! Athena's SQL engine, and comparison with the generator's ground truth.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use vpcwarden_athena::Query;
use vpcwarden_cloudtrail_gen::{generate, Options, Summary, Truth};
use vpcwarden_eip::{AddressReport, SinceBasis};

/// A fresh directory under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(crate::unique(&format!("vpcwarden-{name}")));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Generates a tree; returns where and what.
pub fn generated(opts: &Options) -> Summary {
    generate(opts).expect("generator writes its tree")
}

/// Uploads every file below `dir` to `bucket` under `prefix` (keys keep the relative path).
pub async fn upload_dir(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    dir: &Path,
) -> Result<usize> {
    let mut stack = vec![dir.to_path_buf()];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            s3.put_object()
                .bucket(bucket)
                .key(format!("{prefix}{rel}"))
                .body(ByteStream::from(std::fs::read(&p)?))
                .send()
                .await
                .with_context(|| format!("uploading {rel}"))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Creates a bucket (idempotent for the tests' own unique names).
pub async fn bucket(s3: &aws_sdk_s3::Client, name: &str) {
    let _ = s3.create_bucket().bucket(name).send().await;
}

/// A new data bucket in moto, named for `prefix` and no other test.
pub async fn data_bucket(prefix: &str) -> vpcwarden_store::Bucket {
    let s3 = crate::moto_s3().await;
    let name = bucket_name(prefix);
    bucket(&s3, &name).await;
    vpcwarden_store::Bucket::new(s3, name)
}

/// A bucket name no other test uses (lower case, ≤ 63 chars).
pub fn bucket_name(prefix: &str) -> String {
    crate::unique(prefix)
        .to_lowercase()
        .chars()
        .take(63)
        .collect()
}

/// Runs `query` (the Athena engine's SQL, unchanged) in DuckDB over the CloudTrail
/// tree at `root`, through `scripts/athena_duckdb.py`; returns header and rows as
/// GetQueryResults gives them (text cells, NULL as None).
pub fn duckdb(
    root: &Path,
    database: &str,
    table: &str,
    query: &Query,
) -> Result<(Vec<String>, vpcwarden_athena::Rows)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = repo.join(".venv/bin/python");
    let mut child = std::process::Command::new(&python)
        .arg(repo.join("scripts/athena_duckdb.py"))
        .args([root.to_str().expect("utf-8 path"), database, table])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {} (run `make tools`)", python.display()))?;
    let input = serde_json::json!({"sql": query.sql, "parameters": query.parameters}).to_string();
    std::io::Write::write_all(child.stdin.as_mut().expect("piped"), input.as_bytes())?;
    drop(child.stdin.take());
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("duckdb: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let header = serde_json::from_value(v["header"].clone())?;
    let rows = serde_json::from_value(v["rows"].clone())?;
    Ok((header, rows))
}

/// The truth's spelling of `idle_since`: a time, `before_window`, or none.
fn since_text(r: &AddressReport) -> Option<String> {
    match r.idle_since_basis {
        SinceBasis::BeforeWindow => Some("before_window".into()),
        _ => r
            .idle_since
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }
}

/// Differences between a report and the generator's truth (empty when they agree).
pub fn mismatches(rows: &[AddressReport], truth: &Truth) -> Vec<String> {
    let mut out = Vec::new();
    if rows.len() != truth.addresses.len() {
        out.push(format!(
            "{} rows, truth has {}",
            rows.len(),
            truth.addresses.len()
        ));
    }
    for e in &truth.addresses {
        let Some(r) = rows
            .iter()
            .find(|r| r.allocation_id.as_str() == e.allocation_id)
        else {
            out.push(format!("{} ({}): no row", e.allocation_id, e.story));
            continue;
        };
        let got = (
            r.status.as_str(),
            since_text(r),
            r.attachment_count,
            r.last_attached_at,
            r.excluded,
            r.flagged,
            r.monthly_cost_usd,
        );
        let want = (
            e.status.as_str(),
            e.idle_since.clone(),
            e.attachment_count,
            e.last_attached_at,
            e.excluded,
            e.flagged,
            e.monthly_cost_usd,
        );
        if got != want {
            out.push(format!(
                "{} ({}):\n   got {got:?}\n  want {want:?}",
                e.allocation_id, e.story
            ));
        }
    }
    for released in &truth.released {
        if rows.iter().any(|r| r.allocation_id.as_str() == released) {
            out.push(format!("{released}: released in the window but reported"));
        }
    }
    out
}

/// The table the tests query: the generator's accounts and regions, default names.
pub fn trail_table(
    org: Option<&str>,
    accounts: &[String],
    regions: &[String],
) -> vpcwarden_athena::TrailTable {
    vpcwarden_athena::TrailTable {
        database: "vpcwarden".into(),
        table: "cloudtrail_v1".into(),
        snapshot_table: "eip_snapshots_v1".into(),
        bucket: "trail-logs".into(),
        prefix: String::new(),
        organization: org.map(str::to_string),
        accounts: accounts.to_vec(),
        regions: regions.to_vec(),
        first_day: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date"),
        snapshot_bucket: "vpcwarden-data".into(),
    }
}

/// `now` as the generator and the report agree on it: whole seconds.
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).expect("representable")
}

/// Checks `doc` against `docs/report.schema.json` with the pinned Python
/// `jsonschema` (draft 2020-12, formats checked); panics with every error.
pub fn assert_report_schema(doc: &serde_json::Value) {
    assert_schema(doc, "docs/report.schema.json");
}

/// Validates `doc` against the JSON Schema at `schema` (relative to the repo),
/// and that every `*_usd` number of its addresses and totals is rounded to cents.
pub fn assert_schema(doc: &serde_json::Value, schema: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = repo.join(".venv/bin/python");
    let script = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
doc = json.load(sys.stdin)
v = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(doc)]
def cents(path, x):
    if isinstance(x, float) and abs(x * 100 - round(x * 100)) > 1e-6:
        errors.append(f"{path}: {x} is not rounded to cents")
for i, a in enumerate(doc.get("addresses", [])):
    cents(f"addresses/{i}/monthly_cost_usd", a.get("monthly_cost_usd"))
    cents(f"addresses/{i}/waste_in_window_usd", a.get("waste_in_window_usd"))
    cents(f"addresses/{i}/way_out/saving_monthly_usd", (a.get("way_out") or {}).get("saving_monthly_usd"))
for k, t in (doc.get("totals") or {}).items():
    for g in (t.values() if k != "all" else [t]):
        for f, x in g.items():
            if f.endswith("_usd"):
                cents(f"totals/{k}/{f}", x)
for k, x in doc.get("summary", {}).items():
    if k.endswith("_usd"):
        cents(f"summary/{k}", x)
print("\n".join(errors))
sys.exit(1 if errors else 0)
"#;
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(repo.join(schema))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {} (run `make tools`): {e}", python.display()));
    std::io::Write::write_all(
        child.stdin.as_mut().expect("piped"),
        doc.to_string().as_bytes(),
    )
    .expect("writing the report to the schema check");
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("schema check ran");
    assert!(
        out.status.success(),
        "the report does not match docs/report.schema.json:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// moto's Athena state machine: how executions progress (`immediate`, or `manual` with `times`).
pub async fn moto_transition(moto: &str, progression: serde_json::Value) {
    let (status, _) = crate::http::post(
        moto,
        "/moto-api/state-manager/set-transition",
        &serde_json::json!({"model_name": "athena::execution", "transition": progression}),
    )
    .await
    .expect("moto answers");
    assert!(status < 300);
}

/// Queues the result set moto gives the next execution read in `region` (moto runs no SQL).
pub async fn moto_queue(moto: &str, region: &str, header: &[String], rows: &[Vec<Option<String>>]) {
    use serde_json::{json, Value};
    let cell = |v: &Option<String>| match v {
        Some(s) => json!({"VarCharValue": s}),
        None => json!({}),
    };
    let mut all = vec![
        json!({"Data": header.iter().map(|h| json!({"VarCharValue": h})).collect::<Vec<_>>()}),
    ];
    all.extend(
        rows.iter()
            .map(|r| json!({"Data": r.iter().map(cell).collect::<Vec<_>>()})),
    );
    let columns: Vec<Value> = header
        .iter()
        .map(|h| json!({"Name": h, "Type": "varchar"}))
        .collect();
    let body = json!({"account_id": "123456789012", "region": region, "results": [{"rows": all, "column_info": columns}]});
    let (status, _) = crate::http::post(moto, "/moto-api/static/athena/query-results", &body)
        .await
        .expect("moto answers");
    assert_eq!(status, 201);
}

/// One execution as moto holds it: (query text, state, execution parameters).
pub async fn moto_execution(
    client: &aws_sdk_athena::Client,
    id: &str,
) -> (String, String, Vec<String>) {
    let out = client
        .get_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .expect("GetQueryExecution");
    let e = out.query_execution();
    (
        e.and_then(|e| e.query()).unwrap_or_default().to_string(),
        e.and_then(|e| e.status())
            .and_then(|s| s.state())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        e.map(|e| e.execution_parameters().to_vec())
            .unwrap_or_default(),
    )
}

/// The workgroup's executions in the order they started: (id, query text, state).
pub async fn moto_executions(
    client: &aws_sdk_athena::Client,
    workgroup: &str,
) -> Vec<(String, String, String)> {
    let ids = client
        .list_query_executions()
        .work_group(workgroup)
        .send()
        .await
        .expect("ListQueryExecutions");
    let mut out = Vec::new();
    for id in ids.query_execution_ids() {
        let (query, state, _) = moto_execution(client, id).await;
        out.push((id.to_string(), query, state));
    }
    out
}

/// Allocates a VPC Elastic IP tagged `Name=name`; returns (allocation id, public IP).
pub async fn allocate_named(ec2: &aws_sdk_ec2::Client, name: &str) -> (String, String) {
    use aws_sdk_ec2::types::{DomainType, ResourceType, Tag, TagSpecification};
    let out = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::ElasticIp)
                .tags(Tag::builder().key("Name").value(name).build())
                .build(),
        )
        .send()
        .await
        .expect("AllocateAddress");
    (
        out.allocation_id().expect("an allocation id").to_string(),
        out.public_ip().expect("a public IP").to_string(),
    )
}

/// What [`quiet_trail`] writes.
pub struct QuietTrail<'a> {
    /// Account.
    pub account: &'a str,
    /// Region.
    pub region: &'a str,
    /// First and last day with digests (every hour of them, plus the digest
    /// ending just after the last midnight).
    pub first: chrono::NaiveDate,
    /// Last day.
    pub last: chrono::NaiveDate,
    /// Days with one log file (empty `Records`) delivered at noon.
    pub log_days: &'a [chrono::NaiveDate],
    /// Write the digests at all.
    pub digests: bool,
    /// A day whose noon digest names a log file that is not there (deleted).
    pub missing_log_on: Option<chrono::NaiveDate>,
}

/// A trail tree of a quiet region, in CloudTrail's delivery layout: log
/// files only on `log_days`, and (with `digests`) an hourly digest file for
/// every hour, each naming the log files delivered in its hour. Digests are
/// written by hand in the shape AWS documents ("CloudTrail digest file
/// structure": `awsAccountId`, `digestStartTime`, `digestEndTime`,
/// `logFiles[].s3Object`, …; an hour without activity has `logFiles: []`),
/// gzip as delivered. Returns the files written (keys from `AWSLogs/`).
pub fn quiet_trail(root: &Path, t: &QuietTrail<'_>) -> Vec<String> {
    use chrono::Duration;
    use std::io::Write;
    let gz = |path: &Path, body: &[u8]| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        enc.write_all(body).unwrap();
        enc.finish().unwrap();
    };
    let (account, region) = (t.account, t.region);
    let log_key = |d: chrono::NaiveDate, tag: &str| {
        format!(
            "AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}T1200Z_{tag}.json.gz",
            d.format("%Y/%m/%d"),
            d.format("%Y%m%d")
        )
    };
    let mut written = Vec::new();
    for d in t.log_days {
        let key = log_key(*d, "quiet");
        gz(&root.join(&key), br#"{"Records":[]}"#);
        written.push(key);
    }
    if !t.digests {
        return written;
    }
    let start = t.first.and_hms_opt(0, 1, 31).unwrap().and_utc() - Duration::hours(1);
    let end = t
        .last
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 1, 31)
        .unwrap()
        .and_utc();
    let mut at = start;
    while at < end {
        let to = at + Duration::hours(1);
        let noon = |d: chrono::NaiveDate| d.and_hms_opt(12, 0, 0).unwrap().and_utc();
        let mut logs: Vec<String> = t
            .log_days
            .iter()
            .filter(|d| noon(**d) >= at && noon(**d) < to)
            .map(|d| log_key(*d, "quiet"))
            .collect();
        if let Some(d) = t.missing_log_on.filter(|d| noon(*d) >= at && noon(*d) < to) {
            logs.push(log_key(d, "deleted"));
        }
        let files: Vec<serde_json::Value> = logs
            .iter()
            .map(|k| serde_json::json!({"s3Bucket": "trail-bucket", "s3Object": k, "hashValue": "00", "hashAlgorithm": "SHA-256", "newestEventTime": null, "oldestEventTime": null}))
            .collect();
        let key = format!(
            "AWSLogs/{account}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_trail_{region}_{}.json.gz",
            to.format("%Y/%m/%d"),
            to.format("%Y%m%dT%H%M%SZ")
        );
        let body = serde_json::json!({
            "awsAccountId": account, "digestStartTime": at, "digestEndTime": to,
            "digestS3Bucket": "trail-bucket", "digestS3Object": key,
            "digestPublicKeyFingerprint": "00", "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": null, "oldestEventTime": null,
            "previousDigestS3Bucket": "trail-bucket", "previousDigestS3Object": null,
            "previousDigestHashValue": null, "previousDigestHashAlgorithm": null,
            "previousDigestSignature": null, "logFiles": files,
        });
        gz(&root.join(&key), body.to_string().as_bytes());
        written.push(key);
        at = to;
    }
    written
}

/// A running instance in moto (its first preloaded AMI).
pub async fn instance(ec2: &aws_sdk_ec2::Client) -> String {
    let image = ec2.describe_images().send().await.unwrap().images()[0]
        .image_id()
        .unwrap()
        .to_string();
    let out = ec2
        .run_instances()
        .image_id(image)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap();
    out.instances()[0].instance_id().unwrap().to_string()
}

/// A trail tree at `root` that delivered every day `first..=last` for each
/// account and region and recorded no lifecycle event (one file of empty
/// `Records` a day, hand-written in CloudTrail's delivery layout), and the
/// local engine over it: every free address is idle since before the window.
pub fn quiet_days_engine(
    root: &Path,
    accounts: &[&str],
    regions: &[&str],
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> vpcwarden_idle_report::Engine {
    for account in accounts {
        for region in regions {
            for day in first.iter_days().take_while(|d| *d <= last) {
                let dir = root.join(format!(
                    "AWSLogs/{account}/CloudTrail/{region}/{}",
                    day.format("%Y/%m/%d")
                ));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("f.json"), r#"{"Records":[]}"#).unwrap();
            }
        }
    }
    vpcwarden_idle_report::Engine::Local {
        source: std::sync::Arc::new(vpcwarden_trail::Dir(root.to_path_buf())),
        threads: 2,
        max_file_bytes: vpcwarden_trail::DEFAULT_MAX_FILE_BYTES,
        progress: None,
    }
}
