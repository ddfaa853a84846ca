//! Rendering cost of the reports at organization sizes: the sample idle-EIP
//! report with its rows repeated to N addresses, each format rendered
//! `RUNS` times; prints size and the median time (BENCHMARKS.md).
//!
//! `cargo run --release -p vpcwarden-e2e --bin bench_reports [N …]`

use std::time::{Duration, Instant};

use vpcwarden_report::{render, Format, Report};

const RUNS: usize = 5;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number of addresses"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 50_000]
    } else {
        sizes
    };
    let base = vpcwarden_e2e::samples::idle_eips();
    println!("| addresses | format | size | median of {RUNS} |");
    println!("| ---: | --- | ---: | ---: |");
    for n in sizes {
        let mut r = base.clone();
        r.addresses = (0..n)
            .map(|i| {
                let mut a = base.addresses[i % base.addresses.len()].clone();
                a.public_ip = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
                a
            })
            .collect();
        r.summary = vpcwarden_eip::summary(&r.addresses);
        r.totals = vpcwarden_eip::totals(&r.addresses);
        for format in Format::ALL {
            let mut times: Vec<Duration> = Vec::new();
            let mut size = 0;
            for _ in 0..RUNS {
                let t = Instant::now();
                size = render(Report::IdleEips(&r), format).len();
                times.push(t.elapsed());
            }
            times.sort();
            println!(
                "| {n} | {} | {:.1} MB | {:.1} ms |",
                format.name(),
                size as f64 / 1e6,
                times[RUNS / 2].as_secs_f64() * 1e3
            );
        }
    }
}
