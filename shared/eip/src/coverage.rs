//! Which accounts, regions and days the trail actually held. "No event" means
//! "nothing happened" only where the trail has files: an address whose
//! account and region lack a day of the window is reported `unknown`, never
//! flagged (an empty folder, a mistyped prefix, a trail without that account,
//! or a `now` past the trail's end would otherwise read as "idle all along").

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Days with at least one CloudTrail file, per account and region — and
/// days without one that the trail's digest files show it was delivering
/// through (every hour of the day in signed hourly digests that list no
/// missing log file: "covered, nothing happened", never "no record").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    days: BTreeMap<(String, String), BTreeSet<NaiveDate>>,
    quiet: BTreeMap<(String, String), BTreeSet<NaiveDate>>,
}

impl Coverage {
    /// Records a file (or an S3 day prefix) for `account`/`region` on `day`.
    pub fn add(&mut self, account: &str, region: &str, day: NaiveDate) {
        self.days
            .entry((account.to_string(), region.to_string()))
            .or_default()
            .insert(day);
    }

    /// Records every day of `from..=to`.
    pub fn add_days(&mut self, account: &str, region: &str, from: NaiveDate, to: NaiveDate) {
        for day in from.iter_days().take_while(|d| *d <= to) {
            self.add(account, region, day);
        }
    }

    /// Takes a day out again (a file of that day could not be read: the day
    /// is not known to be complete).
    pub fn remove(&mut self, account: &str, region: &str, day: NaiveDate) {
        if let Some(days) = self
            .days
            .get_mut(&(account.to_string(), region.to_string()))
        {
            days.remove(&day);
        }
    }

    /// Records a day without log files that digest files show the trail
    /// delivering through (see [`Coverage`]).
    pub fn add_quiet(&mut self, account: &str, region: &str, day: NaiveDate) {
        self.quiet
            .entry((account.to_string(), region.to_string()))
            .or_default()
            .insert(day);
    }

    /// Adds everything `other` holds.
    pub fn merge(&mut self, other: Coverage) {
        for (k, v) in other.days {
            self.days.entry(k).or_default().extend(v);
        }
        for (k, v) in other.quiet {
            self.quiet.entry(k).or_default().extend(v);
        }
    }

    /// Every account, region and day covered by digest files only.
    pub fn quiet_entries(&self) -> impl Iterator<Item = (&str, &str, NaiveDate)> {
        self.quiet
            .iter()
            .flat_map(|((a, r), days)| days.iter().map(move |d| (a.as_str(), r.as_str(), *d)))
    }

    /// How many of `required` this account and region covers by digest files only.
    pub fn quiet_count(&self, account: &str, region: &str, required: &[NaiveDate]) -> usize {
        let key = (account.to_string(), region.to_string());
        let (files, quiet) = (self.days.get(&key), self.quiet.get(&key));
        required
            .iter()
            .filter(|d| {
                quiet.is_some_and(|q| q.contains(d)) && !files.is_some_and(|f| f.contains(d))
            })
            .count()
    }

    /// Accounts and regions with at least one day.
    pub fn scopes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.days
            .keys()
            .chain(self.quiet.keys())
            .map(|(a, r)| (a.as_str(), r.as_str()))
    }

    /// The days of `required` neither with a file nor shown quiet by digests
    /// for this account and region.
    pub fn missing(&self, account: &str, region: &str, required: &[NaiveDate]) -> Vec<NaiveDate> {
        let key = (account.to_string(), region.to_string());
        let (have, quiet) = (self.days.get(&key), self.quiet.get(&key));
        required
            .iter()
            .filter(|d| {
                !have.is_some_and(|h| h.contains(d)) && !quiet.is_some_and(|q| q.contains(d))
            })
            .copied()
            .collect()
    }

    /// Every account, region and day recorded.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str, NaiveDate)> {
        self.days
            .iter()
            .flat_map(|((a, r), days)| days.iter().map(move |d| (a.as_str(), r.as_str(), *d)))
    }

    /// True when no file was recorded at all.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.quiet.is_empty()
    }
}

/// The days a report over `window_start..now` needs files for: every UTC day
/// from the window's first to the day before `now` (the current day is still
/// being delivered, so its absence is not a gap).
pub fn required_days(window_start: DateTime<Utc>, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let first = window_start.date_naive();
    let last = (now - Duration::days(1)).date_naive();
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// A run of consecutive days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

/// Coverage of one account and region over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeCoverage {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Days of the window with files.
    pub days_covered: usize,
    /// Days of the window without any file.
    pub days_missing: usize,
    /// Of `days_covered`, days without log files that the trail's digest
    /// files show it delivering through (quiet: nothing happened).
    #[serde(default)]
    pub days_quiet: usize,
    /// What the coverage rests on: `log_files`, `log_files_and_digests`,
    /// `digests`, or `none`.
    #[serde(default)]
    pub evidence: String,
    /// The missing days as ranges.
    pub gaps: Vec<DayRange>,
}

impl ScopeCoverage {
    /// No day missing.
    pub fn complete(&self) -> bool {
        self.days_missing == 0
    }
}

/// What a report rests on: the window's days and, per account and region
/// (those of the snapshot's addresses and those the trail holds), which of
/// them the trail covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageReport {
    /// True when every account and region of the snapshot is covered on
    /// every required day.
    pub complete: bool,
    /// Accounts and regions of the snapshot that miss days (what the
    /// `CoverageGaps` metric counts; 0 exactly when `complete`).
    pub incomplete_scopes: usize,
    /// Days the window needs (its first day to the day before `now`).
    pub required_days: usize,
    /// First required day.
    pub first_day: Option<NaiveDate>,
    /// Last required day.
    pub last_day: Option<NaiveDate>,
    /// Per account and region, sorted by account then region.
    pub scopes: Vec<ScopeCoverage>,
    /// When incomplete: the longest window (in days, ending at the same
    /// `now`) that every account and region of the snapshot covers — a
    /// trail younger than the window, or a gap long ago, still gives an
    /// answer over this many days. `None` when complete, or when even
    /// yesterday is missing somewhere.
    #[serde(default)]
    pub answerable_days: Option<i64>,
}

impl CoverageReport {
    /// Builds the report for the accounts and regions in `needed` (the
    /// snapshot's) plus those the trail holds.
    pub fn new<'a>(
        coverage: &Coverage,
        needed: impl IntoIterator<Item = (&'a str, &'a str)>,
        required: &[NaiveDate],
    ) -> CoverageReport {
        let needed: BTreeSet<(&str, &str)> = needed.into_iter().collect();
        let all: BTreeSet<(&str, &str)> = needed.iter().copied().chain(coverage.scopes()).collect();
        let scopes: Vec<ScopeCoverage> = all
            .into_iter()
            .map(|(account, region)| {
                let missing = coverage.missing(account, region, required);
                let covered = required.len() - missing.len();
                let quiet = coverage.quiet_count(account, region, required);
                let evidence = match (covered - quiet, quiet) {
                    (0, 0) => "none",
                    (_, 0) => "log_files",
                    (0, _) => "digests",
                    _ => "log_files_and_digests",
                };
                ScopeCoverage {
                    account: account.to_string(),
                    region: region.to_string(),
                    days_covered: covered,
                    days_missing: missing.len(),
                    days_quiet: quiet,
                    evidence: evidence.into(),
                    gaps: ranges(&missing),
                }
            })
            .collect();
        let incomplete_scopes = scopes
            .iter()
            .filter(|s| needed.contains(&(s.account.as_str(), s.region.as_str())))
            .filter(|s| !s.complete())
            .count();
        let answerable_days = match required.last() {
            Some(last) if incomplete_scopes > 0 => scopes
                .iter()
                .filter(|s| needed.contains(&(s.account.as_str(), s.region.as_str())))
                .filter_map(|s| s.gaps.last())
                .map(|g| (*last - g.to).num_days())
                .min()
                .filter(|k| *k >= 1),
            _ => None,
        };
        CoverageReport {
            complete: incomplete_scopes == 0,
            incomplete_scopes,
            required_days: required.len(),
            first_day: required.first().copied(),
            last_day: required.last().copied(),
            scopes,
            answerable_days,
        }
    }

    /// The report's first line when the window cannot be answered but a
    /// shorter one can (a trail younger than the window): said first, so
    /// nobody reads a page of `unknown` as the answer.
    pub fn shorter_window_line(&self) -> Option<String> {
        let k = self.answerable_days?;
        let starts = self.last_day? - chrono::Duration::days(k - 1);
        Some(format!(
            "**The trail has no complete record of every account and region before {starts}: the {}-day window cannot be answered (free addresses are `unknown`), a {k}-day window can — run with `--days {k}` (`VPCWARDEN_LOOKBACK_DAYS={k}`).**",
            self.required_days
        ))
    }

    /// The report for a window ending at `now`, over the accounts and regions
    /// of `snapshot`'s addresses: what every report (function and CLI) uses.
    pub fn for_window(
        coverage: &Coverage,
        snapshot: &[crate::SnapshotAddress],
        window_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> CoverageReport {
        CoverageReport::new(
            coverage,
            snapshot
                .iter()
                .map(|a| (a.account.as_str(), a.region.as_str())),
            &required_days(window_start, now),
        )
    }

    /// The coverage of one account and region, if listed. `scopes` is
    /// sorted by account and region (built from an ordered set), so this is a
    /// binary search: one lookup per address of an organization's snapshot.
    pub fn scope(&self, account: &str, region: &str) -> Option<&ScopeCoverage> {
        self.scopes
            .binary_search_by(|s| (s.account.as_str(), s.region.as_str()).cmp(&(account, region)))
            .ok()
            .map(|i| &self.scopes[i])
    }

    /// One line per incomplete account and region, for people.
    pub fn gap_lines(&self) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|s| !s.complete())
            .map(|s| {
                let gaps: Vec<String> = s
                    .gaps
                    .iter()
                    .take(3)
                    .map(|g| {
                        if g.from == g.to {
                            g.from.to_string()
                        } else {
                            format!("{}..{}", g.from, g.to)
                        }
                    })
                    .collect();
                let more = if s.gaps.len() > 3 { ", …" } else { "" };
                format!(
                    "{}/{}: no CloudTrail files on {} of {} days ({}{more})",
                    s.account,
                    s.region,
                    s.days_missing,
                    self.required_days,
                    gaps.join(", ")
                )
            })
            .collect()
    }
}

fn ranges(days: &[NaiveDate]) -> Vec<DayRange> {
    let mut out: Vec<DayRange> = Vec::new();
    for d in days {
        match out.last_mut() {
            Some(r) if r.to.succ_opt() == Some(*d) => r.to = *d,
            _ => out.push(DayRange { from: *d, to: *d }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_trail_younger_than_the_window_says_which_window_it_can_answer() {
        let now: DateTime<Utc> = "2026-11-30T08:00:00Z".parse().unwrap();
        let required = required_days(now - Duration::days(90), now);
        let mut c = Coverage::default();
        // A trail that began 20 days ago in one region, 30 in the other.
        c.add_days(
            "111122223333",
            "eu-west-1",
            day("2026-11-10"),
            day("2026-11-29"),
        );
        c.add_days(
            "111122223333",
            "us-east-1",
            day("2026-10-31"),
            day("2026-11-29"),
        );
        let needed = [("111122223333", "eu-west-1"), ("111122223333", "us-east-1")];
        let r = CoverageReport::new(&c, needed, &required);
        assert!(!r.complete);
        assert_eq!(r.answerable_days, Some(20));
        let line = r.shorter_window_line().unwrap();
        assert!(
            line.contains("before 2026-11-10") && line.contains("--days 20"),
            "{line}"
        );
        // The suggested window is indeed complete.
        let r20 = CoverageReport::new(&c, needed, &required_days(now - Duration::days(20), now));
        assert!(r20.complete, "{r20:?}");
        // Yesterday missing somewhere: no shorter window helps.
        let mut late = Coverage::default();
        late.add_days(
            "111122223333",
            "eu-west-1",
            day("2026-11-10"),
            day("2026-11-28"),
        );
        let r = CoverageReport::new(&late, [("111122223333", "eu-west-1")], &required);
        assert_eq!(r.answerable_days, None);
        assert_eq!(r.shorter_window_line(), None);
    }

    #[test]
    fn gaps_are_ranges_and_the_current_day_is_not_required() {
        let now: DateTime<Utc> = "2026-11-10T08:00:00Z".parse().unwrap();
        let required = required_days(now - Duration::days(9), now);
        assert_eq!(required.first(), Some(&day("2026-11-01")));
        assert_eq!(required.last(), Some(&day("2026-11-09")));
        let mut c = Coverage::default();
        c.add_days("1", "r", day("2026-11-01"), day("2026-11-09"));
        c.add_days("2", "r", day("2026-11-03"), day("2026-11-05"));
        c.add("2", "r", day("2026-11-08"));
        let rep = CoverageReport::new(&c, [("1", "r"), ("3", "r")], &required);
        assert!(!rep.complete, "account 3 has no file at all");
        assert_eq!(rep.incomplete_scopes, 1, "account 2 is not needed");
        assert!(rep.scope("1", "r").unwrap().complete());
        let two = rep.scope("2", "r").unwrap();
        assert_eq!(two.days_missing, 5);
        assert_eq!(
            two.gaps,
            vec![
                DayRange {
                    from: day("2026-11-01"),
                    to: day("2026-11-02")
                },
                DayRange {
                    from: day("2026-11-06"),
                    to: day("2026-11-07")
                },
                DayRange {
                    from: day("2026-11-09"),
                    to: day("2026-11-09")
                },
            ]
        );
        assert_eq!(rep.scope("3", "r").unwrap().days_covered, 0);
        let only_needed = CoverageReport::new(&c, [("1", "r")], &required);
        assert!(only_needed.complete, "account 2 is listed but not needed");
        assert_eq!(only_needed.gap_lines().len(), 1);
    }
}
