//! Real published CloudTrail records (`../shared/real-cloudtrail/records.jsonl`
//! beside the repository, provenance in its SOURCES.md; read from there, never
//! copied in). Set `VPCWARDEN_REAL_CLOUDTRAIL` to read them from elsewhere.
//! These records may not be redistributed with the repository: without the
//! file the test fails, naming it — unless `VPCWARDEN_SKIP_REAL_RECORDS=1`,
//! and then cargo lists it as ignored with that reason (build.rs), never as
//! passed.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use vpcwarden_eip::extract::{may_be_relevant, text_may_be_relevant};
use vpcwarden_eip::{
    analyse, extract, reconstruct, Coverage, CoverageReport, EventKind, ExtractError,
    LifecycleEvent, Settings, SnapshotAddress, Target,
};

fn records() -> Vec<(usize, String, Value)> {
    let path = std::env::var_os("VPCWARDEN_REAL_CLOUDTRAIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/real-cloudtrail/records.jsonl")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no real CloudTrail records at {}: {e} — set VPCWARDEN_REAL_CLOUDTRAIL to where they are, or VPCWARDEN_SKIP_REAL_RECORDS=1 to list this test as ignored",
            path.display()
        )
    });
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: not JSON: {e}", i + 1));
            (i + 1, l.to_string(), v)
        })
        .collect()
}

#[test]
#[cfg_attr(
    real_records_skipped,
    ignore = "VPCWARDEN_SKIP_REAL_RECORDS=1 and no real CloudTrail records beside the repository"
)]
fn real_records_read_failed_calls_ignored_and_their_attachments_counted() {
    let records = records();
    let mut events: Vec<LifecycleEvent> = Vec::new();
    let mut invalid_ids = Vec::new();
    for (line, raw, rec) in &records {
        let failed = rec.get("errorCode").is_some_and(|e| !e.is_null());
        match extract(rec) {
            Ok(Some(ev)) => {
                assert!(!failed, "line {line}: a failed call became an event");
                assert!(
                    may_be_relevant(raw.as_bytes()) && text_may_be_relevant(raw.as_bytes()),
                    "line {line}: the pre-filters would drop a record extract keeps"
                );
                events.push(ev);
            }
            Ok(None) => {}
            Err(ExtractError::BadId { .. }) => invalid_ids.push(*line),
            Err(e) => panic!("line {line}: {e}"),
        }
    }
    // The hand-edited fixture's invented `eipalloc-abcdefgh` is the one invalid id.
    assert_eq!(
        invalid_ids.len(),
        1,
        "records with invalid ids: {invalid_ids:?}"
    );

    // Every successful attaching call implies one attachment that starts at its time.
    let implied: usize = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Associate { .. } => 1,
            EventKind::HoldCreate { allocations, .. } => allocations.len(),
            _ => 0,
        })
        .sum();
    let rec = reconstruct(&events, std::iter::empty::<&SnapshotAddress>());
    let counted: usize = rec.histories.values().map(|h| h.attachments.len()).sum();
    assert!(
        implied >= 4,
        "the associate and NAT gateway records imply attachments"
    );
    assert_eq!(counted, implied, "each implied attachment counted once");

    // A NAT gateway's deletion ends the hold its creation began (the records
    // hold two full allocate → create → delete → release chains).
    let deleted: HashMap<&str, DateTime<Utc>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::HoldEnd {
                holder: Target::NatGateway(n),
            } => Some((n.as_str(), e.time)),
            _ => None,
        })
        .collect();
    let mut chains = 0;
    for e in &events {
        let EventKind::HoldCreate {
            holder: Target::NatGateway(n),
            allocations,
        } = &e.kind
        else {
            continue;
        };
        let Some(end) = deleted.get(n.as_str()) else {
            continue;
        };
        for a in allocations {
            let h = &rec.histories[a];
            assert!(
                h.attachments
                    .iter()
                    .any(|at| at.from == Some(e.time) && at.to == Some(*end)),
                "{a}: held by {n} from {} to {end}: {:?}",
                e.time,
                h.attachments
            );
            if h.released_at.is_some_and(|r| r >= *end) {
                chains += 1;
            }
        }
    }
    assert_eq!(
        chains, 2,
        "both allocate → NAT gateway → delete → release chains"
    );

    // The report over them is well formed: every address of the records, free
    // now, idle never since before its last attachment.
    let now = events.iter().map(|e| e.time).max().unwrap() + Duration::days(1);
    let mut snapshot: Vec<SnapshotAddress> = Vec::new();
    for e in &events {
        if let EventKind::Allocate {
            allocation,
            public_ip,
        } = &e.kind
        {
            snapshot.push(
                serde_json::from_value(serde_json::json!({
                    "allocation_id": allocation, "public_ip": public_ip.clone().unwrap_or_default(),
                    "region": e.region, "account": e.account, "association_id": null, "instance_id": null,
                    "network_interface_id": null, "network_interface_owner_id": null,
                    "public_ipv4_pool": "amazon", "tags": [], "snapshot_time": now,
                }))
                .unwrap(),
            );
        }
    }
    let settings = Settings {
        window_start: DateTime::parse_from_rfc3339("2015-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
        ..Settings::new(now)
    };
    let mut coverage = Coverage::default();
    for a in &snapshot {
        coverage.add_days(
            &a.account,
            &a.region,
            settings.window_start.date_naive(),
            now.date_naive(),
        );
    }
    let report = CoverageReport::for_window(&coverage, &snapshot, settings.window_start, now);
    let rows = analyse(&snapshot, &[], &events, &report, &settings);
    assert_eq!(rows.len(), snapshot.len());
    for r in &rows {
        if let (Some(since), Some(last)) = (r.idle_since, r.last_attached_at) {
            assert!(
                since >= last,
                "{}: idle since {since} before its attachment {last}",
                r.allocation_id
            );
        }
        assert!(r.waste_in_window_usd.is_some_and(|w| w >= 0.0), "{r:?}");
    }
}
