//! The sample reports in `docs/examples/`: every report in every format,
//! rendered by the product's own code from fixed inputs, so anyone can see
//! what a deployment writes before deploying. `make samples` (and `make demo`)
//! write them; `tests/samples.rs` renders them again and fails when the
//! committed files differ.
//!
//! Inputs, all fixed:
//! - idle Elastic IPs: nine addresses in two accounts and two regions, written
//!   by hand below as stories (attachments, a stop, an allocation, tags);
//!   from each story come the daily snapshots eip-snapshot would have written
//!   and the lifecycle events the extraction emits for those calls. The
//!   analysis, the series and the report are the product's code.
//! - public IPv4: the hand-written DescribeNetworkInterfaces fixtures of
//!   `shared/ipv4/tests/fixtures/` (their `_comment` says how they were made)
//!   and the idle world's Elastic IPs, classified and costed by the product.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use vpcwarden_eip::{
    analyse, idle_history, summary, totals, AllocationId, AssociationId, Coverage, CoverageReport,
    EventKind, LifecycleEvent, Settings, SnapshotAddress, Target,
};
use vpcwarden_ipv4::{classify, parse_interfaces, report, Instance, PublicAddress, Subnet};
use vpcwarden_report::{render, Format, IdleEipReport, IdleSettings, Ipv4Report, Report};

/// The samples' "now".
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
}

const WINDOW_DAYS: i64 = 90;
const THRESHOLD_DAYS: i64 = 7;

/// One address's life, in days before now (negative: before the window).
struct Story {
    n: u32,
    ip: &'static str,
    account: &'static str,
    region: &'static str,
    tags: &'static [(&'static str, &'static str)],
    /// Allocated this many days ago (None: before the snapshots began).
    allocated: Option<i64>,
    /// Attached to this holder from (None: before the window) until (None: now).
    attached: Option<(Holder, Option<i64>, Option<i64>)>,
    /// Its instance stopped this many days ago.
    stopped: Option<i64>,
}

#[derive(Clone, Copy)]
enum Holder {
    Instance(&'static str),
    Nat(&'static str),
}

const P: &str = "111122223333";
const D: &str = "444455556666";

const STORIES: [Story; 9] = [
    Story {
        n: 1,
        ip: "54.80.10.1",
        account: P,
        region: "us-east-1",
        tags: &[("Name", "web-1"), ("owner", "team-web")],
        allocated: None,
        attached: Some((Holder::Instance("i-0a00000000000001"), None, None)),
        stopped: None,
    },
    Story {
        n: 2,
        ip: "54.80.10.2",
        account: P,
        region: "us-east-1",
        tags: &[("Name", "old-bastion"), ("owner", "team-platform")],
        allocated: None,
        attached: Some((Holder::Instance("i-0a00000000000002"), None, Some(40))),
        stopped: None,
    },
    Story {
        n: 3,
        ip: "54.80.10.3",
        account: P,
        region: "us-east-1",
        tags: &[("Name", "egress-a"), ("owner", "team-platform")],
        allocated: None,
        attached: Some((Holder::Nat("nat-0a00000000000003"), None, None)),
        stopped: None,
    },
    Story {
        n: 4,
        ip: "3.250.1.1",
        account: P,
        region: "eu-west-1",
        tags: &[("Name", "migration-test"), ("owner", "team-data")],
        allocated: Some(3),
        attached: None,
        stopped: None,
    },
    Story {
        n: 5,
        ip: "3.250.1.2",
        account: P,
        region: "eu-west-1",
        tags: &[("Name", "batch-runner"), ("owner", "team-data")],
        allocated: None,
        attached: Some((Holder::Instance("i-0b00000000000005"), None, None)),
        stopped: Some(20),
    },
    Story {
        n: 6,
        ip: "18.200.5.1",
        account: D,
        region: "eu-west-1",
        tags: &[
            ("Name", "dr-standby"),
            ("owner", "team-platform"),
            ("vpcwarden:keep", "disaster recovery"),
        ],
        allocated: None,
        attached: None,
        stopped: None,
    },
    Story {
        n: 7,
        ip: "18.200.5.2",
        account: D,
        region: "eu-west-1",
        tags: &[("Name", "ci-runner")],
        allocated: None,
        attached: Some((Holder::Instance("i-0c00000000000007"), None, Some(15))),
        stopped: None,
    },
    Story {
        n: 8,
        ip: "52.1.2.3",
        account: D,
        region: "us-east-1",
        tags: &[("Name", "api-canary"), ("owner", "team-web")],
        allocated: None,
        attached: Some((Holder::Instance("i-0c00000000000008"), Some(10), None)),
        stopped: None,
    },
    Story {
        n: 9,
        ip: "52.1.2.4",
        account: D,
        region: "us-east-1",
        tags: &[("Name", "spare"), ("owner", "team-data")],
        allocated: Some(60),
        attached: None,
        stopped: None,
    },
];

fn alloc(n: u32) -> String {
    format!("eipalloc-0{n:016x}")
}

fn assoc(n: u32) -> String {
    format!("eipassoc-0{n:016x}")
}

fn at(days_ago: i64, hour: u32) -> DateTime<Utc> {
    now() - Duration::days(days_ago) + Duration::hours(i64::from(hour)) - Duration::hours(6)
}

impl Story {
    /// The line eip-snapshot would write at `t` (None: not allocated yet).
    fn line(&self, t: DateTime<Utc>) -> Option<SnapshotAddress> {
        if self.allocated.is_some_and(|d| t < at(d, 9)) {
            return None;
        }
        let on = self.attached.and_then(|(h, from, until)| {
            let began = from.is_none_or(|d| t >= at(d, 14));
            let ended = until.is_some_and(|d| t >= at(d, 10));
            (began && !ended).then_some(h)
        });
        let stopped = self.stopped.is_some_and(|d| t >= at(d, 18));
        let (instance, eni, owner, held_by) = match on {
            Some(Holder::Instance(i)) => (
                Some(i.to_string()),
                Some(format!("eni-0{:016x}", self.n)),
                Some(self.account.to_string()),
                None,
            ),
            Some(Holder::Nat(g)) => (
                None,
                Some(format!("eni-0{:016x}", self.n)),
                Some("amazon".to_string()),
                Some(g.to_string()),
            ),
            None => (None, None, None, None),
        };
        Some(
            serde_json::from_value(json!({
                "allocation_id": alloc(self.n),
                "public_ip": self.ip,
                "region": self.region,
                "account": self.account,
                "association_id": on.map(|_| assoc(self.n)),
                "instance_id": instance,
                "network_interface_id": eni,
                "network_interface_owner_id": owner,
                "public_ipv4_pool": "amazon",
                "tags": self.tags,
                "private_ip": on.map(|_| format!("10.0.{}.10", self.n)),
                "domain": "vpc",
                "network_border_group": self.region,
                "snapshot_time": t,
                "held_by": held_by,
                "instance_state": instance.as_ref().map(|_| if stopped { "stopped" } else { "running" }),
            }))
            .expect("a snapshot line"),
        )
    }

    /// The lifecycle events the extraction emits for this story's calls.
    fn events(&self) -> Vec<LifecycleEvent> {
        let ev = |t: DateTime<Utc>, kind: EventKind| LifecycleEvent {
            time: t,
            account: self.account.into(),
            region: self.region.into(),
            event_id: format!("sample-{}-{}", self.n, t.timestamp()),
            kind,
        };
        let allocation = AllocationId::parse(&alloc(self.n)).expect("an allocation id");
        let association = AssociationId::parse(&assoc(self.n)).expect("an association id");
        let mut out = Vec::new();
        if let Some(d) = self.allocated {
            out.push(ev(
                at(d, 9),
                EventKind::Allocate {
                    allocation: allocation.clone(),
                    public_ip: Some(self.ip.into()),
                },
            ));
        }
        if let Some((holder, from, until)) = self.attached {
            if let (Some(d), Holder::Instance(i)) = (from, holder) {
                out.push(ev(
                    at(d, 14),
                    EventKind::Associate {
                        allocation: allocation.clone(),
                        association: Some(association.clone()),
                        target: Target::Instance(i.into()),
                    },
                ));
            }
            if let Some(d) = until {
                out.push(ev(at(d, 10), EventKind::Disassociate { association }));
            }
            if let (Some(d), Holder::Instance(i)) = (self.stopped, holder) {
                out.push(ev(
                    at(d, 18),
                    EventKind::InstancesStop {
                        instances: vec![i.into()],
                    },
                ));
            }
        }
        out
    }
}

/// The idle-EIP report of the sample world.
pub fn idle_eips() -> IdleEipReport {
    let now = now();
    let window_start = now - Duration::days(WINDOW_DAYS);
    // A snapshot every day at 06:00 since the day before the window, as eip-snapshot writes.
    let days: Vec<DateTime<Utc>> = (0..=WINDOW_DAYS + 1)
        .rev()
        .map(|d| now - Duration::days(d))
        .collect();
    let snapshot = |t: DateTime<Utc>| -> Vec<SnapshotAddress> {
        STORIES.iter().filter_map(|s| s.line(t)).collect()
    };
    let latest = snapshot(now);
    let files: Vec<(DateTime<Utc>, Vec<SnapshotAddress>)> = days[..days.len() - 1]
        .iter()
        .map(|t| (*t, snapshot(*t)))
        .collect();
    let earlier: Vec<SnapshotAddress> = files.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
    let mut events: Vec<LifecycleEvent> = STORIES.iter().flat_map(Story::events).collect();
    vpcwarden_eip::sort_events(&mut events);
    // The trail holds every day of the window for each account and region.
    let mut coverage = Coverage::default();
    for s in &STORIES {
        coverage.add_days(
            s.account,
            s.region,
            (window_start - Duration::days(1)).date_naive(),
            now.date_naive(),
        );
    }
    let coverage = CoverageReport::for_window(&coverage, &latest, window_start, now);
    let settings = Settings {
        window_start,
        idle_threshold: Duration::days(THRESHOLD_DAYS),
        ..Settings::new(now)
    };
    let rows = analyse(&latest, &earlier, &events, &coverage, &settings);
    let engine = vpcwarden_idle_report::EngineOutput {
        engine: "local",
        lifecycle_events: events.len(),
        ..Default::default()
    };
    IdleEipReport {
        schema: vpcwarden_report::IDLE_SCHEMA_ID,
        generated_at: now,
        window_start,
        settings: IdleSettings {
            window_days: WINDOW_DAYS,
            threshold_days: THRESHOLD_DAYS,
            exclude_tag: settings.exclude_tag.clone(),
            owner_tag: None,
        },
        summary: summary(&rows),
        totals: totals(&rows),
        coverage,
        engine: serde_json::to_value(&engine).expect("engine figures serialize"),
        released: Vec::new(),
        release_skipped: None,
        release_notice: None,
        snapshot_not_read: Vec::new(),
        history: {
            let dated: Vec<(DateTime<Utc>, &[SnapshotAddress])> =
                std::iter::once((now, &latest[..]))
                    .chain(files.iter().map(|(t, a)| (*t, &a[..])))
                    .collect();
            idle_history(&dated, window_start.date_naive())
        },
        addresses: rows,
    }
}

fn stamped(mut list: Vec<PublicAddress>, t: DateTime<Utc>) -> Vec<PublicAddress> {
    for a in &mut list {
        a.snapshot_time = Some(t);
    }
    list
}

/// Every public IPv4 address of the sample world now, and 30 days ago.
fn public_addresses() -> (Vec<PublicAddress>, Vec<PublicAddress>) {
    let ours = parse_interfaces(include_str!(
        "../../shared/ipv4/tests/fixtures/describe-network-interfaces.json"
    ))
    .expect("fixture parses");
    let services = parse_interfaces(include_str!(
        "../../shared/ipv4/tests/fixtures/service-holders.json"
    ))
    .expect("fixture parses");
    let eips: Vec<SnapshotAddress> = STORIES.iter().filter_map(|s| s.line(now())).collect();
    let scope = |account: &str, region: &str| -> Vec<SnapshotAddress> {
        eips.iter()
            .filter(|e| e.account == account && e.region == region)
            .cloned()
            .collect()
    };
    let subnets = [Subnet {
        subnet_id: "subnet-0aaa0000000000001".into(),
        map_public_ip_on_launch: true,
    }];
    let instances = BTreeMap::from([(
        "i-0bbb0000000000009".to_string(),
        Instance {
            state: Some("running".into()),
            tags: vec![("eks:cluster-name".into(), "payments".into())],
        },
    )]);
    let mut now_list = Vec::new();
    now_list.extend(classify(
        P,
        "us-east-1",
        &ours,
        &scope(P, "us-east-1"),
        &subnets,
        &BTreeMap::new(),
    ));
    now_list.extend(classify(
        D,
        "eu-west-1",
        &services,
        &scope(D, "eu-west-1"),
        &[],
        &instances,
    ));
    // The other scopes have Elastic IPs only (no interface fixture).
    for (account, region) in [(P, "eu-west-1"), (D, "us-east-1")] {
        now_list.extend(classify(
            account,
            region,
            &[],
            &scope(account, region),
            &[],
            &BTreeMap::new(),
        ));
    }
    // A month ago: no ECS tasks yet, and a load balancer since deleted.
    let mut then: Vec<PublicAddress> = now_list
        .iter()
        .filter(|a| {
            !a.description
                .as_deref()
                .unwrap_or_default()
                .starts_with("arn:aws:ecs:")
        })
        .cloned()
        .collect();
    if let Some(lb) = now_list
        .iter()
        .find(|a| a.holder.kind == vpcwarden_ipv4::HolderKind::LoadBalancer)
    {
        let mut gone = lb.clone();
        gone.public_ip = "3.80.99.1".into();
        then.push(gone);
    }
    (
        stamped(now_list, now()),
        stamped(then, now() - Duration::days(30)),
    )
}

/// The public-IPv4 report of the sample world.
pub fn public_ipv4() -> Ipv4Report {
    let (latest, then) = public_addresses();
    report(&latest, Some(&then), "vpcwarden:keep")
}

/// Every sample: (file name, contents).
pub fn all() -> Vec<(String, String)> {
    let idle = idle_eips();
    let ipv4 = public_ipv4();
    let mut out = Vec::new();
    for report in [Report::IdleEips(&idle), Report::PublicIpv4(&ipv4)] {
        for format in Format::ALL {
            out.push((
                format!("{}.{}", report.name(), format.extension()),
                render(report, format),
            ));
        }
    }
    out
}
