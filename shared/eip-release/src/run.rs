//! One run of the release step: mark, wait, check, cap, evidence, release.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_eip::{AddressReport, Status};

use crate::checks::{dns_naming, rules_naming, Check, CheckResult};
use crate::evidence::{evidence_key, Evidence, OutcomeRecord, EVIDENCE_SCHEMA};
use crate::marks::{tag_mark, tag_time, MarkRecord, MarkState, MARKED_AT, RELEASE_AFTER};
use crate::mode::ReleaseMode;
use crate::ports::{
    AccountOps, Accounts, DnsRecord, Live, OpenError, Records, ReleaseRefusal, SgRule,
};
use crate::settings::ReleaseSettings;

/// What happened to one candidate this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Marked now; released after `release_after` if every check still holds.
    Marked,
    /// Dry run: would be marked now.
    WouldMark,
    /// Marked earlier; its grace period is not over.
    Pending,
    /// Its mark was cancelled (owner removed it, keep tag, attached since).
    Cancelled,
    /// Due, but not released this run (see the reason).
    Skipped,
    /// Its account has no release role: vpcwarden cannot act there.
    NotReleasable,
    /// Due and checked, but the run's cap stopped every release.
    Held,
    /// Dry run: due, checked, and EC2 would allow the release.
    WouldRelease,
    /// Released.
    Released,
    /// A call failed.
    Failed,
}

impl Action {
    /// The JSON spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Marked => "marked",
            Action::WouldMark => "would_mark",
            Action::Pending => "pending",
            Action::Cancelled => "cancelled",
            Action::Skipped => "skipped",
            Action::NotReleasable => "not_releasable",
            Action::Held => "held",
            Action::WouldRelease => "would_release",
            Action::Released => "released",
            Action::Failed => "failed",
        }
    }
}

/// One candidate's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseResult {
    /// Allocation id.
    pub allocation_id: String,
    /// The address.
    pub public_ip: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// What happened.
    pub action: Action,
    /// Why (everything but `released`, `marked` and `pending`).
    pub reason: Option<String>,
    /// The mark's date, when marked.
    pub release_after: Option<DateTime<Utc>>,
    /// The owner tag's value (settings' `owner_tag`), when set.
    pub owner: Option<String>,
    /// Monthly saving.
    #[serde(serialize_with = "vpcwarden_eip::money::ser_cents")]
    pub monthly_cost_usd: f64,
    /// The evidence record, when one was written.
    pub evidence_key: Option<String>,
}

/// What the run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReleaseOutcome {
    /// One result per candidate.
    pub results: Vec<ReleaseResult>,
    /// Why no release happened although some were due (a cap).
    pub held: Option<String>,
    /// How many were due and checked (the number the caps count).
    pub due: usize,
    /// How many the caps allowed.
    pub allowed: usize,
}

impl ReleaseOutcome {
    /// Results with this action.
    pub fn with(&self, action: Action) -> impl Iterator<Item = &ReleaseResult> {
        self.results.iter().filter(move |r| r.action == action)
    }
}

/// Flagged, idle, not excluded, and not attached within the threshold.
pub fn candidates(
    rows: &[AddressReport],
    now: DateTime<Utc>,
    threshold: chrono::Duration,
) -> impl Iterator<Item = &AddressReport> {
    rows.iter().filter(move |r| {
        r.flagged
            && !r.excluded
            && r.status == Status::Idle
            && r.last_attached_at.is_none_or(|t| now - t >= threshold)
    })
}

/// A due address that passed every check.
struct Due<'a> {
    row: &'a AddressReport,
    ops: Arc<dyn AccountOps>,
    live: Live,
    marked_at: Option<DateTime<Utc>>,
    release_after: DateTime<Utc>,
    checks: Vec<CheckResult>,
    owner: Option<String>,
}

/// Per-run memo: accounts opened once, zones read once per account, rules once per region.
#[derive(Default)]
struct Memo {
    accounts: HashMap<String, Result<Arc<dyn AccountOps>, OpenError>>,
    dns: HashMap<String, Result<Vec<DnsRecord>, String>>,
    rules: HashMap<(String, String), Result<Vec<SgRule>, String>>,
}

/// Runs the release step over the report's rows at `now`. Never fails as a
/// whole: each candidate's failure is its own result. The caller has
/// already checked coverage and snapshot age.
pub async fn release(
    accounts: &dyn Accounts,
    records: &dyn Records,
    rows: &[AddressReport],
    s: &ReleaseSettings,
    now: DateTime<Utc>,
) -> ReleaseOutcome {
    let mut out = ReleaseOutcome::default();
    if s.mode == ReleaseMode::Off {
        return out;
    }
    let dry = s.mode == ReleaseMode::DryRun;
    // Our memory of marks: without it a removed mark would read as "never
    // marked" and be marked again, so nothing is marked or released blind.
    let marks: HashMap<String, MarkRecord> = match records.marks().await {
        Ok(m) => m.into_iter().map(|m| (m.key(), m)).collect(),
        Err(e) => {
            out.held = Some(format!(
                "the release records could not be read ({e}): nothing marked or released"
            ));
            return out;
        }
    };
    let mut memo = Memo::default();
    unmark_the_used(
        accounts, records, &mut memo, rows, &marks, s, now, dry, &mut out,
    )
    .await;
    let mut due: Vec<Due> = Vec::new();
    for r in candidates(rows, now, s.idle_threshold) {
        let id = r.allocation_id.as_str();
        let base = |action: Action, reason: Option<String>| ReleaseResult {
            allocation_id: id.to_string(),
            public_ip: r.public_ip.clone(),
            account: r.account.clone(),
            region: r.region.clone(),
            action,
            reason,
            release_after: None,
            owner: None,
            monthly_cost_usd: r.monthly_cost_usd,
            evidence_key: None,
        };
        // Idle on a stopped instance, but attached: releasing would fail (and
        // must not be forced); freeing it is the owner's call.
        if let Some(on) = &r.attached_to {
            out.results.push(base(
                Action::Skipped,
                Some(format!(
                    "on {on}: an attached address is never released; disassociate it if the instance will not start again"
                )),
            ));
            continue;
        }
        let ops = match open(accounts, &mut memo, &r.account).await {
            Ok(ops) => ops,
            Err(e @ OpenError::NoRole { .. }) => {
                out.results.push(base(
                    Action::NotReleasable,
                    Some(format!("not releasable: {e}")),
                ));
                continue;
            }
            Err(e) => {
                out.results.push(base(Action::Failed, Some(e.to_string())));
                continue;
            }
        };
        let live = match ops.live(&r.region, id).await {
            Err(e) => {
                out.results.push(base(Action::Failed, Some(e.to_string())));
                continue;
            }
            // Said only when the address's own account answers not found.
            Ok(None) => {
                out.results.push(base(
                    Action::Skipped,
                    Some(format!(
                        "already released (account {} answers not found)",
                        r.account
                    )),
                ));
                continue;
            }
            Ok(Some(l)) => l,
        };
        let owner = s
            .owner_tag
            .as_deref()
            .and_then(|k| live.tag(k))
            .map(str::to_string);
        let with_owner = |mut res: ReleaseResult| {
            res.owner = owner.clone();
            res
        };
        let tm = tag_mark(&live.tags);
        let key = crate::marks::mark_key(&r.account, &r.region, id);
        let rec = marks.get(&key);
        let cancel_why = if live.associated {
            Some("attached since the snapshot".to_string())
        } else if live.tag(&s.keep_tag).is_some() {
            Some(format!("tagged {} since the snapshot", s.keep_tag))
        } else {
            None
        };
        if let Some(why) = cancel_why {
            let res = if tm.is_some() {
                let reason = cancel(&*ops, records, r, &live.tags, rec, &why, dry, now).await;
                base(Action::Cancelled, Some(reason))
            } else {
                base(Action::Skipped, Some(why))
            };
            out.results.push(with_owner(res));
            continue;
        }
        let Some(tm) = tm else {
            // Not marked. Did its owner remove our mark during this idle spell?
            if let Some(rec) = rec.filter(|m| !attached_since(r, m.marked_at)) {
                match rec.state {
                    MarkState::Marked => {
                        let why = format!(
                            "its {RELEASE_AFTER} tag was removed: kept, and not marked again while it stays idle"
                        );
                        if !dry {
                            // Its leftover half (marked-at) goes too.
                            if let Err(e) =
                                ops.remove_tags(&r.region, id, vec![MARKED_AT.into()]).await
                            {
                                tracing::warn!(allocation_id = %id, error = %e, "marked-at tag not removed");
                            }
                            let mut c = rec.clone();
                            c.state = MarkState::Cancelled;
                            c.changed_at = now;
                            c.reason = Some(why.clone());
                            if let Err(e) = records.put_mark(&c).await {
                                tracing::warn!(key = %c.key(), error = %e, "mark record not updated");
                            }
                        }
                        out.results
                            .push(with_owner(base(Action::Cancelled, Some(why))));
                        continue;
                    }
                    MarkState::Cancelled => {
                        out.results.push(with_owner(base(
                            Action::Skipped,
                            Some(format!(
                                "kept: its mark was cancelled on {} ({}); marked again only after it is attached and idle again",
                                rec.changed_at.format("%Y-%m-%d"),
                                rec.reason.as_deref().unwrap_or("cancelled")
                            )),
                        )));
                        continue;
                    }
                    MarkState::Released => {}
                }
            }
            let release_after = now + s.grace;
            let mut res = with_owner(base(
                if dry {
                    Action::WouldMark
                } else {
                    Action::Marked
                },
                None,
            ));
            res.release_after = Some(release_after);
            if !dry {
                let tags = vec![
                    (RELEASE_AFTER.to_string(), tag_time(release_after)),
                    (MARKED_AT.to_string(), tag_time(now)),
                ];
                // The tag first: it is what owners see, and what later runs
                // trust; the record only remembers that we marked it.
                if let Err(e) = ops.set_tags(&r.region, id, tags).await {
                    res.action = Action::Failed;
                    res.reason = Some(format!("could not mark it: {e}"));
                    out.results.push(res);
                    continue;
                }
                let mark = MarkRecord {
                    account: r.account.clone(),
                    region: r.region.clone(),
                    allocation_id: id.to_string(),
                    public_ip: live.public_ip.clone(),
                    marked_at: now,
                    release_after,
                    state: MarkState::Marked,
                    changed_at: now,
                    reason: None,
                };
                if let Err(e) = records.put_mark(&mark).await {
                    res.reason = Some(format!(
                        "marked; its record could not be written ({e}): removing the tag will not be remembered as a keep"
                    ));
                }
            }
            out.results.push(res);
            continue;
        };
        let release_after = match tm.release_after {
            Ok(t) => t,
            Err(v) => {
                out.results.push(with_owner(base(
                    Action::Skipped,
                    Some(format!(
                        "its {RELEASE_AFTER} tag says {v:?}, not a time: set it to YYYY-MM-DDTHH:MM:SSZ, or remove it to keep the address"
                    )),
                )));
                continue;
            }
        };
        let marked_at = tm.marked_at.or_else(|| rec.map(|m| m.marked_at));
        if let Some(m) = marked_at.filter(|m| attached_since(r, *m)) {
            let why = format!("attached since it was marked on {}", m.format("%Y-%m-%d"));
            let reason = cancel(&*ops, records, r, &live.tags, rec, &why, dry, now).await;
            out.results
                .push(with_owner(base(Action::Cancelled, Some(reason))));
            continue;
        }
        if now < release_after {
            let mut res = with_owner(base(Action::Pending, None));
            res.release_after = Some(release_after);
            out.results.push(res);
            continue;
        }
        let checks = run_checks(&*ops, &mut memo, r, &live.public_ip).await;
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| !c.passed)
            .filter_map(|c| c.detail.clone())
            .collect();
        if !failed.is_empty() {
            let mut res = with_owner(base(Action::Skipped, Some(failed.join("; "))));
            res.release_after = Some(release_after);
            out.results.push(res);
            continue;
        }
        due.push(Due {
            row: r,
            ops,
            live,
            marked_at,
            release_after,
            checks,
            owner,
        });
    }

    let idle = rows.iter().filter(|r| r.status == Status::Idle).count();
    out.due = due.len();
    out.allowed = s.allowed(idle);
    if due.len() > out.allowed {
        let why = format!(
            "{} addresses are due for release, more than this run may release ({} = at most {} per run and {}% of the {} idle addresses, rounded up): none released. Check the report; keep what must stay (tag {}), or raise the caps, and the next run releases the rest",
            due.len(),
            out.allowed,
            s.max_per_run,
            s.max_percent,
            idle,
            s.keep_tag
        );
        for d in &due {
            out.results.push(held(d, &why));
        }
        out.held = Some(why);
        return out;
    }
    for d in due {
        out.results.push(act(records, d, dry, now).await);
    }
    out
}

fn held(d: &Due<'_>, why: &str) -> ReleaseResult {
    ReleaseResult {
        allocation_id: d.row.allocation_id.as_str().to_string(),
        public_ip: d.live.public_ip.clone(),
        account: d.row.account.clone(),
        region: d.row.region.clone(),
        action: Action::Held,
        reason: Some(why.to_string()),
        release_after: Some(d.release_after),
        owner: d.owner.clone(),
        monthly_cost_usd: d.row.monthly_cost_usd,
        evidence_key: None,
    }
}

/// Evidence first, then the act, then its outcome.
async fn act(records: &dyn Records, d: Due<'_>, dry: bool, now: DateTime<Utc>) -> ReleaseResult {
    let r = d.row;
    let id = r.allocation_id.as_str();
    let mut res = held(&d, "");
    res.reason = None;
    if dry {
        res.action = match d.ops.release(&r.region, id, true).await {
            Ok(()) => Action::WouldRelease,
            Err(ReleaseRefusal::PtrSet(m)) => {
                res.reason = Some(format!("reverse DNS (PTR) is set on it: {m}"));
                Action::Skipped
            }
            Err(e) => {
                res.reason = Some(e.to_string());
                Action::Failed
            }
        };
        return res;
    }
    let key = evidence_key(now, &r.account, &r.region, id);
    let mut evidence = Evidence {
        schema: EVIDENCE_SCHEMA.into(),
        run_at: now,
        account: r.account.clone(),
        region: r.region.clone(),
        allocation_id: id.to_string(),
        public_ip: d.live.public_ip.clone(),
        tags: d.live.tags.clone(),
        idle_since: r.idle_since,
        idle_since_basis: r.idle_since_basis,
        idle_days: r.idle_days,
        monthly_cost_usd: r.monthly_cost_usd,
        marked_at: d.marked_at,
        release_after: d.release_after,
        checks: d.checks.clone(),
        outcome: None,
    };
    if let Err(e) = records.put_evidence(&key, &evidence).await {
        res.action = Action::Failed;
        res.reason = Some(format!(
            "its evidence record could not be written ({e}): not released"
        ));
        return res;
    }
    res.evidence_key = Some(key.clone());
    let (action, error) = match d.ops.release(&r.region, id, false).await {
        Ok(()) => (Action::Released, None),
        // EC2 checks reverse DNS itself: a PTR set since our check is a skip.
        Err(ReleaseRefusal::PtrSet(m)) => (
            Action::Skipped,
            Some(format!("reverse DNS (PTR) is set on it: {m}")),
        ),
        Err(e) => (Action::Failed, Some(e.to_string())),
    };
    tracing::info!(allocation_id = %id, account = %r.account, region = %r.region, action = action.as_str(), error = ?error, "release");
    res.action = action;
    res.reason = error.clone();
    evidence.outcome = Some(OutcomeRecord {
        action: action.as_str().into(),
        at: now,
        error,
    });
    if let Err(e) = records.put_evidence(&key, &evidence).await {
        tracing::warn!(key = %key, error = %e, "release outcome not recorded");
    }
    if action == Action::Released {
        let mark = MarkRecord {
            account: r.account.clone(),
            region: r.region.clone(),
            allocation_id: id.to_string(),
            public_ip: d.live.public_ip.clone(),
            marked_at: d.marked_at.unwrap_or(now),
            release_after: d.release_after,
            state: MarkState::Released,
            changed_at: now,
            reason: None,
        };
        if let Err(e) = records.put_mark(&mark).await {
            tracing::warn!(key = %mark.key(), error = %e, "mark record not updated");
        }
    }
    res
}

/// Marks of addresses that are no candidates any more because they are in
/// use, kept, or were attached since the mark: the mark goes (level-triggered:
/// whatever event was missed, the state decides).
#[allow(clippy::too_many_arguments)]
async fn unmark_the_used(
    accounts: &dyn Accounts,
    records: &dyn Records,
    memo: &mut Memo,
    rows: &[AddressReport],
    marks: &HashMap<String, MarkRecord>,
    s: &ReleaseSettings,
    now: DateTime<Utc>,
    dry: bool,
    out: &mut ReleaseOutcome,
) {
    let candidate: std::collections::HashSet<&str> = candidates(rows, now, s.idle_threshold)
        .map(|r| r.allocation_id.as_str())
        .collect();
    for r in rows {
        if candidate.contains(r.allocation_id.as_str()) {
            continue;
        }
        let key = crate::marks::mark_key(&r.account, &r.region, r.allocation_id.as_str());
        let Some(rec) = marks.get(&key).filter(|m| m.state == MarkState::Marked) else {
            continue;
        };
        let why = if r.status == Status::InUse {
            "in use".to_string()
        } else if r.excluded {
            format!("tagged {}", s.keep_tag)
        } else if attached_since(r, rec.marked_at) {
            format!(
                "attached since it was marked on {}",
                rec.marked_at.format("%Y-%m-%d")
            )
        } else {
            // Unknown (a coverage gap) or not yet idle long enough: leave it as it is.
            continue;
        };
        let Ok(ops) = open(accounts, memo, &r.account).await else {
            continue;
        };
        let tags = [
            (RELEASE_AFTER.to_string(), tag_time(rec.release_after)),
            (MARKED_AT.to_string(), tag_time(rec.marked_at)),
        ];
        let reason = cancel(&*ops, records, r, &tags, Some(rec), &why, dry, now).await;
        out.results.push(ReleaseResult {
            allocation_id: r.allocation_id.as_str().to_string(),
            public_ip: r.public_ip.clone(),
            account: r.account.clone(),
            region: r.region.clone(),
            action: Action::Cancelled,
            reason: Some(reason),
            release_after: None,
            owner: None,
            monthly_cost_usd: r.monthly_cost_usd,
            evidence_key: None,
        });
    }
}

/// An attachment after `t` (a new idle spell since).
fn attached_since(r: &AddressReport, t: DateTime<Utc>) -> bool {
    r.last_attached_at.is_some_and(|a| a > t)
}

/// Removes the mark (tags and record); the reason, with any failure in it.
#[allow(clippy::too_many_arguments)]
async fn cancel(
    ops: &dyn AccountOps,
    records: &dyn Records,
    r: &AddressReport,
    tags: &[(String, String)],
    rec: Option<&MarkRecord>,
    why: &str,
    dry: bool,
    now: DateTime<Utc>,
) -> String {
    if dry {
        return format!("{why}: its mark would be removed");
    }
    let mut reason = format!("{why}: release cancelled, mark removed");
    if let Err(e) = ops
        .remove_tags(
            &r.region,
            r.allocation_id.as_str(),
            vec![RELEASE_AFTER.into(), MARKED_AT.into()],
        )
        .await
    {
        reason = format!("{why}: release cancelled; its mark tags could not be removed ({e})");
    }
    let tm = tag_mark(tags);
    let mut c = rec.cloned().unwrap_or_else(|| MarkRecord {
        account: r.account.clone(),
        region: r.region.clone(),
        allocation_id: r.allocation_id.as_str().to_string(),
        public_ip: r.public_ip.clone(),
        marked_at: tm.as_ref().and_then(|t| t.marked_at).unwrap_or(now),
        release_after: tm.and_then(|t| t.release_after.ok()).unwrap_or(now),
        state: MarkState::Cancelled,
        changed_at: now,
        reason: None,
    });
    c.state = MarkState::Cancelled;
    c.changed_at = now;
    c.reason = Some(why.to_string());
    if let Err(e) = records.put_mark(&c).await {
        tracing::warn!(key = %c.key(), error = %e, "mark record not updated");
    }
    reason
}

async fn open(
    accounts: &dyn Accounts,
    memo: &mut Memo,
    account: &str,
) -> Result<Arc<dyn AccountOps>, OpenError> {
    if !memo.accounts.contains_key(account) {
        let opened = accounts.open(account).await;
        memo.accounts.insert(account.to_string(), opened);
    }
    memo.accounts[account].clone()
}

async fn run_checks(
    ops: &dyn AccountOps,
    memo: &mut Memo,
    r: &AddressReport,
    ip: &str,
) -> Vec<CheckResult> {
    let id = r.allocation_id.as_str();
    let reverse = match ops.reverse_dns(&r.region, id).await {
        Ok(None) => CheckResult {
            check: Check::ReverseDns,
            passed: true,
            detail: None,
        },
        Ok(Some(name)) => CheckResult {
            check: Check::ReverseDns,
            passed: false,
            detail: Some(format!(
                "reverse DNS (PTR) {name} is set on it: mail or logs may rely on it; reset it (ec2 reset-address-attribute --attribute domain-name) if nothing does"
            )),
        },
        Err(e) => unchecked(Check::ReverseDns, &e.to_string()),
    };
    if !memo.dns.contains_key(&r.account) {
        let got = ops.dns_records().await.map_err(|e| e.to_string());
        memo.dns.insert(r.account.clone(), got);
    }
    let route53 = match &memo.dns[&r.account] {
        Err(e) => unchecked(Check::Route53, e),
        Ok(records) => found(
            Check::Route53,
            "Route 53 still points at it",
            dns_naming(records, ip)
                .iter()
                .map(|h| {
                    let zone = if h.private { "private" } else { "public" };
                    format!("{} {} in {zone} zone {}", h.name, h.kind, h.zone)
                })
                .collect(),
        ),
    };
    let k = (r.account.clone(), r.region.clone());
    if !memo.rules.contains_key(&k) {
        let got = ops
            .security_group_rules(&r.region)
            .await
            .map_err(|e| e.to_string());
        memo.rules.insert(k.clone(), got);
    }
    let groups = match &memo.rules[&k] {
        Err(e) => unchecked(Check::SecurityGroups, e),
        Ok(rules) => found(
            Check::SecurityGroups,
            &format!("security group rules name {ip}/32"),
            rules_naming(rules, ip)
                .iter()
                .map(|h| {
                    let way = if h.egress { "outbound" } else { "inbound" };
                    format!("{} {} ({way})", h.group_id, h.rule_id)
                })
                .collect(),
        ),
    };
    vec![reverse, route53, groups]
}

/// A check's result from what it found (nothing found: passed).
fn found(check: Check, what: &str, hits: Vec<String>) -> CheckResult {
    CheckResult {
        check,
        passed: hits.is_empty(),
        detail: (!hits.is_empty()).then(|| format!("{what}: {}", hits.join(", "))),
    }
}

/// A check that could not be made does not pass: not knowing is not "nothing there".
fn unchecked(check: Check, why: &str) -> CheckResult {
    CheckResult {
        check,
        passed: false,
        detail: Some(format!("{check:?} could not be checked: {why}")),
    }
}
