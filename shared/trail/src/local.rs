//! Parallel scan of CloudTrail files.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde_json::value::RawValue;
use vpcwarden_eip::extract::{extract, may_be_relevant, text_may_be_relevant};
use vpcwarden_eip::{Coverage, LifecycleEvent};

use crate::locate::{count_records, records_naming_events};
use crate::source::{Item, Source};
use crate::walk::{day_of_key, location_of_key};

/// What to read.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Window start (inclusive).
    pub from: DateTime<Utc>,
    /// Window end (exclusive).
    pub to: DateTime<Utc>,
    /// Worker threads (files in parallel); 0 means one per core.
    pub threads: usize,
    /// A file larger than this once inflated (or stored, when plain JSON) is
    /// refused as unreadable — a coverage gap, as any unreadable file is — and
    /// memory stays bounded: each worker holds at most this much text.
    pub max_file_bytes: u64,
}

/// The default [`ScanOptions::max_file_bytes`]: 256 MiB. CloudTrail log files
/// are a few MB inflated (a file per account, region and ~5 minutes); this
/// leaves a wide margin and still bounds a decompression bomb.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// Told about each file as it is finished (the CLI draws a progress bar).
pub trait Progress: Sync {
    /// A file of `bytes` (as stored) was read.
    fn file_done(&self, bytes: u64);
}

impl Progress for () {
    fn file_done(&self, _bytes: u64) {}
}

/// The result of a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// Lifecycle events in the window, in time order.
    pub events: Vec<LifecycleEvent>,
    /// Files read.
    pub files: usize,
    /// Bytes read as stored (compressed for `.gz`).
    pub input_bytes: u64,
    /// Records in the files that were parsed.
    pub records: u64,
    /// Files skipped whole: their text names no lifecycle event.
    pub skipped_files: usize,
    /// Bytes after decompression.
    pub inflated_bytes: u64,
    /// Records that passed the cheap filter and were parsed.
    pub parsed: u64,
    /// Relevant records that did not have the documented shape (message each).
    pub malformed: Vec<String>,
    /// Files that could not be read or are not CloudTrail JSON (path: reason).
    pub unreadable: Vec<String>,
    /// Account, region and day folders of the files read. Unreadable files
    /// and files outside the `AWSLogs/…/CloudTrail/<region>/YYYY/MM/DD/`
    /// layout cover nothing.
    pub coverage: Coverage,
    /// Files read that sit outside that layout (their coverage is unknown).
    pub unplaced_files: usize,
    /// Account, region and day of files that could not be read: those days
    /// are taken out of the coverage (their events may be missing).
    pub damaged: Vec<(String, String, chrono::NaiveDate)>,
    /// Digest files read (log file validation): what shows quiet days covered.
    pub digest_files: usize,
    /// The digests read.
    pub digests: Vec<crate::digest::Digest>,
    /// Log files read whole, keyed from `AWSLogs/` on (what digests name).
    pub read_logs: std::collections::HashSet<String>,
}

#[derive(Deserialize)]
struct LogFile<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<&'a RawValue>,
}

impl Scan {
    /// Adds another part's figures and findings (not yet [`Scan::finish`]ed).
    fn absorb(&mut self, mine: Scan) {
        self.events.extend(mine.events);
        self.files += mine.files;
        self.input_bytes += mine.input_bytes;
        self.records += mine.records;
        self.skipped_files += mine.skipped_files;
        self.inflated_bytes += mine.inflated_bytes;
        self.parsed += mine.parsed;
        self.malformed.extend(mine.malformed);
        self.unreadable.extend(mine.unreadable);
        self.coverage.merge(mine.coverage);
        self.damaged.extend(mine.damaged);
        self.unplaced_files += mine.unplaced_files;
        self.digest_files += mine.digest_files;
        self.digests.extend(mine.digests);
        self.read_logs.extend(mine.read_logs);
    }

    /// Days without log files that the digests show quiet (not damaged).
    fn add_quiet(
        &mut self,
        quiet: &[(String, String, NaiveDate)],
        keep: &dyn Fn(NaiveDate) -> bool,
    ) {
        for (account, region, day) in quiet {
            let damaged = self
                .damaged
                .iter()
                .any(|(a, r, d)| a == account && r == region && d == day);
            // A day with log files rests on them; quiet is only for the days without.
            let has_files = self.coverage.missing(account, region, &[*day]).is_empty();
            if keep(*day) && !damaged && !has_files {
                self.coverage.add_quiet(account, region, *day);
            }
        }
    }

    /// Damaged days out of the coverage; one order whatever the thread
    /// interleaving (time, then event id); each event once.
    fn finish(mut self) -> Scan {
        self.damaged.sort();
        self.damaged.dedup();
        for (account, region, day) in &self.damaged {
            self.coverage.remove(account, region, *day);
        }
        vpcwarden_eip::sort_events(&mut self.events);
        self.unreadable.sort();
        self.malformed.sort();
        self
    }
}

/// Scans every CloudTrail file of `source` for the window. A file that cannot
/// be read is reported in [`Scan::unreadable`] and the others are still read.
/// Blocking: call it from a thread that may block (not an async task).
pub fn scan(
    source: &dyn Source,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> std::io::Result<Scan> {
    // Delivery lags and day folders are in UTC: keep a day of slack either side.
    let (first, last) = (
        (opts.from - Duration::days(1)).date_naive(),
        (opts.to + Duration::days(1)).date_naive(),
    );
    let files = source.list(&|d| d >= first && d <= last)?;
    let mut out = Scan::default();
    for (_, part) in scan_files(source, &files, opts, progress) {
        out.absorb(part);
    }
    let quiet = crate::digest::quiet_days(&out.digests, &out.read_logs);
    out.add_quiet(&quiet, &|_| true);
    Ok(out.finish())
}

/// What [`scan_days`] read: one [`Scan`] per day folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayScans {
    /// Each requested day's files, read whole: every lifecycle event in them
    /// (whatever its time), what was malformed or unreadable, and which
    /// accounts and regions had files that day. A requested day without any
    /// file has an empty entry.
    pub days: BTreeMap<NaiveDate, Scan>,
    /// Files outside the `AWSLogs/…/CloudTrail/<region>/YYYY/MM/DD/` layout
    /// (not read: they belong to no day).
    pub unplaced: Vec<String>,
}

/// Reads the day folders `days` of `source` whole, keeping each day apart
/// (the event store keeps one object per day folder). Blocking, like [`scan`].
pub fn scan_days(
    source: &dyn Source,
    days: &BTreeSet<NaiveDate>,
    threads: usize,
    max_file_bytes: u64,
    progress: &dyn Progress,
) -> std::io::Result<DayScans> {
    // A day's last hour is in the digest that ends after midnight, in the
    // next day's folder: list one day more, and keep its digests only.
    let listed =
        source.list(&|d| days.contains(&d) || d.pred_opt().is_some_and(|p| days.contains(&p)))?;
    let (digests, listed): (Vec<Item>, Vec<Item>) = listed
        .into_iter()
        .partition(|i| crate::digest::is_digest_key(&i.key));
    let (files, unplaced): (Vec<Item>, Vec<Item>) = listed
        .into_iter()
        .filter(|i| day_of_key(&i.key).is_none_or(|d| days.contains(&d)))
        .partition(|i| location_of_key(&i.key).is_some());
    let opts = ScanOptions {
        from: DateTime::<Utc>::MIN_UTC,
        to: DateTime::<Utc>::MAX_UTC,
        threads,
        max_file_bytes,
    };
    let mut out = DayScans {
        days: days.iter().map(|d| (*d, Scan::default())).collect(),
        unplaced: unplaced.into_iter().map(|i| i.key).collect(),
    };
    let mut all = files;
    all.extend(digests);
    let mut digests_read = Vec::new();
    let mut read_logs = std::collections::HashSet::new();
    for (day, mut part) in scan_files(source, &all, &opts, progress) {
        digests_read.append(&mut part.digests);
        read_logs.extend(part.read_logs.iter().cloned());
        if let Some(day) = day.filter(|d| days.contains(d)) {
            out.days.entry(day).or_default().absorb(part);
        }
    }
    let quiet = crate::digest::quiet_days(&digests_read, &read_logs);
    for (day, scan) in out.days.iter_mut() {
        let mine: Vec<(String, String, NaiveDate)> =
            quiet.iter().filter(|(_, _, d)| d == day).cloned().collect();
        scan.add_quiet(&mine, &|_| true);
    }
    out.days = out.days.into_iter().map(|(d, s)| (d, s.finish())).collect();
    Ok(out)
}

/// Reads `files` on `opts.threads` workers; the results per day folder
/// (`None`: files outside the layout), not yet finished.
fn scan_files(
    source: &dyn Source,
    files: &[Item],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> BTreeMap<Option<NaiveDate>, Scan> {
    let threads = match opts.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
    .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let total = Mutex::new(BTreeMap::<Option<NaiveDate>, Scan>::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mine = worker(source, files, &next, opts, progress);
                let mut t = total.lock().unwrap_or_else(|p| p.into_inner());
                for (day, part) in mine {
                    t.entry(day).or_default().absorb(part);
                }
            });
        }
    });
    total.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn worker(
    source: &dyn Source,
    files: &[Item],
    next: &AtomicUsize,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> BTreeMap<Option<NaiveDate>, Scan> {
    let mut parts = BTreeMap::<Option<NaiveDate>, Scan>::new();
    // Reused for every file this worker reads: memory follows the largest file.
    let mut raw = Vec::new();
    let mut text = Vec::new();
    let mut inflater = libdeflater::Decompressor::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = files.get(i) else { break };
        let out = parts.entry(day_of_key(&item.key)).or_default();
        if crate::digest::is_digest_key(&item.key) {
            // A digest is evidence of delivery, not events: its failure spoils no day by itself
            // (without it, the days it would show quiet stay gaps).
            let got = read_file(
                source,
                item,
                &mut raw,
                &mut text,
                &mut inflater,
                opts.max_file_bytes,
            )
            .map_err(|e| e.to_string())
            .and_then(|stored| crate::digest::parse_digest(&text, &item.key).map(|d| (stored, d)));
            match got {
                Ok((stored, d)) => {
                    out.digest_files += 1;
                    out.input_bytes += stored;
                    out.digests.push(d);
                    progress.file_done(stored);
                }
                Err(e) => out.unreadable.push(format!("{}: {e}", item.key)),
            }
            continue;
        }
        match read_file(
            source,
            item,
            &mut raw,
            &mut text,
            &mut inflater,
            opts.max_file_bytes,
        ) {
            Ok(stored) => {
                out.files += 1;
                out.input_bytes += stored;
                out.inflated_bytes += text.len() as u64;
                match records(&text, opts, out) {
                    Err(e) => {
                        out.unreadable
                            .push(format!("{}: not a CloudTrail log file: {e}", item.key));
                        damaged(out, &item.key);
                    }
                    Ok(()) => match location_of_key(&item.key) {
                        Some((account, region, day)) => {
                            out.coverage.add(account, region, day);
                            out.read_logs
                                .insert(crate::digest::from_awslogs(&item.key).to_string());
                        }
                        None => out.unplaced_files += 1,
                    },
                }
                progress.file_done(stored);
            }
            Err(e) => {
                out.unreadable.push(format!("{}: {e}", item.key));
                damaged(out, &item.key);
            }
        }
    }
    parts
}

fn damaged(out: &mut Scan, key: &str) {
    if let Some((account, region, day)) = location_of_key(key) {
        out.damaged
            .push((account.to_string(), region.to_string(), day));
    }
}

/// Reads one file into `text` (inflated if gzip); returns its stored size.
fn read_file(
    source: &dyn Source,
    item: &Item,
    raw: &mut Vec<u8>,
    text: &mut Vec<u8>,
    inflater: &mut libdeflater::Decompressor,
    max: u64,
) -> std::io::Result<u64> {
    text.clear();
    if let Some(size) = item.size.filter(|s| *s > max) {
        return Err(too_big(format!("{size} bytes as stored"), max));
    }
    source.read(item, raw)?;
    let stored = raw.len() as u64;
    if stored > max {
        return Err(too_big(format!("{stored} bytes as stored"), max));
    }
    if item.is_gzip() {
        inflate(raw, text, inflater, max)?;
    } else {
        // Plain JSON is already the text: hand the buffer over instead of copying it.
        std::mem::swap(raw, text);
    }
    Ok(stored)
}

/// Gzip header (magic, deflate method).
const GZIP_MEMBER: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Inflates a gzip file into `text`. CloudTrail writes one member per file:
/// inflated in one call, into a buffer sized by the trailer's length field
/// (libdeflate checks the CRC and that length). libdeflate reads only the first
/// member, so a file that may hold another (the header bytes appear again
/// anywhere after the first header) goes through the streaming decoder, as
/// does anything libdeflate refuses; its error is then the decoder's.
///
/// At most `max` bytes are ever inflated: a trailer claiming more is refused
/// before any allocation, and the streaming decoder stops one byte past `max`
/// (the trailer's length is modulo 4 GiB, so it cannot be trusted to be small).
fn inflate(
    raw: &[u8],
    text: &mut Vec<u8>,
    inflater: &mut libdeflater::Decompressor,
    max: u64,
) -> std::io::Result<()> {
    let single = raw.len() >= 18
        && raw.starts_with(&GZIP_MEMBER)
        && memchr::memmem::find(&raw[3..], &GZIP_MEMBER).is_none();
    if single {
        let len = u32::from_le_bytes(raw[raw.len() - 4..].try_into().expect("4 bytes")) as u64;
        if len > max {
            return Err(too_big(
                format!("its gzip trailer claims {len} bytes inflated"),
                max,
            ));
        }
        text.resize(len as usize, 0);
        if let Ok(n) = inflater.gzip_decompress(raw, text) {
            text.truncate(n);
            return Ok(());
        }
        text.clear();
    }
    MultiGzDecoder::new(raw).take(max + 1).read_to_end(text)?;
    if text.len() as u64 > max {
        text.clear();
        text.shrink_to(0);
        return Err(too_big("it inflates to more".into(), max));
    }
    Ok(())
}

fn too_big(what: String, max: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "refused: {what}, over the limit of {} per file (VPCWARDEN_MAX_FILE_MIB)",
            if max >= 1 << 20 {
                format!("{} MiB", max >> 20)
            } else {
                format!("{max} bytes")
            }
        ),
    )
}

fn records(text: &[u8], opts: &ScanOptions, out: &mut Scan) -> serde_json::Result<()> {
    // A log file, whole: so a wrong prefix or a cut file is never a silent empty report.
    let body = text.trim_ascii();
    if !body.starts_with(b"{")
        || memchr::memmem::find(&body[..body.len().min(64)], b"\"Records\"").is_none()
    {
        return Err(serde::de::Error::custom("no Records array at the start"));
    }
    if !body.ends_with(b"}") {
        return Err(serde::de::Error::custom("cut short: no closing brace"));
    }
    if !text_may_be_relevant(text) {
        out.skipped_files += 1;
        return Ok(());
    }
    match records_naming_events(text) {
        Some(found) => {
            out.records += count_records(text);
            for rec in found {
                record(rec, opts, out)?;
            }
        }
        None => {
            let file: LogFile<'_> = serde_json::from_slice(text)?;
            out.records += file.records.len() as u64;
            for rec in file.records {
                record(rec.get().as_bytes(), opts, out)?;
            }
        }
    }
    Ok(())
}

fn record(raw: &[u8], opts: &ScanOptions, out: &mut Scan) -> serde_json::Result<()> {
    if !may_be_relevant(raw) {
        return Ok(());
    }
    out.parsed += 1;
    let value: serde_json::Value = serde_json::from_slice(raw)?;
    match extract(&value) {
        Ok(Some(ev)) if ev.time >= opts.from && ev.time < opts.to => out.events.push(ev),
        Ok(_) => {}
        Err(e) => out.malformed.push(e.to_string()),
    }
    Ok(())
}
