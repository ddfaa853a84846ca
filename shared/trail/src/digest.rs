//! CloudTrail digest files (log file validation): the evidence that tells
//! "the trail was delivering and nothing happened" from "the trail was not
//! delivering". AWS documents that CloudTrail delivers a digest file every
//! hour for each account and region, even when no API activity occurred
//! (its `logFiles` is then empty), that each digest names the log files
//! delivered in its hour, and that no digests are written while logging is
//! stopped or validation is off (the chain breaks). So a day whose every
//! hour lies inside digests, and whose digests name no log file that is
//! absent or unreadable, was covered — quiet. A day without that evidence
//! stays a gap.
//!
//! Layout: `…/AWSLogs/[<org>/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
//! <account>_CloudTrail-Digest_<region>_<trail>_<region>_<end>Z.json.gz`, the
//! folder being the day of the digest's *end*: the digest ending just after
//! midnight sits in the next day's folder.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// The folder name of digests.
pub const DIGEST_FOLDER: &str = "CloudTrail-Digest";

/// Consecutive digests meet end to start; a few seconds between them are not a gap.
const SLACK: Duration = Duration::seconds(60);

/// One digest file, as the coverage needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Account.
    pub account: String,
    /// Region (from its folder).
    pub region: String,
    /// `digestStartTime`.
    pub start: DateTime<Utc>,
    /// `digestEndTime`.
    pub end: DateTime<Utc>,
    /// The log files it names (`logFiles[].s3Object`), from `AWSLogs/` on.
    pub log_files: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    aws_account_id: String,
    digest_start_time: DateTime<Utc>,
    digest_end_time: DateTime<Utc>,
    #[serde(default)]
    log_files: Vec<RawLog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    s3_object: String,
}

/// True for a key in a digest folder.
pub fn is_digest_key(key: &str) -> bool {
    key.split(['/', std::path::MAIN_SEPARATOR])
        .any(|p| p == DIGEST_FOLDER)
}

/// Account, region and folder day of a digest key.
pub fn digest_location(key: &str) -> Option<(&str, &str, NaiveDate)> {
    let parts: Vec<&str> = key.split(['/', std::path::MAIN_SEPARATOR]).collect();
    let at = parts.iter().rposition(|p| *p == DIGEST_FOLDER)?;
    let account = parts.get(at.checked_sub(1)?)?;
    let region = parts.get(at + 1)?;
    let (y, m, d) = (parts.get(at + 2)?, parts.get(at + 3)?, parts.get(at + 4)?);
    let day = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    (!account.is_empty() && !region.is_empty()).then_some((account, region, day))
}

/// The part of a key from `AWSLogs/` on: how a digest names a log file, and
/// how this file is known whatever the bucket prefix or local directory.
pub fn from_awslogs(key: &str) -> &str {
    key.find("AWSLogs/").map(|i| &key[i..]).unwrap_or(key)
}

/// Parses a digest file's JSON; its region comes from `key`.
pub fn parse_digest(text: &[u8], key: &str) -> Result<Digest, String> {
    let raw: Raw =
        serde_json::from_slice(text).map_err(|e| format!("not a CloudTrail digest file: {e}"))?;
    let (_, region, _) =
        digest_location(key).ok_or("not in a CloudTrail-Digest/<region>/YYYY/MM/DD/ folder")?;
    if raw.digest_end_time <= raw.digest_start_time {
        return Err("digestEndTime is not after digestStartTime".into());
    }
    Ok(Digest {
        account: raw.aws_account_id,
        region: region.to_string(),
        start: raw.digest_start_time,
        end: raw.digest_end_time,
        log_files: raw
            .log_files
            .into_iter()
            .map(|l| from_awslogs(&l.s3_object).to_string())
            .collect(),
    })
}

/// The days digests show quiet: every hour of the UTC day inside digests of
/// that account and region, and no digest overlapping the day names a log
/// file outside `read` (log files read whole, keyed [`from_awslogs`]).
/// Days with log files are the caller's to count; this returns every day
/// the digests cover, as (account, region, day).
pub fn quiet_days(digests: &[Digest], read: &HashSet<String>) -> Vec<(String, String, NaiveDate)> {
    let mut by_scope: BTreeMap<(&str, &str), Vec<&Digest>> = BTreeMap::new();
    for d in digests {
        by_scope
            .entry((d.account.as_str(), d.region.as_str()))
            .or_default()
            .push(d);
    }
    let mut out = Vec::new();
    for ((account, region), mut ds) in by_scope {
        ds.sort_by_key(|d| (d.start, d.end));
        // Merged covered intervals.
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for d in &ds {
            match spans.last_mut() {
                Some((_, end)) if d.start <= *end + SLACK => *end = (*end).max(d.end),
                _ => spans.push((d.start, d.end)),
            }
        }
        let days: BTreeSet<NaiveDate> = ds
            .iter()
            .flat_map(|d| {
                d.start
                    .date_naive()
                    .iter_days()
                    .take_while(move |x| *x <= d.end.date_naive())
            })
            .collect();
        for day in days {
            let from = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            let to = from + Duration::days(1);
            let whole = spans.iter().any(|(s, e)| *s <= from && *e >= to);
            let complete = ds
                .iter()
                .filter(|d| d.start < to && d.end > from)
                .all(|d| d.log_files.iter().all(|f| read.contains(f)));
            if whole && complete {
                out.push((account.to_string(), region.to_string(), day));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(end: &str, logs: &[&str]) -> Digest {
        let end: DateTime<Utc> = end.parse().unwrap();
        Digest {
            account: "111122223333".into(),
            region: "eu-south-2".into(),
            start: end - Duration::hours(1),
            end,
            log_files: logs.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn hourly(from: &str, hours: i64) -> Vec<Digest> {
        let first: DateTime<Utc> = from.parse().unwrap();
        (1..=hours)
            .map(|h| digest(&(first + Duration::hours(h)).to_rfc3339(), &[]))
            .collect()
    }

    #[test]
    fn a_day_inside_the_digest_chain_is_quiet_a_broken_chain_is_not() {
        // 2026-11-02 whole (23:01:31 the day before to 00:01:31 the day after).
        let mut ds = hourly("2026-11-01T23:01:31Z", 25);
        let got = quiet_days(&ds, &HashSet::new());
        let days: Vec<NaiveDate> = got.iter().map(|(_, _, d)| *d).collect();
        assert_eq!(days, ["2026-11-02".parse::<NaiveDate>().unwrap()]);
        // One hour's digest missing (logging stopped, or the file deleted): a gap.
        ds.remove(10);
        assert!(quiet_days(&ds, &HashSet::new()).is_empty());
    }

    #[test]
    fn a_digest_naming_a_log_file_that_was_not_read_spoils_its_day() {
        let mut ds = hourly("2026-11-01T23:01:31Z", 25);
        let f = "AWSLogs/111122223333/CloudTrail/eu-south-2/2026/11/02/x.json.gz".to_string();
        ds[5].log_files.push(f.clone());
        assert!(
            quiet_days(&ds, &HashSet::new()).is_empty(),
            "the file is missing"
        );
        let read: HashSet<String> = [f].into_iter().collect();
        assert_eq!(quiet_days(&ds, &read).len(), 1, "read: the day stands");
    }

    #[test]
    fn the_documented_empty_digest_parses() {
        // AWS's example of a digest for an hour without API activity (CloudTrail User Guide,
        // "CloudTrail digest file structure", 'Empty' digest files), abridged by hand.
        let text = br#"{"awsAccountId":"111122223333","digestStartTime":"2015-08-20T17:01:31Z","digestEndTime":"2015-08-20T18:01:31Z","digestS3Bucket":"example-bucket-name","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/20/111122223333_CloudTrail-Digest_us-east-2_example-trail-name_us-east-2_20150820T180131Z.json.gz","newestEventTime":null,"oldestEventTime":null,"logFiles":[]}"#;
        let key = "logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/20/111122223333_CloudTrail-Digest_us-east-2_example-trail-name_us-east-2_20150820T180131Z.json.gz";
        let d = parse_digest(text, key).unwrap();
        assert_eq!(
            (d.account.as_str(), d.region.as_str(), d.log_files.len()),
            ("111122223333", "us-east-2", 0)
        );
        assert_eq!(
            digest_location(key).unwrap().2,
            "2015-08-20".parse::<NaiveDate>().unwrap()
        );
        assert!(
            is_digest_key(key)
                && !is_digest_key("AWSLogs/1/CloudTrail/us-east-2/2015/08/20/f.json.gz")
        );
    }
}
