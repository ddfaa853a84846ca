//! The release step over in-memory accounts and bucket (tests/fakes.rs):
//! mark → grace → checks → caps → evidence → release, each way an address
//! is kept, and restore. The same flow runs on moto in tests/tests/release_moto.rs.

mod fakes;

use chrono::{DateTime, Duration, TimeZone, Utc};
use fakes::{in_account, Cloud};
use vpcwarden_eip::{AddressReport, AllocationId, SinceBasis, Status};
use vpcwarden_eip_release::{
    notice, release, restore, Action, DnsRecord, Evidence, ReleaseMode, ReleaseOutcome,
    ReleaseSettings, Restored, SettingsError, SgRule, MARKED_AT, RELEASE_AFTER,
};

const A: &str = "111111111111";
const B: &str = "222222222222";
const R: &str = "eu-west-1";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 6, 0, 0).unwrap()
}

fn alloc(n: u32) -> String {
    format!("eipalloc-{n:017x}")
}

fn ip(n: u32) -> String {
    format!("203.0.113.{n}")
}

/// A flagged idle row as the analysis writes it: idle since `idle_since`,
/// last attached at `attached`.
fn row(
    account: &str,
    n: u32,
    idle_since: DateTime<Utc>,
    attached: Option<DateTime<Utc>>,
) -> AddressReport {
    AddressReport {
        allocation_id: AllocationId::parse(&alloc(n)).unwrap(),
        public_ip: ip(n),
        region: R.into(),
        account: account.into(),
        status: Status::Idle,
        attached_to: None,
        idle_since: Some(idle_since),
        idle_since_basis: SinceBasis::Detachment,
        idle_days: Some(30.0),
        attachment_count: attached.is_some() as usize,
        last_attached_at: attached,
        monthly_cost_usd: 3.6,
        waste_in_window_usd: Some(3.6),
        excluded: false,
        flagged: true,
        note: None,
        tags: Default::default(),
    }
}

fn settings() -> ReleaseSettings {
    ReleaseSettings {
        mode: ReleaseMode::Release,
        max_percent: 100,
        owner_tag: Some("team".into()),
        ..ReleaseSettings::default()
    }
}

fn action_of(o: &ReleaseOutcome, n: u32) -> (Action, String) {
    let r = o
        .results
        .iter()
        .find(|r| r.allocation_id == alloc(n))
        .unwrap_or_else(|| panic!("no result for {}: {o:#?}", alloc(n)));
    (r.action, r.reason.clone().unwrap_or_default())
}

fn tag(cloud: &Cloud, account: &str, n: u32, k: &str) -> Option<String> {
    cloud
        .addr(account, R, &alloc(n))?
        .tags
        .into_iter()
        .find(|(x, _)| x == k)
        .map(|(_, v)| v)
}

/// Marked earlier, due now: the tags a previous run wrote.
fn marked_due(cloud: &Cloud, account: &str, n: u32, now: DateTime<Utc>) {
    cloud.edit(account, R, &alloc(n), |a| {
        a.tags.push((
            RELEASE_AFTER.into(),
            (now - Duration::days(1))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ));
        a.tags.push((
            MARKED_AT.into(),
            (now - Duration::days(8))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ));
    });
}

#[tokio::test]
async fn marked_and_announced_then_released_after_the_grace_period_except_what_was_kept() {
    let cloud = Cloud::default();
    for n in 1..=6 {
        cloud.add(A, R, &alloc(n), &ip(n));
    }
    cloud.edit(A, R, &alloc(1), |a| {
        a.tags.push(("team".into(), "payments".into()))
    });
    cloud.edit(A, R, &alloc(2), |a| {
        a.tags.push(("team".into(), "data".into()))
    });
    let s = settings();
    let idle = t0() - Duration::days(30);
    let rows: Vec<AddressReport> = (1..=6).map(|n| row(A, n, idle, None)).collect();

    // Run 1: everything is marked and announced; nothing released.
    let run1 = release(&cloud, &cloud, &rows, &s, t0()).await;
    for n in 1..=6 {
        assert_eq!(action_of(&run1, n).0, Action::Marked);
        assert_eq!(
            tag(&cloud, A, n, RELEASE_AFTER).as_deref(),
            Some("2026-11-09T06:00:00Z")
        );
    }
    assert!(!cloud.log().iter().any(|l| l.starts_with("release")));
    let text = notice(&run1, &s).expect("a notice");
    assert!(
        text.contains("Marked for release after a 7-day grace period (6):"),
        "{text}"
    );
    assert!(text.contains(" team=payments:\n  203.0.113.1 (eipalloc-00000000000000001, account 111111111111, eu-west-1, $3.60/month, release after 2026-11-09 06:00 UTC)"), "{text}");
    assert!(text.contains(" team=data:\n  203.0.113.2"), "{text}");
    assert!(text.contains(" no team tag:\n"), "{text}");
    assert!(
        text.contains("tag it vpcwarden:keep, or remove its vpcwarden:release-after tag"),
        "{text}"
    );

    // Between runs: 2's owner removes the mark; 3 gets the keep tag (the next
    // snapshot shows it excluded); 4 is attached and detached again.
    cloud.edit(A, R, &alloc(2), |a| {
        a.tags.retain(|(k, _)| k != RELEASE_AFTER)
    });
    cloud.edit(A, R, &alloc(3), |a| {
        a.tags.push(("vpcwarden:keep".into(), "".into()))
    });
    let mut later = rows.clone();
    later[2].excluded = true;
    later[2].flagged = false;
    later[3].last_attached_at = Some(t0() + Duration::days(1));
    later[3].idle_since = Some(t0() + Duration::days(2));

    // Run 2, inside the grace period: nothing released; each way of keeping
    // an address cancels its mark at once.
    let run2 = release(&cloud, &cloud, &later, &s, t0() + Duration::days(3)).await;
    assert_eq!(action_of(&run2, 1).0, Action::Pending);
    assert_eq!(
        action_of(&run2, 2).0,
        Action::Cancelled,
        "the owner removed its mark"
    );
    let (a3, why3) = action_of(&run2, 3);
    assert_eq!(a3, Action::Cancelled);
    assert!(why3.contains("tagged vpcwarden:keep"), "{why3}");
    let (a4, why4) = action_of(&run2, 4);
    assert_eq!(a4, Action::Cancelled);
    assert!(why4.contains("attached since it was marked"), "{why4}");
    assert!(!cloud.log().iter().any(|l| l.starts_with("release")));

    // Run 3, after it: released, but not 2 (kept), 3 (keep tag), 4 (attached
    // since marked: a new idle spell, so a new mark and a new grace period).
    let run3 = release(&cloud, &cloud, &later, &s, t0() + Duration::days(8)).await;
    for n in [1, 5, 6] {
        assert_eq!(action_of(&run3, n).0, Action::Released, "{run3:#?}");
        assert!(cloud.addr(A, R, &alloc(n)).is_none());
    }
    let (a2, why2) = action_of(&run3, 2);
    assert_eq!(a2, Action::Skipped);
    assert!(why2.contains("kept"), "{why2}");
    assert!(
        !run3.results.iter().any(|r| r.allocation_id == alloc(3)),
        "kept: no candidate"
    );
    let r4 = run3
        .results
        .iter()
        .find(|r| r.allocation_id == alloc(4))
        .unwrap();
    assert_eq!(
        (r4.action, r4.release_after),
        (Action::Marked, Some(t0() + Duration::days(15)))
    );
    for n in [2, 3] {
        assert_eq!(tag(&cloud, A, n, RELEASE_AFTER), None, "its mark is gone");
    }
    for n in [2, 3, 4] {
        assert!(cloud.addr(A, R, &alloc(n)).is_some(), "{} kept", alloc(n));
    }

    // Evidence first, then the act, then the outcome — for every release.
    let log = cloud.log();
    for n in [1, 5, 6] {
        let at = |l: String| {
            log.iter()
                .position(|x| *x == l)
                .unwrap_or_else(|| panic!("{l}: {log:?}"))
        };
        let a = alloc(n);
        assert!(at(format!("evidence {a} outcome=false")) < at(format!("release {a}")));
        assert!(at(format!("release {a}")) < at(format!("evidence {a} outcome=true")));
    }
    let ev: Vec<Evidence> = cloud.with(|s| s.evidence.values().cloned().collect());
    let e1 = ev.iter().find(|e| e.allocation_id == alloc(1)).unwrap();
    assert_eq!(
        e1.tags.iter().find(|(k, _)| k == "team").unwrap().1,
        "payments"
    );
    assert_eq!(e1.checks.len(), 3);
    assert!(e1.checks.iter().all(|c| c.passed));
    assert_eq!(e1.outcome.as_ref().unwrap().action, "released");
    assert_eq!(e1.idle_since, Some(idle));
}

#[tokio::test]
async fn each_check_skips_its_address_with_the_reason_and_the_others_go_on() {
    let cloud = Cloud::default();
    let now = t0();
    for n in 1..=4 {
        cloud.add(A, R, &alloc(n), &ip(n));
        marked_due(&cloud, A, n, now);
    }
    cloud.edit(A, R, &alloc(1), |a| {
        a.ptr = Some("mail.example.com.".into())
    });
    cloud.with(|s| {
        s.dns.insert(
            A.into(),
            vec![DnsRecord {
                zone: "example.com.".into(),
                private: true,
                name: "api.example.com.".into(),
                kind: "A".into(),
                values: vec![ip(2)],
            }],
        );
        s.rules.insert(
            (A.into(), R.into()),
            vec![SgRule {
                group_id: "sg-0123".into(),
                rule_id: "sgr-0456".into(),
                cidr: format!("{}/32", ip(3)),
                egress: false,
            }],
        );
    });
    let rows: Vec<AddressReport> = (1..=4)
        .map(|n| row(A, n, now - Duration::days(30), None))
        .collect();
    let out = release(&cloud, &cloud, &rows, &settings(), now).await;
    let (a1, w1) = action_of(&out, 1);
    assert_eq!(a1, Action::Skipped);
    assert!(
        w1.contains("reverse DNS (PTR) mail.example.com. is set"),
        "{w1}"
    );
    let (a2, w2) = action_of(&out, 2);
    assert_eq!(a2, Action::Skipped);
    assert!(
        w2.contains("Route 53 still points at it: api.example.com. A in private zone example.com."),
        "{w2}"
    );
    let (a3, w3) = action_of(&out, 3);
    assert_eq!(a3, Action::Skipped);
    assert!(w3.contains("sg-0123 sgr-0456 (inbound)"), "{w3}");
    assert_eq!(action_of(&out, 4).0, Action::Released);
    assert_eq!(
        cloud.calls("dns_records"),
        1,
        "zones are read once per account per run"
    );
    assert_eq!(
        cloud.calls("security_group_rules"),
        1,
        "rules once per account and region"
    );
    // Skipped ones keep their mark: the next run checks again.
    assert!(tag(&cloud, A, 1, RELEASE_AFTER).is_some());
}

#[tokio::test]
async fn over_either_cap_nothing_is_released_and_the_reason_is_said() {
    let cloud = Cloud::default();
    let now = t0();
    for n in 1..=11 {
        cloud.add(A, R, &alloc(n), &ip(n));
        marked_due(&cloud, A, n, now);
    }
    let rows: Vec<AddressReport> = (1..=11)
        .map(|n| row(A, n, now - Duration::days(30), None))
        .collect();
    // Default caps: 10 per run (and 25%).
    let s = ReleaseSettings {
        mode: ReleaseMode::Release,
        ..ReleaseSettings::default()
    };
    let out = release(&cloud, &cloud, &rows, &s, now).await;
    assert_eq!(out.due, 11);
    assert!(
        out.results.iter().all(|r| r.action == Action::Held),
        "{out:#?}"
    );
    let why = out.held.clone().expect("a reason");
    assert!(why.contains("11 addresses are due for release"), "{why}");
    assert!(!cloud
        .log()
        .iter()
        .any(|l| l.starts_with("release") || l.starts_with("evidence")));
    assert!(notice(&out, &s)
        .unwrap()
        .contains("Nothing released: 11 addresses are due"));

    // The share: 3 due of 8 idle at 25% (2 allowed, rounded up) → none.
    let few: Vec<AddressReport> = rows[..8].to_vec();
    let mut some = few.clone();
    for r in some.iter_mut().skip(3) {
        r.flagged = false;
    }
    let out = release(&cloud, &cloud, &some, &s, now).await;
    assert_eq!((out.due, out.allowed), (3, 2));
    assert!(out.held.is_some());
    assert!(!cloud.log().iter().any(|l| l.starts_with("release")));
    // Two of eight: within both caps.
    let mut two = few;
    for r in two.iter_mut().skip(2) {
        r.flagged = false;
    }
    let out = release(&cloud, &cloud, &two, &s, now).await;
    assert_eq!(out.with(Action::Released).count(), 2, "{out:#?}");
}

#[tokio::test]
async fn another_account_without_the_role_is_not_releasable_never_already_released() {
    let cloud = Cloud::default();
    let now = t0();
    cloud.add(B, R, &alloc(1), &ip(1));
    cloud.add(A, R, &alloc(2), &ip(2));
    marked_due(&cloud, A, 2, now);
    cloud.with(|s| s.no_role.insert(B.into()));
    let mut rows = vec![
        row(B, 1, now - Duration::days(30), None),
        row(A, 2, now - Duration::days(30), None),
    ];
    // Gone from its own account since the snapshot: that one is "already released".
    rows.push(row(A, 3, now - Duration::days(30), None));
    let out = release(&cloud, &cloud, &rows, &settings(), now).await;
    let (a1, w1) = action_of(&out, 1);
    assert_eq!(a1, Action::NotReleasable);
    assert!(
        w1.contains("no release role in account 222222222222"),
        "{w1}"
    );
    assert!(!w1.contains("already released"));
    assert_eq!(action_of(&out, 2).0, Action::Released);
    let (a3, w3) = action_of(&out, 3);
    assert_eq!(a3, Action::Skipped);
    assert!(
        w3.contains("already released (account 111111111111 answers not found)"),
        "{w3}"
    );
    assert!(notice(&out, &settings())
        .unwrap()
        .contains("Not releasable (1):"));
}

#[tokio::test]
async fn no_evidence_no_release() {
    let cloud = Cloud::default();
    let now = t0();
    cloud.add(A, R, &alloc(1), &ip(1));
    marked_due(&cloud, A, 1, now);
    cloud.with(|s| s.fail_evidence = true);
    let rows = vec![row(A, 1, now - Duration::days(30), None)];
    let out = release(&cloud, &cloud, &rows, &settings(), now).await;
    let (a, w) = action_of(&out, 1);
    assert_eq!(a, Action::Failed);
    assert!(w.contains("evidence record could not be written"), "{w}");
    assert!(cloud.addr(A, R, &alloc(1)).is_some(), "not released");
}

#[tokio::test]
async fn unreadable_marks_stop_the_step_before_anything_is_marked() {
    let cloud = Cloud::default();
    cloud.add(A, R, &alloc(1), &ip(1));
    cloud.with(|s| s.fail_marks_read = true);
    let rows = vec![row(A, 1, t0() - Duration::days(30), None)];
    let out = release(&cloud, &cloud, &rows, &settings(), t0()).await;
    assert!(out.results.is_empty());
    assert!(out
        .held
        .unwrap()
        .contains("release records could not be read"));
    assert!(cloud.log().is_empty());
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_says_what_would_happen() {
    let cloud = Cloud::default();
    let now = t0();
    cloud.add(A, R, &alloc(1), &ip(1));
    cloud.add(A, R, &alloc(2), &ip(2));
    marked_due(&cloud, A, 2, now);
    let rows = vec![
        row(A, 1, now - Duration::days(30), None),
        row(A, 2, now - Duration::days(30), None),
    ];
    let s = ReleaseSettings {
        mode: ReleaseMode::DryRun,
        ..settings()
    };
    let out = release(&cloud, &cloud, &rows, &s, now).await;
    assert_eq!(action_of(&out, 1).0, Action::WouldMark);
    assert_eq!(action_of(&out, 2).0, Action::WouldRelease);
    assert_eq!(cloud.log(), vec![format!("dry-run release {}", alloc(2))]);
    assert_eq!(tag(&cloud, A, 1, RELEASE_AFTER), None);
    assert!(cloud.with(|s| s.marks.is_empty() && s.evidence.is_empty()));
}

#[tokio::test]
async fn restore_gives_the_address_back_with_its_tags_or_says_it_is_gone() {
    let cloud = Cloud::default();
    let now = t0();
    cloud.add(A, R, &alloc(1), &ip(1));
    cloud.edit(A, R, &alloc(1), |a| {
        a.tags.push(("Name".into(), "vpn".into()))
    });
    marked_due(&cloud, A, 1, now);
    let rows = vec![row(A, 1, now - Duration::days(30), None)];
    let out = release(&cloud, &cloud, &rows, &settings(), now).await;
    assert_eq!(action_of(&out, 1).0, Action::Released);
    let key = out.results[0].evidence_key.clone().unwrap();
    let ev = cloud.with(|s| s.evidence[&key].clone());
    let port = in_account(&cloud, A);

    let back = restore(&port, &ev).await.unwrap();
    let Restored::GivenBack { allocation_id } = &back else {
        panic!("{back:?}")
    };
    let got = cloud.addr(A, R, allocation_id).unwrap();
    assert_eq!(got.ip, ip(1));
    assert_eq!(
        got.tags,
        vec![("Name".to_string(), "vpn".to_string())],
        "tags back, not the release marks"
    );
    assert!(back.to_string().contains("AWS gave the address back"));
    // Again: already held, nothing allocated twice.
    assert!(matches!(
        restore(&port, &ev).await.unwrap(),
        Restored::AlreadyHeld { .. }
    ));

    // Taken by someone else meanwhile.
    let mut gone = ev.clone();
    gone.public_ip = ip(9);
    cloud.with(|s| s.taken.insert(ip(9)));
    let said = restore(&port, &gone).await.unwrap();
    assert!(matches!(said, Restored::NotGivenBack { .. }));
    assert!(
        said.to_string()
            .contains("AWS did not give the address back"),
        "{said}"
    );
}

#[test]
fn a_zero_day_threshold_with_release_on_is_refused() {
    let s = ReleaseSettings {
        mode: ReleaseMode::Release,
        idle_threshold: Duration::zero(),
        ..ReleaseSettings::default()
    };
    assert_eq!(
        s.validate(),
        Err(SettingsError::ThresholdTooShort { days: 0 })
    );
    let off = ReleaseSettings {
        idle_threshold: Duration::zero(),
        ..ReleaseSettings::default()
    };
    assert!(off.validate().is_ok(), "reporting alone may use 0");
    let d = ReleaseSettings::default();
    assert_eq!(
        (d.allowed(1), d.allowed(4), d.allowed(5), d.allowed(100)),
        (1, 1, 2, 10)
    );
}
