//! The idle-EIP page.

use std::collections::BTreeMap;
use std::fmt::Write;

use vpcwarden_eip::{GroupTotal, Status};

use super::svg::{self, Point};
use super::{count, esc, figure, head, money_bars, num, page as wrap, ptr, td};
use crate::text::{coverage_line, day, flag, since, sorted, status, tags, time, usd};
use crate::IdleEipReport;

pub(super) fn page(r: &IdleEipReport) -> String {
    let s = &r.summary;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header><h1>Idle Elastic IPs</h1><p class=\"meta\">{} · window {} days ({} to {}) · flagged after {} idle days · {}</p></header>",
        esc(&time(r.generated_at)),
        r.settings.window_days,
        r.window_start.format("%Y-%m-%d"),
        r.generated_at.format("%Y-%m-%d"),
        r.settings.threshold_days,
        esc(&coverage_line(r))
    );
    if let Some(l) = r.coverage.shorter_window_line() {
        let _ = writeln!(
            b,
            "<p class=\"warn\"><strong>{}</strong></p>",
            esc(l.trim_matches('*'))
        );
    }
    if !r.snapshot_not_read.is_empty() {
        let _ = writeln!(
            b,
            "<p class=\"warn\"><strong>The latest snapshot could not read {}.</strong> Their addresses are shown as the last snapshot that read them saw them: status unknown, never flagged.</p>",
            esc(&r.snapshot_not_read.join("; "))
        );
    }
    b.push_str("<section aria-label=\"Headline\"><dl class=\"figures\">");
    figure(
        &mut b,
        "Elastic IPs",
        &count(s.addresses),
        &ptr(&["summary", "addresses"]),
    );
    figure(&mut b, "idle", &count(s.idle), &ptr(&["summary", "idle"]));
    figure(
        &mut b,
        "idle cost / month",
        &usd(s.idle_monthly_usd),
        &ptr(&["summary", "idle_monthly_usd"]),
    );
    figure(
        &mut b,
        "flagged for release",
        &count(s.flagged),
        &ptr(&["summary", "flagged"]),
    );
    figure(
        &mut b,
        "flagged cost / month",
        &usd(s.flagged_monthly_usd),
        &ptr(&["summary", "flagged_monthly_usd"]),
    );
    figure(
        &mut b,
        "unknown (trail gaps)",
        &count(s.unknown),
        &ptr(&["summary", "unknown"]),
    );
    figure(
        &mut b,
        "idle cost in the window",
        &usd(s.waste_in_window_usd),
        &ptr(&["summary", "waste_in_window_usd"]),
    );
    b.push_str("</dl></section>\n");

    for (key, what) in [("by_account", "account"), ("by_region", "region")] {
        let groups = if key == "by_account" {
            &r.totals.by_account
        } else {
            &r.totals.by_region
        };
        group_section(&mut b, key, what, groups);
    }
    history(&mut b, r);
    addresses(&mut b, r);
    coverage(&mut b, r);
    release(&mut b, r);
    wrap(&format!("Idle Elastic IPs — {}", time(r.generated_at)), &b)
}

fn group_section(b: &mut String, key: &str, what: &str, groups: &BTreeMap<String, GroupTotal>) {
    let rows = sorted(groups, |t| t.idle_monthly_usd);
    let _ = writeln!(b, "<section><h2>Idle cost by {what}</h2>");
    let money: Vec<(&String, f64)> = rows.iter().map(|(k, t)| (*k, t.idle_monthly_usd)).collect();
    b.push_str(&money_bars(
        &format!("idle-{what}"),
        &format!("Idle cost per month by {what}"),
        what,
        &money,
        |k| ptr(&["totals", key, k, "idle_monthly_usd"]),
    ));
    b.push_str(&head(
        &format!("Totals by {what}"),
        &[
            what,
            "addresses#",
            "idle#",
            "unknown#",
            "flagged#",
            "idle $/month#",
            "flagged $/month#",
        ],
    ));
    for (k, t) in rows {
        let p = |f: &str| ptr(&["totals", key, k, f]);
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th>{}{}{}{}{}{}</tr>",
            esc(k),
            num(&count(t.addresses), &p("addresses")),
            num(&count(t.idle), &p("idle")),
            num(&count(t.unknown), &p("unknown")),
            num(&count(t.flagged), &p("flagged")),
            num(&usd(t.idle_monthly_usd), &p("idle_monthly_usd")),
            num(&usd(t.flagged_monthly_usd), &p("flagged_monthly_usd")),
        );
    }
    b.push_str("</tbody></table></section>\n");
}

fn history(b: &mut String, r: &IdleEipReport) {
    let span = (r.generated_at - r.window_start).num_seconds().max(1) as f64;
    let points: Vec<Point> = r
        .history
        .iter()
        .map(|p| Point {
            at: (p.snapshot_time - r.window_start).num_seconds() as f64 / span,
            value: p.idle_monthly_usd,
            text: format!(
                "{}: {} idle, {}/month",
                p.day,
                p.idle,
                usd(p.idle_monthly_usd)
            ),
        })
        .collect();
    let desc = match (r.history.first(), r.history.last()) {
        (Some(a), Some(z)) if r.history.len() > 1 => format!(
            "Line chart over {} dated snapshots: from {} idle ({}/month) on {} to {} idle ({}/month) on {}.",
            r.history.len(), a.idle, usd(a.idle_monthly_usd), a.day, z.idle, usd(z.idle_monthly_usd), z.day
        ),
        (Some(a), _) => format!(
            "One dated snapshot in the window ({}: {} idle, {}/month): no line yet.",
            a.day, a.idle, usd(a.idle_monthly_usd)
        ),
        _ => "No dated snapshot in the window.".into(),
    };
    let max = r
        .history
        .iter()
        .map(|p| p.idle_monthly_usd)
        .fold(0.0, f64::max);
    let _ = writeln!(
        b,
        "<section><h2>Idle addresses over time</h2><p>{}</p>",
        esc(&desc)
    );
    b.push_str(&svg::line(
        "idle-history",
        "Idle cost per month, day by day",
        &desc,
        &points,
        (
            &r.window_start.format("%Y-%m-%d").to_string(),
            &r.generated_at.format("%Y-%m-%d").to_string(),
        ),
        &usd(max),
    ));
    b.push_str("<details><summary>The figures, day by day</summary>\n");
    b.push_str(&head(
        "Idle addresses per day (the day's last snapshot)",
        &["day", "Elastic IPs#", "idle#", "idle $/month#"],
    ));
    for (i, p) in r.history.iter().enumerate() {
        let i = i.to_string();
        let q = |f: &str| ptr(&["history", &i, f]);
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th>{}{}{}</tr>",
            p.day,
            num(&count(p.addresses), &q("addresses")),
            num(&count(p.idle), &q("idle")),
            num(&usd(p.idle_monthly_usd), &q("idle_monthly_usd"))
        );
    }
    b.push_str("</tbody></table></details></section>\n");
}

fn addresses(b: &mut String, r: &IdleEipReport) {
    let free: Vec<_> = r
        .addresses
        .iter()
        .enumerate()
        .filter(|(_, a)| a.status != Status::InUse)
        .collect();
    let _ = writeln!(b, "<section><h2>Idle addresses ({})</h2>", free.len());
    b.push_str(&head(
        "Free addresses, largest idle cost in the window first",
        &[
            "address",
            "account / region",
            "idle since",
            "idle days#",
            "$/month#",
            "idle cost in window#",
            "Name",
            "owner",
            "flag",
            "note",
            "tags",
        ],
    ));
    for (i, a) in &free {
        let i = i.to_string();
        let p = |f: &str| ptr(&["addresses", &i, f]);
        let _ = writeln!(
            b,
            "<tr>{}{}{}{}{}{}{}{}{}{}<td class=\"tags\">{}</td></tr>",
            address_cell(a),
            where_cell(a),
            td(&since(a)),
            match a.idle_days {
                Some(d) => num(&format!("{d:.1}"), &p("idle_days")),
                None => td(""),
            },
            num(&usd(a.monthly_cost_usd), &p("monthly_cost_usd")),
            match a.waste_in_window_usd {
                Some(w) => num(&usd(w), &p("waste_in_window_usd")),
                None => td("unknown"),
            },
            td(r.name_of(a).unwrap_or("")),
            td(r.owner_of(a).unwrap_or("")),
            td(match a.status {
                Status::Unknown => "unknown",
                _ => flag(a),
            }),
            td(a.note.as_deref().unwrap_or(&status(a))),
            esc(&tags(&a.tags))
        );
    }
    b.push_str("</tbody></table></section>\n");

    let used: Vec<_> = r
        .addresses
        .iter()
        .enumerate()
        .filter(|(_, a)| a.status == Status::InUse)
        .collect();
    let _ = writeln!(b, "<section><h2>In use ({})</h2>", used.len());
    b.push_str(&head(
        "Attached addresses",
        &[
            "address",
            "account / region",
            "attached to",
            "Name",
            "owner",
            "$/month#",
            "tags",
        ],
    ));
    for (i, a) in &used {
        let i = i.to_string();
        let _ = writeln!(
            b,
            "<tr>{}{}{}{}{}{}<td class=\"tags\">{}</td></tr>",
            address_cell(a),
            where_cell(a),
            td(a.attached_to.as_deref().unwrap_or("")),
            td(r.name_of(a).unwrap_or("")),
            td(r.owner_of(a).unwrap_or("")),
            num(
                &usd(a.monthly_cost_usd),
                &ptr(&["addresses", &i, "monthly_cost_usd"])
            ),
            esc(&tags(&a.tags))
        );
    }
    b.push_str("</tbody></table></section>\n");
}

/// The address, with its allocation id beneath.
fn address_cell(a: &vpcwarden_eip::AddressReport) -> String {
    format!(
        "<th scope=\"row\">{}<br><span class=\"sub\">{}</span></th>",
        esc(&a.public_ip),
        esc(a.allocation_id.as_str())
    )
}

fn where_cell(a: &vpcwarden_eip::AddressReport) -> String {
    format!("<td>{}<br>{}</td>", esc(&a.account), esc(&a.region))
}

fn coverage(b: &mut String, r: &IdleEipReport) {
    let c = &r.coverage;
    b.push_str("<section><h2>Trail coverage</h2>");
    if c.complete {
        let _ = writeln!(
            b,
            "<p>Complete: {} days ({} to {}) for every account and region of the snapshot.</p>",
            c.required_days,
            day(c.first_day),
            day(c.last_day)
        );
    } else {
        let _ = writeln!(
            b,
            "<p class=\"warn\"><strong>Trail coverage has gaps</strong>: free addresses in these accounts and regions are <em>unknown</em> and never flagged (window {} to {}).</p><ul>",
            day(c.first_day),
            day(c.last_day)
        );
        for line in c.gap_lines() {
            let _ = writeln!(b, "<li>{}</li>", esc(&line));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>\n");
}

fn release(b: &mut String, r: &IdleEipReport) {
    if r.release_skipped.is_none() && r.release_notice.is_none() && r.released.is_empty() {
        return;
    }
    b.push_str("<section><h2>Release</h2>");
    if let Some(why) = &r.release_skipped {
        let _ = writeln!(b, "<p class=\"warn\"><strong>{}.</strong></p>", esc(why));
    }
    if let Some(text) = &r.release_notice {
        let _ = writeln!(b, "<pre>{}</pre>", esc(text.trim_end()));
    }
    if !r.released.is_empty() {
        b.push_str(&head(
            "What the release step did",
            &[
                "address",
                "account",
                "region",
                "action",
                "release after",
                "owner",
                "$/month#",
                "why",
            ],
        ));
        for (i, x) in r.released.iter().enumerate() {
            let i = i.to_string();
            let _ = writeln!(
                b,
                "<tr><th scope=\"row\">{}</th>{}{}{}{}{}{}{}</tr>",
                esc(&x.public_ip),
                td(&x.account),
                td(&x.region),
                td(x.action.as_str()),
                td(&x
                    .release_after
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()),
                td(x.owner.as_deref().unwrap_or("")),
                num(
                    &usd(x.monthly_cost_usd),
                    &ptr(&["released", &i, "monthly_cost_usd"])
                ),
                td(x.reason.as_deref().unwrap_or(""))
            );
        }
        b.push_str("</tbody></table>");
    }
    b.push_str("</section>\n");
}
