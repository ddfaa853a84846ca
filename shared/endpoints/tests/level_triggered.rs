//! Level-triggered: whatever events arrive — lost, repeated, out of order,
//! incomplete — and whatever the VPC owner's own tooling overwrites, one reconcile leaves every environment's VPC with exactly
//! what MWAA's state says it needs, and a second reconcile finds nothing to
//! do and writes nothing. Generated histories over in-memory EC2 and MWAA
//! (tests/fakes.rs); the environments are written to GetEnvironment's shape.
//! Two accounts share the VPC and use the same environment names (each its
//! own queue and services): nothing of one is ever taken for the other's.
//! Time is a port (a clock the test moves): each event carries the time MWAA
//! emitted it, deliveries come hours or days apart and in any order — late
//! redeliveries older than the tool's own records, tombstones that expire
//! between a deletion and a stale PENDING — and the answer is the same.

mod fakes;

use std::time::Duration;

use std::sync::Arc;

use fakes::{
    environment, event_at, queue, FakeEc2, FakeMwaa, ManualClock, ACCOUNTS, LOCKED, REGION,
};
use proptest::prelude::*;
use vpcwarden_endpoints::{handle, ledger, reconcile, Envelope, Lookup, Settings};
use vpcwarden_policy::Policy;

const MODES: [&str; 3] = ["PRIVATE_ONLY", "PUBLIC_ONLY", "PUBLIC_AND_PRIVATE"];
/// Where each environment ends up: a running status, failed, or deleted (gone from MWAA).
const FATES: [&str; 6] = [
    "AVAILABLE",
    "PENDING",
    "UPDATING",
    "UNAVAILABLE",
    "CREATE_FAILED",
    "DELETED",
];

fn allowed(policy: &str, arn: &str, account: &str) -> bool {
    ledger::granted(&Policy::parse(policy).unwrap(), arn, account, None)
}

#[derive(Debug, Clone)]
struct Story {
    /// Per environment: (fate index, mode index).
    envs: Vec<(usize, usize)>,
    /// Delivery: indexes into the emitted events (repeats, gaps, any order).
    delivery: Vec<usize>,
    /// Which deliveries carry only name and status.
    bare: Vec<bool>,
    lookup: usize,
    /// The VPC owner re-applies its own policy text afterwards (an IaC run),
    /// erasing every ARN this tool added.
    clobber: bool,
    /// Hours that pass before each delivery (past the 25-hour tombstone TTL too).
    hours: Vec<u64>,
}

fn story() -> impl Strategy<Value = Story> {
    prop::collection::vec((0..FATES.len(), 0..MODES.len()), 1..7).prop_flat_map(|envs| {
        // Each environment emits PENDING, AVAILABLE and its fate's last status.
        let emitted = envs.len() * 3;
        (
            Just(envs),
            prop::collection::vec(0..emitted, 0..emitted * 2),
            prop::collection::vec(any::<bool>(), emitted * 2),
            0..3usize,
            any::<bool>(),
            prop::collection::vec(0..60u64, emitted * 2),
        )
            .prop_map(|(envs, delivery, bare, lookup, clobber, hours)| Story {
                envs,
                delivery,
                bare,
                lookup,
                clobber,
                hours,
            })
    })
}

async fn play(s: &Story) -> Result<(), TestCaseError> {
    let ec2 = FakeEc2::default();
    let mwaa = FakeMwaa::default();
    let (subnets, sqs) = ec2.vpc("vpc1", REGION, LOCKED);
    // 2026-11-01T00:00:00Z: MWAA emits every event in the first hour.
    const START: u64 = 1_793_491_200;
    let clock = Arc::new(ManualClock::at(START));
    let settings = Settings {
        settle: Duration::ZERO,
        lookup: [Lookup::Missing, Lookup::Always, Lookup::Never][s.lookup],
        accounts: ACCOUNTS.map(String::from).to_vec(),
        clock: clock.clone(),
        ..Settings::new(REGION)
    };
    let mut emitted = Vec::new();
    let mut finals = Vec::new();
    for (i, (fate, mode)) in s.envs.iter().enumerate() {
        // env0 in both accounts, then env1 in both, …: same names, two owners.
        let name = format!("env{}", i / 2);
        let account = ACCOUNTS[i % 2];
        let fate = FATES[*fate];
        let live = environment(account, &name, "AVAILABLE", MODES[*mode], &subnets);
        for status in ["PENDING", "AVAILABLE", fate] {
            emitted.push((live.clone(), status));
        }
        match fate {
            "DELETED" => {}
            f => mwaa.put(environment(account, &name, f, MODES[*mode], &subnets)),
        }
        finals.push((account, name, fate, MODES[*mode]));
    }
    for (n, &k) in s.delivery.iter().enumerate() {
        clock.advance(s.hours[n % s.hours.len()] * 3_600);
        let (env, status) = &emitted[k];
        // Emitted a minute apart, in order; delivered whenever.
        let at = chrono::DateTime::from_timestamp(START as i64 + 60 * k as i64, 0).unwrap();
        let ev = event_at(env, status, s.bare[n % s.bare.len()], at);
        // A bare event with the MWAA API off is refused, naming the field: allowed.
        if let Err(e) = handle(&ec2, &mwaa, Envelope::from_json(&ev), &settings).await {
            prop_assert!(
                settings.lookup == Lookup::Never && e.is_input(),
                "event {ev} failed: {e}"
            );
        }
    }
    if s.clobber {
        ec2.set_policy(&sqs, LOCKED);
    }
    let first = reconcile(&ec2, &mwaa, &settings).await.unwrap();
    prop_assert!(first.errors.is_empty(), "{:?}", first.errors);

    let live = ec2.live();
    let policy = live
        .iter()
        .find(|e| e.id == sqs)
        .unwrap()
        .policy
        .clone()
        .unwrap();
    for (account, name, fate, mode) in &finals {
        let mut roles: Vec<&str> = live
            .iter()
            .filter(|e| e.tag("vpcwarden:environment") == Some(name.as_str()))
            .filter(|e| e.tag("vpcwarden:account") == Some(*account))
            .filter_map(|e| e.tag("vpcwarden:role"))
            .collect();
        roles.sort();
        let running = !matches!(*fate, "CREATE_FAILED" | "DELETED");
        let expected: &[&str] = match (running, *mode) {
            (false, _) => &[],
            (true, "PUBLIC_ONLY") => &["database"],
            (true, _) => &["database", "webserver"],
        };
        prop_assert_eq!(
            &roles,
            expected,
            "{}/{} ({}, {})",
            account,
            name,
            fate,
            mode
        );
        prop_assert_eq!(
            allowed(&policy, &queue(account, name), account),
            running,
            "{}/{} ({}): {}",
            account,
            name,
            fate,
            policy
        );
        if !running {
            prop_assert!(
                !policy.contains(&queue(account, name)),
                "{}/{} left in {}",
                account,
                name,
                policy
            );
        } else {
            // Granted to its own account only.
            let other = ACCOUNTS.iter().find(|a| *a != account).unwrap();
            prop_assert!(
                !allowed(&policy, &queue(account, name), other),
                "{}/{} open to {}: {}",
                account,
                name,
                other,
                policy
            );
        }
    }
    let writes = ec2.writes();
    let second = reconcile(&ec2, &mwaa, &settings).await.unwrap();
    prop_assert!(second.drifts.is_empty(), "{:#?}", second.drifts);
    prop_assert_eq!(ec2.writes(), writes, "the second run wrote");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_history_of_events_then_one_reconcile_matches_mwaa(s in story()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(play(&s))?;
    }
}
