//! CloudTrail files under an S3 prefix, as a [`Source`] for the local engine.

use chrono::{Datelike, NaiveDate};
use futures::stream::{self, StreamExt, TryStreamExt};
use tokio::runtime::Handle;
use vpcwarden_eip::Coverage;
use vpcwarden_trail::{keep_key, location_of_key, Item, Source};

use crate::bucket::{Bucket, StoreError};
use crate::uri::S3Uri;

/// Day folders listed at once.
const LISTING_CONCURRENCY: usize = 16;

/// A trail's bucket and prefix. Listing walks the `AWSLogs/[org/]account/CloudTrail/region/YYYY/MM/DD/`
/// folders and lists only the days the scan keeps, so a long-lived trail is
/// not listed in full; objects are fetched one per scan worker at a time.
pub struct S3Trail {
    bucket: Bucket,
    prefix: String,
    /// Below `AWSLogs/`: an organization (`o-…/`), an account, or both, when
    /// the location named one (`…/AWSLogs/o-abc/`); empty for all of them.
    within: String,
    runtime: Handle,
}

/// Where a trail location points, split at `AWSLogs/`: the prefix before it
/// (what CloudTrail calls the trail's prefix) and what follows, checked.
/// `s3://b/`, `s3://b/logs/`, `s3://b/AWSLogs/`, `s3://b/AWSLogs/o-abc1234567/`,
/// `s3://b/AWSLogs/111122223333/` and `s3://b/AWSLogs/o-abc1234567/111122223333/`
/// all name a trail; anything deeper is refused with what to give instead.
pub fn split_trail_prefix(uri: &S3Uri) -> Result<(String, String), StoreError> {
    let Some(at) = uri
        .prefix
        .find("AWSLogs/")
        .filter(|i| *i == 0 || uri.prefix[..*i].ends_with('/'))
    else {
        return Ok((uri.prefix.clone(), String::new()));
    };
    let (base, rest) = (&uri.prefix[..at], &uri.prefix[at + "AWSLogs/".len()..]);
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let org = |p: &str| {
        p.strip_prefix("o-").is_some_and(|r| {
            (10..=32).contains(&r.len())
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    };
    let account = |p: &str| p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit());
    let ok = match parts.as_slice() {
        [] => true,
        [a] => org(a) || account(a),
        [o, a] => org(o) && account(a),
        _ => false,
    };
    if !ok {
        return Err(StoreError::BadUri(
            format!("s3://{}/{}", uri.bucket, uri.prefix),
            "a trail location is the prefix before AWSLogs/, or AWSLogs/, AWSLogs/<org-id>/, AWSLogs/<account>/ or AWSLogs/<org-id>/<account>/ below it".into(),
        ));
    }
    Ok((base.to_string(), rest.to_string()))
}

fn io(e: StoreError) -> std::io::Error {
    std::io::Error::other(e)
}

fn is_log(key: &str) -> bool {
    key.ends_with(".json.gz") || key.ends_with(".json")
}

impl S3Trail {
    /// The trail at `uri`, read through `client`. Its methods block on
    /// `runtime`: the scan calls them from its own threads.
    /// A location below `AWSLogs/` reads only that organization or account
    /// ([`split_trail_prefix`]); one that names no trail is refused.
    pub fn new(
        client: aws_sdk_s3::Client,
        uri: &S3Uri,
        runtime: Handle,
    ) -> Result<Self, StoreError> {
        let (prefix, within) = split_trail_prefix(uri)?;
        Ok(S3Trail {
            bucket: Bucket::new(client, uri.bucket.clone()),
            prefix,
            within,
            runtime,
        })
    }

    async fn list_async(
        &self,
        keep_day: &dyn Fn(NaiveDate) -> bool,
    ) -> Result<Vec<Item>, StoreError> {
        let base = format!("{}AWSLogs/", self.prefix);
        let top = if self.within.is_empty() {
            self.bucket.folders(&base).await?
        } else {
            vec![format!("{base}{}", self.within)]
        };
        if top.is_empty() {
            // Not a trail's layout (a copy of some files): list it all.
            return Ok(self
                .bucket
                .list(&self.prefix)
                .await?
                .into_iter()
                .filter(|(k, _)| is_log(k) && keep_key(k, keep_day))
                .map(|(key, size)| Item {
                    key,
                    size: Some(size),
                })
                .collect());
        }
        let mut accounts = Vec::new();
        for t in top {
            let name = t
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            if name.starts_with("o-") {
                accounts.extend(self.bucket.folders(&t).await?);
            } else {
                accounts.push(t);
            }
        }
        let mut days = Vec::new();
        for account in accounts {
            for region in self
                .bucket
                .folders(&format!("{account}CloudTrail/"))
                .await?
            {
                for year in self.bucket.folders(&region).await? {
                    let Some(y) = last_number(&year) else {
                        continue;
                    };
                    let any_day = |from: NaiveDate, to: NaiveDate| {
                        from.iter_days().take_while(|d| *d <= to).any(keep_day)
                    };
                    let (Some(jan1), Some(dec31)) = (
                        NaiveDate::from_ymd_opt(y, 1, 1),
                        NaiveDate::from_ymd_opt(y, 12, 31),
                    ) else {
                        continue;
                    };
                    if !any_day(jan1, dec31) {
                        continue;
                    }
                    for month in self.bucket.folders(&year).await? {
                        let Some(m) = last_number(&month) else {
                            continue;
                        };
                        let Some(first) = NaiveDate::from_ymd_opt(y, m as u32, 1) else {
                            continue;
                        };
                        let last = first
                            .checked_add_months(chrono::Months::new(1))
                            .and_then(|d| d.pred_opt())
                            .unwrap_or(first);
                        if !any_day(first, last) {
                            continue;
                        }
                        for d in first.iter_days().take_while(|d| *d <= last) {
                            if keep_day(d) {
                                days.push(format!("{month}{:02}/", d.day()));
                            }
                        }
                    }
                }
            }
        }
        let listed: Vec<Vec<(String, u64)>> = stream::iter(days)
            .map(|day| async move { self.bucket.list(&day).await })
            .buffer_unordered(LISTING_CONCURRENCY)
            .try_collect()
            .await?;
        let mut items: Vec<Item> = listed
            .into_iter()
            .flatten()
            .filter(|(k, _)| is_log(k))
            .map(|(key, size)| Item {
                key,
                size: Some(size),
            })
            .collect();
        items.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(items)
    }
}

fn last_number(folder: &str) -> Option<i32> {
    folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()?
        .parse()
        .ok()
}

impl Source for S3Trail {
    fn list(&self, keep_day: &dyn Fn(NaiveDate) -> bool) -> std::io::Result<Vec<Item>> {
        self.runtime.block_on(self.list_async(keep_day)).map_err(io)
    }

    fn read(&self, item: &Item, buf: &mut Vec<u8>) -> std::io::Result<()> {
        self.runtime
            .block_on(self.bucket.get_into(&item.key, buf))
            .map_err(io)
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.prefix)
    }
}

/// Where a trail's day folders are and which of them to look for.
#[derive(Debug, Clone, Copy)]
pub struct DayFolders<'a> {
    /// Key prefix before `AWSLogs/` (empty or ending in `/`).
    pub prefix: &'a str,
    /// Organization trail: its id (`AWSLogs/<org>/<account>/…`).
    pub organization: Option<&'a str>,
    /// Accounts.
    pub accounts: &'a [String],
    /// Regions.
    pub regions: &'a [String],
    /// First day wanted.
    pub first: NaiveDate,
    /// Last day wanted (inclusive).
    pub last: NaiveDate,
}

/// Which days the trail holds files for, per account and region, from the S3
/// day folders alone (`…/<account>/CloudTrail/<region>/YYYY/MM/DD/`): one
/// folder listing per account, region and month, no object read. This is
/// what the Athena engine's answer rests on (Athena reads the same folders).
pub async fn day_coverage(bucket: &Bucket, at: &DayFolders<'_>) -> Result<Coverage, StoreError> {
    let mut months = Vec::new();
    let mut m = at.first.with_day(1).unwrap_or(at.first);
    while m <= at.last {
        months.push(m);
        match m.checked_add_months(chrono::Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    let org = at.organization.map(|o| format!("{o}/")).unwrap_or_default();
    let mut folders = Vec::new();
    for account in at.accounts {
        for region in at.regions {
            for month in &months {
                folders.push(format!(
                    "{}AWSLogs/{org}{account}/CloudTrail/{region}/{:04}/{:02}/",
                    at.prefix,
                    month.year(),
                    month.month()
                ));
            }
        }
    }
    let listed: Vec<Vec<String>> = stream::iter(folders)
        .map(|f| async move { bucket.folders(&f).await })
        .buffer_unordered(LISTING_CONCURRENCY)
        .try_collect()
        .await?;
    let mut coverage = Coverage::default();
    for day_folder in listed.into_iter().flatten() {
        if let Some((account, region, day)) = location_of_key(&format!("{day_folder}x")) {
            if day >= at.first && day <= at.last {
                coverage.add(account, region, day);
            }
        }
    }
    Ok(coverage)
}
