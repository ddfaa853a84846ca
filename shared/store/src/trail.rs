//! CloudTrail files under an S3 prefix, as a [`Source`] for the local engine.

use std::collections::BTreeSet;

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
        // Log files, and digest files (log file validation: the evidence of quiet days).
        let kinds = ["CloudTrail/", "CloudTrail-Digest/"];
        let regions_of = accounts
            .iter()
            .flat_map(|a| kinds.iter().map(move |k| format!("{a}{k}")));
        for folder in regions_of.collect::<Vec<_>>() {
            for region in self.bucket.folders(&folder).await? {
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
    quiet_coverage(bucket, at, &months, &mut coverage).await?;
    Ok(coverage)
}

/// Days without a log folder that the trail's digest files show quiet (see
/// `vpcwarden_trail::quiet_days`): the digest month folders are listed like
/// the log ones; only for a day without logs whose digest folders exist are
/// the digests of that day and the next read, and the log folders of any
/// log file they name listed (the file must exist).
async fn quiet_coverage(
    bucket: &Bucket,
    at: &DayFolders<'_>,
    months: &[NaiveDate],
    coverage: &mut Coverage,
) -> Result<(), StoreError> {
    let org = at.organization.map(|o| format!("{o}/")).unwrap_or_default();
    let days: Vec<NaiveDate> = at.first.iter_days().take_while(|d| *d <= at.last).collect();
    let mut month_folders = Vec::new();
    for account in at.accounts {
        for region in at.regions {
            if coverage.missing(account, region, &days).is_empty() {
                continue;
            }
            // The last day's last hour is in the next month's first folder.
            for month in months.iter().copied().chain(at.last.succ_opt()) {
                month_folders.push(format!(
                    "{}AWSLogs/{org}{account}/{}/{region}/{:04}/{:02}/",
                    at.prefix,
                    vpcwarden_trail::DIGEST_FOLDER,
                    month.year(),
                    month.month()
                ));
            }
        }
    }
    month_folders.sort();
    month_folders.dedup();
    let existing: BTreeSet<String> = stream::iter(month_folders)
        .map(|f| async move { bucket.folders(&f).await })
        .buffer_unordered(LISTING_CONCURRENCY)
        .try_collect::<Vec<Vec<String>>>()
        .await?
        .into_iter()
        .flatten()
        .collect();
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    for folder in &existing {
        let probe = format!("{folder}x");
        let Some((account, region, day)) = vpcwarden_trail::digest_location(&probe) else {
            continue;
        };
        // A digest folder serves its own day and the day before it.
        let serves = [Some(day), day.pred_opt()];
        if serves.iter().flatten().any(|d| {
            *d >= at.first && *d <= at.last && !coverage.missing(account, region, &[*d]).is_empty()
        }) {
            wanted.insert(folder.clone());
        }
    }
    let keys: Vec<String> = stream::iter(wanted)
        .map(|f| async move { bucket.list(&f).await })
        .buffer_unordered(LISTING_CONCURRENCY)
        .try_collect::<Vec<Vec<(String, u64)>>>()
        .await?
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| k.ends_with(".json.gz") || k.ends_with(".json"))
        .collect();
    let texts: Vec<(String, Vec<u8>)> = stream::iter(keys)
        .map(|k| async move { bucket.get(&k).await.map(|b| (k, b)) })
        .buffer_unordered(LISTING_CONCURRENCY)
        .try_collect()
        .await?;
    let mut digests = Vec::new();
    for (key, bytes) in texts {
        let mut text = Vec::new();
        let plain = if key.ends_with(".gz") {
            use std::io::Read;
            if flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut text)
                .is_err()
            {
                continue; // unreadable: the days it would show stay gaps
            }
            &text[..]
        } else {
            &bytes[..]
        };
        if let Ok(d) = vpcwarden_trail::parse_digest(plain, &key) {
            digests.push(d);
        }
    }
    // The log files they name must be there: list their folders.
    let named: BTreeSet<String> = digests
        .iter()
        .flat_map(|d| d.log_files.iter())
        .filter_map(|f| f.rfind('/').map(|i| format!("{}{}", at.prefix, &f[..=i])))
        .collect();
    let read: std::collections::HashSet<String> = stream::iter(named)
        .map(|f| async move { bucket.list(&f).await })
        .buffer_unordered(LISTING_CONCURRENCY)
        .try_collect::<Vec<Vec<(String, u64)>>>()
        .await?
        .into_iter()
        .flatten()
        .map(|(k, _)| vpcwarden_trail::from_awslogs(&k).to_string())
        .collect();
    for (account, region, day) in vpcwarden_trail::quiet_days(&digests, &read) {
        if day >= at.first && day <= at.last {
            coverage.add_quiet(&account, &region, day);
        }
    }
    Ok(())
}
