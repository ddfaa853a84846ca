//! Accounts and regions the latest snapshot could not read: their addresses
//! are not in it, yet they are still there (and billed). The report shows
//! them as the last snapshot that read them saw them, `unknown`, never
//! flagged, and says why — "not read" is never "nothing there".

use vpcwarden_eip::{AddressReport, SinceBasis, SnapshotAddress, Status};
use vpcwarden_inventory::ScopeFailure;

fn failed<'a>(
    failures: &'a [ScopeFailure],
    account: &str,
    region: &str,
) -> Option<&'a ScopeFailure> {
    failures
        .iter()
        .find(|f| f.account == account && f.region.as_deref().is_none_or(|r| r == region))
}

/// Adds to `latest` the newest earlier line of each address in a failed
/// scope (an address it already holds is left as it is).
pub fn carry_unread(
    latest: &mut Vec<SnapshotAddress>,
    earlier: &[SnapshotAddress],
    failures: &[ScopeFailure],
) {
    if failures.is_empty() {
        return;
    }
    let mut newest: std::collections::BTreeMap<&str, &SnapshotAddress> = Default::default();
    for e in earlier
        .iter()
        .filter(|e| failed(failures, &e.account, &e.region).is_some())
    {
        let slot = newest.entry(e.allocation_id.as_str()).or_insert(e);
        if e.snapshot_time > slot.snapshot_time {
            *slot = e;
        }
    }
    for (id, e) in newest {
        if !latest.iter().any(|a| a.allocation_id.as_str() == id) {
            latest.push((*e).clone());
        }
    }
}

/// Rows of failed scopes: `unknown`, not flagged, no idle time or waste
/// claimed, and the reason in `note`.
pub fn mark_unread(rows: &mut [AddressReport], failures: &[ScopeFailure]) {
    for r in rows.iter_mut() {
        let Some(f) = failed(failures, &r.account, &r.region) else {
            continue;
        };
        r.status = Status::Unknown;
        r.flagged = false;
        r.idle_since = None;
        r.idle_since_basis = SinceBasis::Unknown;
        r.idle_days = None;
        r.waste_in_window_usd = None;
        r.note = Some(format!(
            "the latest snapshot could not read {}: {}; shown as an earlier snapshot saw it",
            match &f.region {
                Some(region) => format!("account {} in {region}", f.account),
                None => format!("account {}", f.account),
            },
            f.reason
        ));
    }
}
