//! Finding CloudTrail files and the day each one covers.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// The day in a CloudTrail key, from the `CloudTrail/<region>/YYYY/MM/DD/`
/// folders (both the single-account and the organization layouts have them).
pub fn day_of_path(path: &Path) -> Option<NaiveDate> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    day_of_parts(&parts)
}

/// [`day_of_path`] for an S3 key (`/`-separated).
pub fn day_of_key(key: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = key.split('/').collect();
    day_of_parts(&parts)
}

/// Account, region and day of a CloudTrail key
/// (`…/<account>/CloudTrail/<region>/YYYY/MM/DD/…`, both layouts).
pub fn location_of_key(key: &str) -> Option<(&str, &str, NaiveDate)> {
    let parts: Vec<&str> = key.split(['/', std::path::MAIN_SEPARATOR]).collect();
    let at = parts.iter().rposition(|p| *p == "CloudTrail")?;
    let account = parts.get(at.checked_sub(1)?)?;
    let region = parts.get(at + 1)?;
    let day = day_of_parts(&parts)?;
    (!account.is_empty() && !region.is_empty()).then_some((account, region, day))
}

fn day_of_parts(parts: &[&str]) -> Option<NaiveDate> {
    // Log files and digest files (`CloudTrail-Digest/`) have the same day folders.
    let at = parts
        .iter()
        .rposition(|p| *p == "CloudTrail" || *p == crate::digest::DIGEST_FOLDER)?;
    let (y, m, d) = (parts.get(at + 2)?, parts.get(at + 3)?, parts.get(at + 4)?);
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Every `*.json.gz` and `*.json` file below `root`, sorted, keeping only day
/// folders for which `keep_day` is true (files without a day are kept).
pub fn list_files(
    root: &Path,
    keep_day: &dyn Fn(NaiveDate) -> bool,
) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                // Prune whole day folders outside the window.
                if day_of_path(&path.join("x")).is_some_and(|d| !keep_day(d)) {
                    continue;
                }
                stack.push(path);
            } else {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                if (name.ends_with(".json.gz") || name.ends_with(".json"))
                    && day_of_path(&path).is_none_or(keep_day)
                {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_come_from_both_layouts() {
        let single = Path::new("b/AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/02/f.json.gz");
        let org =
            Path::new("AWSLogs/o-abc123/123456789012/CloudTrail/us-east-1/2026/01/31/f.json.gz");
        assert_eq!(day_of_path(single), NaiveDate::from_ymd_opt(2026, 11, 2));
        assert_eq!(day_of_path(org), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(day_of_path(Path::new("logs/f.json")), None);
        assert_eq!(
            day_of_path(Path::new("AWSLogs/1/CloudTrail/r/2026/13/01/f.json")),
            None
        );
        assert_eq!(
            location_of_key(
                "p/AWSLogs/o-abc123/123456789012/CloudTrail/us-east-1/2026/01/31/f.json.gz"
            ),
            Some((
                "123456789012",
                "us-east-1",
                NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
            ))
        );
        assert_eq!(
            location_of_key("CloudTrail/us-east-1/2026/01/31/f.json.gz"),
            None
        );
        assert_eq!(location_of_key("logs/f.json"), None);
    }
}
