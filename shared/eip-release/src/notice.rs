//! The text owners read before anything happens: what will be released,
//! when, grouped by owner, and how to keep it.

use std::collections::BTreeMap;

use crate::marks::RELEASE_AFTER;
use crate::run::{Action, ReleaseOutcome, ReleaseResult};
use crate::settings::ReleaseSettings;

fn line(r: &ReleaseResult) -> String {
    let when = r
        .release_after
        .map(|t| format!(", release after {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    let why = r
        .reason
        .as_deref()
        .map(|w| format!(" — {w}"))
        .unwrap_or_default();
    format!(
        "  {} ({}, account {}, {}, ${:.2}/month{when}){why}",
        r.public_ip, r.allocation_id, r.account, r.region, r.monthly_cost_usd
    )
}

fn grouped(out: &mut String, rows: &[&ReleaseResult], s: &ReleaseSettings) {
    let mut by_owner: BTreeMap<Option<&str>, Vec<&ReleaseResult>> = BTreeMap::new();
    for r in rows {
        by_owner.entry(r.owner.as_deref()).or_default().push(r);
    }
    for (owner, rs) in by_owner {
        if let Some(tag) = &s.owner_tag {
            match owner {
                Some(o) => out.push_str(&format!(" {tag}={o}:\n")),
                None => out.push_str(&format!(" no {tag} tag:\n")),
            }
        }
        for r in rs {
            out.push_str(&line(r));
            out.push('\n');
        }
    }
}

/// The release section of the summary message (`None`: nothing to say).
pub fn notice(o: &ReleaseOutcome, s: &ReleaseSettings) -> Option<String> {
    let mut out = String::new();
    let section = |out: &mut String, title: &str, action: Action| {
        let rows: Vec<&ReleaseResult> = o.with(action).collect();
        if !rows.is_empty() {
            out.push_str(&format!("{title} ({}):\n", rows.len()));
            grouped(out, &rows, s);
        }
    };
    section(
        &mut out,
        &format!(
            "Marked for release after a {}-day grace period",
            s.grace.num_days()
        ),
        Action::Marked,
    );
    section(&mut out, "Would be marked (dry run)", Action::WouldMark);
    if o.with(Action::Marked).next().is_some() || o.with(Action::WouldMark).next().is_some() {
        out.push_str(&format!(
            "To keep an address: tag it {}, or remove its {RELEASE_AFTER} tag (or set a later date in it). Attaching it cancels the release too.\n",
            s.keep_tag
        ));
    }
    section(&mut out, "Released", Action::Released);
    section(
        &mut out,
        "Would be released (dry run)",
        Action::WouldRelease,
    );
    if let Some(why) = &o.held {
        out.push_str(&format!("Nothing released: {why}.\n"));
    }
    section(&mut out, "Not releasable", Action::NotReleasable);
    section(&mut out, "Skipped this run", Action::Skipped);
    section(&mut out, "Failed", Action::Failed);
    (!out.is_empty()).then_some(out)
}
