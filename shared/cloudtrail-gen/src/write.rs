//! Lays the records out as a trail delivers them and writes the snapshots and truth.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use flate2::write::GzEncoder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use thiserror::Error;

use crate::noise::noise;
use crate::story::{Setting, Truth, STORIES};
use crate::{Layout, Options, Summary};

/// Why generation failed.
#[derive(Debug, Error)]
pub enum GenError {
    /// Writing a file.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// A truth file that does not parse.
    #[error("{0}: not a truth file: {1}")]
    Truth(PathBuf, String),
    /// Options that cannot describe a trail.
    #[error("invalid option {field}: {reason}")]
    Invalid {
        /// Which option.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GenError + '_ {
    move |e| GenError::Io(path.to_path_buf(), e)
}

/// One delivery file's slot: account, region, day, slice of the day.
type Slot = (usize, usize, NaiveDate, u32);

fn validate(opts: &Options) -> Result<(), GenError> {
    let bad = |field, reason: &str| {
        Err(GenError::Invalid {
            field,
            reason: reason.into(),
        })
    };
    if opts.accounts.is_empty()
        || opts
            .accounts
            .iter()
            .any(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("accounts", "one or more 12-digit account ids");
    }
    if opts.regions.is_empty() || opts.regions.iter().any(|r| r.is_empty() || r.contains('/')) {
        return bad("regions", "one or more region names");
    }
    if opts.days == 0 || opts.files_per_day == 0 || opts.files_per_day > 288 {
        return bad(
            "days/files_per_day",
            "at least 1 day; 1 to 288 files per day",
        );
    }
    if let Layout::Organization(org) = &opts.layout {
        if !org.starts_with("o-") || org.len() < 12 {
            return bad("layout", "organization ids look like o-abcdefghij");
        }
    }
    Ok(())
}

pub fn generate(opts: &Options) -> Result<Summary, GenError> {
    validate(opts)?;
    let trail = opts.root.join("cloudtrail");
    std::fs::create_dir_all(&trail).map_err(io(&trail))?;
    let earlier_at = opts.now - Duration::days(opts.days as i64);

    // The stories first: their records are placed into the delivery files below.
    let mut truth = Truth {
        now: opts.now,
        window_days: opts.window_days,
        threshold_days: opts.threshold_days,
        exclude_tag: opts.exclude_tag.clone(),
        ..Truth::default()
    };
    let mut latest = String::new();
    let mut earlier = String::new();
    let mut placed: HashMap<Slot, Vec<Value>> = HashMap::new();
    let mut story_records = 0u64;
    let slice = 86_400 / opts.files_per_day;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    for (ai, account) in opts.accounts.iter().enumerate() {
        for (ri, region) in opts.regions.iter().enumerate() {
            let setting = Setting {
                account,
                region,
                now: opts.now,
                trail_days: opts.days as i64,
                window_days: opts.window_days,
                threshold_days: opts.threshold_days,
                exclude_tag: &opts.exclude_tag,
                earlier_at,
            };
            for story in STORIES {
                let told = story.tell(&mut rng, &setting);
                for (time, rec) in told.records {
                    let s = time.num_seconds_from_midnight() / slice;
                    placed
                        .entry((ai, ri, time.date_naive(), s))
                        .or_default()
                        .push(rec);
                    story_records += 1;
                }
                if let Some(l) = told.latest {
                    latest.push_str(&l.to_string());
                    latest.push('\n');
                }
                for l in told.earlier {
                    earlier.push_str(&l.to_string());
                    earlier.push('\n');
                }
                match told.expected {
                    Some(e) => truth.addresses.push(e),
                    None => truth.released.push(told.allocation_id),
                }
            }
        }
    }

    // Every slot of every day gets a file, in parallel; each slot has its own
    // seeded generator, so the tree does not depend on thread scheduling.
    let first_day = (opts.now - Duration::days(opts.days as i64 - 1)).date_naive();
    let mut slots: Vec<Slot> = Vec::new();
    for ai in 0..opts.accounts.len() {
        for ri in 0..opts.regions.len() {
            for d in 0..opts.days {
                for s in 0..opts.files_per_day {
                    slots.push((ai, ri, first_day + Duration::days(d as i64), s));
                }
            }
        }
    }
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let next = AtomicUsize::new(0);
    let placed = Mutex::new(placed);
    let totals = Mutex::new((0u64, 0u64, 0u64, 0u64));
    let failure: Mutex<Option<GenError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = slots.get(i) else { break };
                let stories = placed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(slot)
                    .unwrap_or_default();
                match write_slot(opts, &trail, *slot, i, slice, stories) {
                    Ok((0, _, _)) => {}
                    Ok((bytes, records, instances)) => {
                        let mut t = totals.lock().unwrap_or_else(|p| p.into_inner());
                        t.0 += 1;
                        t.1 += bytes;
                        t.2 += records;
                        t.3 += u64::from(instances);
                    }
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let (files, bytes, records, instance_event_files) =
        totals.into_inner().unwrap_or_else(|p| p.into_inner());

    let write = |name: &str, text: &str| -> Result<PathBuf, GenError> {
        let path = opts.root.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
        Ok(PathBuf::from(name))
    };
    let snapshot = write("snapshot-latest.jsonl", &latest)?;
    let earlier_snapshot = write("snapshot-earlier.jsonl", &earlier)?;
    let truth_path = write(
        "truth.json",
        &serde_json::to_string_pretty(&truth).expect("truth serializes"),
    )?;
    Ok(Summary {
        files,
        bytes,
        records,
        story_records,
        instance_event_files,
        snapshot,
        earlier_snapshot,
        truth: truth_path,
        cloudtrail: PathBuf::from("cloudtrail"),
    })
}

/// Writes one delivery file; returns its size and record count.
fn write_slot(
    opts: &Options,
    trail: &Path,
    (ai, ri, day, s): Slot,
    index: usize,
    slice: u32,
    stories: Vec<Value>,
) -> Result<(u64, u64, bool), GenError> {
    let (account, region) = (&opts.accounts[ai], &opts.regions[ri]);
    let mut rng =
        StdRng::seed_from_u64(opts.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let start: DateTime<Utc> = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
        + Duration::seconds((s * slice) as i64);
    let mut records: Vec<(DateTime<Utc>, Value)> = (0..opts.noise_per_file)
        .map(|_| {
            let t = start + Duration::seconds(rng.random_range(0..slice as i64));
            (t, noise(&mut rng, account, region, t))
        })
        .filter(|(t, _)| *t <= opts.now)
        .collect();
    let n_noise = records.len();
    records.extend(stories.into_iter().map(|r| (start, r)));
    // CloudTrail files are roughly, not strictly, time-ordered: keep noise sorted, stories where they fall.
    records[..n_noise].sort_by_key(|(t, _)| *t);
    if records.is_empty() {
        return Ok((0, 0, false));
    }
    let instances = records.iter().any(|(_, r)| {
        matches!(
            r["eventName"].as_str(),
            Some("RunInstances" | "StopInstances" | "StartInstances" | "TerminateInstances")
        )
    });

    let dir = {
        let mut d = trail.join("AWSLogs");
        if let Layout::Organization(org) = &opts.layout {
            d = d.join(org);
        }
        d.join(account)
            .join("CloudTrail")
            .join(region)
            .join(day.format("%Y/%m/%d").to_string())
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let deliver = start + Duration::seconds(slice as i64) - Duration::minutes(1);
    let plain = opts.some_plain_json && index % 7 == 3;
    let name = format!(
        "{account}_CloudTrail_{region}_{}_{}.json{}",
        deliver.format("%Y%m%dT%H%MZ"),
        crate::record::hex(&mut rng, 16).to_uppercase(),
        if plain { "" } else { ".gz" }
    );
    let path = dir.join(name);
    let mut body = Vec::with_capacity(records.len() * 1400);
    body.extend_from_slice(b"{\"Records\":[");
    for (i, (_, r)) in records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        serde_json::to_writer(&mut body, r).expect("records serialize");
    }
    body.extend_from_slice(b"]}");
    let stored = if plain {
        body
    } else {
        let mut gz = GzEncoder::new(
            Vec::with_capacity(body.len() / 6),
            flate2::Compression::default(),
        );
        gz.write_all(&body).map_err(io(&path))?;
        gz.finish().map_err(io(&path))?
    };
    std::fs::write(&path, &stored).map_err(io(&path))?;
    Ok((stored.len() as u64, records.len() as u64, instances))
}
