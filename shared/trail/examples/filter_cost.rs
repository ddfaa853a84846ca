//! What the per-record pre-filter costs: the records of the first N files of a
//! trail, inflated and split once, then filtered by `may_be_relevant` (every
//! `eventName` occurrence) and by a first-occurrence-only filter (the earlier
//! version, which fuzzing showed can drop a record naming the key twice).
//!
//! cargo run --release -p vpcwarden-trail --example filter_cost -- DIR [FILES]

use std::io::Read;
use std::time::Instant;

use vpcwarden_eip::extract::{may_be_relevant, EVENT_NAMES};

fn first_only(raw: &[u8]) -> bool {
    let Some(at) = memchr::memmem::find(raw, b"\"eventName\"") else {
        return false;
    };
    let rest = &raw[at + 11..];
    let Some(open) = rest.iter().position(|b| *b == b'"') else {
        return false;
    };
    let value = &rest[open + 1..];
    let Some(close) = memchr::memchr(b'"', value) else {
        return false;
    };
    EVENT_NAMES.iter().any(|n| n.as_bytes() == &value[..close])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("a trail directory");
    let n: usize = args
        .next()
        .map_or(400, |v| v.parse().expect("a file count"));
    let files = vpcwarden_trail::list_files(std::path::Path::new(&root), &|_| true).unwrap();
    let mut records: Vec<String> = Vec::new();
    for f in files.iter().take(n) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        #[derive(serde::Deserialize)]
        struct File<'a> {
            #[serde(rename = "Records", borrow)]
            records: Vec<&'a serde_json::value::RawValue>,
        }
        let file: File<'_> = serde_json::from_str(&text).unwrap();
        records.extend(file.records.iter().map(|r| r.get().to_string()));
    }
    let bytes: usize = records.iter().map(String::len).sum();
    for (name, filter) in [
        (
            "every occurrence (may_be_relevant)",
            may_be_relevant as fn(&[u8]) -> bool,
        ),
        ("first occurrence only (before)", first_only),
    ] {
        let mut best = f64::MAX;
        let mut kept = 0;
        for _ in 0..5 {
            let t = Instant::now();
            kept = records.iter().filter(|r| filter(r.as_bytes())).count();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {} records, {:.1} MB, kept {kept}: {:.1} ns/record, {:.2} GB/s (best of 5, one core)",
            records.len(),
            bytes as f64 / 1e6,
            best * 1e9 / records.len() as f64,
            bytes as f64 / best / 1e9
        );
    }
}
