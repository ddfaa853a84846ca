//! Where CloudTrail files come from: a directory here, an S3 prefix in
//! `vpcwarden-store`. The scan only lists and reads through this trait.

use std::io::Read;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::walk::{day_of_key, list_files};

/// One CloudTrail file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Path or key (its day folder is read from it).
    pub key: String,
    /// Size as stored, when the listing says.
    pub size: Option<u64>,
}

impl Item {
    /// Gzip by name.
    pub fn is_gzip(&self) -> bool {
        self.key.ends_with(".gz")
    }
}

/// A listing and a reader of CloudTrail files. Called from the scan's worker
/// threads (blocking calls are fine there).
pub trait Source: Sync {
    /// Every `*.json.gz` / `*.json` file, skipping day folders for which `keep_day` is false.
    fn list(&self, keep_day: &dyn Fn(NaiveDate) -> bool) -> std::io::Result<Vec<Item>>;
    /// Reads one file as stored (still compressed) into `buf`, which is cleared first.
    fn read(&self, item: &Item, buf: &mut Vec<u8>) -> std::io::Result<()>;
    /// For messages: where the files are.
    fn describe(&self) -> String;
}

/// A directory tree (a copy of a trail's bucket, or a generated one).
#[derive(Debug, Clone)]
pub struct Dir(pub PathBuf);

impl Source for Dir {
    fn list(&self, keep_day: &dyn Fn(NaiveDate) -> bool) -> std::io::Result<Vec<Item>> {
        Ok(list_files(&self.0, keep_day)?
            .into_iter()
            .map(|p| Item {
                size: std::fs::metadata(&p).ok().map(|m| m.len()),
                key: p.to_string_lossy().into_owned(),
            })
            .collect())
    }

    fn read(&self, item: &Item, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.clear();
        std::fs::File::open(&item.key)?.read_to_end(buf)?;
        Ok(())
    }

    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

/// Keeps `key` if it has no day folder or its day is kept.
pub fn keep_key(key: &str, keep_day: &dyn Fn(NaiveDate) -> bool) -> bool {
    day_of_key(key).is_none_or(keep_day)
}
