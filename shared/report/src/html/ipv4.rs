//! The public-IPv4 page.

use std::collections::BTreeMap;
use std::fmt::Write;

use vpcwarden_ipv4::report::Total;
use vpcwarden_ipv4::Ipv4Report;

use super::svg::{self, Bar};
use super::{count, esc, figure, head, money_bars, num, page as wrap, ptr, td};
use crate::text::{sorted, tags, time, usd};

pub(super) fn page(r: &Ipv4Report) -> String {
    let t = &r.totals.all;
    let when = r
        .snapshot_time
        .map(time)
        .unwrap_or_else(|| "snapshot time not recorded".into());
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header><h1>Public IPv4 addresses</h1><p class=\"meta\">snapshot {} · $0.005 per address-hour (BYOIP free)</p></header>",
        esc(&when)
    );
    if !r.not_read.is_empty() {
        let _ = writeln!(
            b,
            "<p class=\"warn\"><strong>Not read — these totals leave out the public IPv4 addresses of:</strong> {}</p>",
            esc(&r.not_read.join("; "))
        );
    }
    b.push_str("<section aria-label=\"Headline\"><dl class=\"figures\">");
    let all = |f: &str| ptr(&["totals", "all", f]);
    figure(
        &mut b,
        "public IPv4 addresses",
        &count(t.addresses),
        &all("addresses"),
    );
    figure(
        &mut b,
        "cost / month",
        &usd(t.monthly_usd),
        &all("monthly_usd"),
    );
    figure(
        &mut b,
        "certain savings / month",
        &usd(t.certain_savings_monthly_usd),
        &all("certain_savings_monthly_usd"),
    );
    figure(
        &mut b,
        "possible savings / month",
        &usd(t.possible_savings_monthly_usd),
        &all("possible_savings_monthly_usd"),
    );
    if let Some(c) = &r.change {
        figure(
            &mut b,
            "addresses then",
            &count(c.addresses_then),
            &ptr(&["change", "addresses_then"]),
        );
        figure(
            &mut b,
            "cost / month then",
            &usd(c.monthly_usd_then),
            &ptr(&["change", "monthly_usd_then"]),
        );
        figure(&mut b, "new since", &count(c.new), &ptr(&["change", "new"]));
        figure(
            &mut b,
            "gone since",
            &count(c.gone),
            &ptr(&["change", "gone"]),
        );
    }
    b.push_str("</dl></section>\n");
    if let Some(c) = &r.change {
        change(&mut b, r, c);
    }
    for (key, what) in [
        ("by_kind", "kind"),
        ("by_account", "account"),
        ("by_region", "region"),
        ("by_vpc", "VPC"),
    ] {
        let groups = match key {
            "by_kind" => &r.totals.by_kind,
            "by_account" => &r.totals.by_account,
            "by_region" => &r.totals.by_region,
            _ => &r.totals.by_vpc,
        };
        group_section(&mut b, key, what, groups, key != "by_vpc");
    }
    ways_out(&mut b, r);
    every_address(&mut b, r);
    b.push_str("<section><h2>What this report cannot tell</h2><ul>");
    for c in &r.cannot_tell {
        let _ = write!(b, "<li>{}</li>", esc(c));
    }
    b.push_str("</ul></section>\n");
    wrap(&format!("Public IPv4 addresses — {when}"), &b)
}

fn change(b: &mut String, r: &Ipv4Report, c: &vpcwarden_ipv4::report::Change) {
    let since = c
        .since
        .map(|s| s.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "the earlier snapshot".into());
    let mut kinds: Vec<&String> = r
        .totals
        .by_kind
        .keys()
        .chain(c.by_kind_then.keys())
        .collect();
    kinds.sort();
    kinds.dedup();
    let rows: Vec<(String, Bar, Bar)> = kinds
        .iter()
        .map(|k| {
            let then = c.by_kind_then.get(*k).copied().unwrap_or(0);
            let now = r.totals.by_kind.get(*k).map_or(0, |t| t.addresses);
            (
                (*k).clone(),
                Bar {
                    label: format!("{k}, {since}"),
                    value: then as f64,
                    text: count(then),
                    path: if c.by_kind_then.contains_key(*k) {
                        ptr(&["change", "by_kind_then", k])
                    } else {
                        String::new()
                    },
                },
                Bar {
                    label: format!("{k}, now"),
                    value: now as f64,
                    text: count(now),
                    path: if r.totals.by_kind.contains_key(*k) {
                        ptr(&["totals", "by_kind", k, "addresses"])
                    } else {
                        String::new()
                    },
                },
            )
        })
        .collect();
    let desc = format!(
        "Addresses per kind on {since} (outlined bar) and now (solid bar): {} then, {} now; {} new, {} gone.",
        c.addresses_then, r.totals.all.addresses, c.new, c.gone
    );
    let _ = writeln!(
        b,
        "<section><h2>Since {}</h2><p>{}</p>",
        esc(&since),
        esc(&desc)
    );
    b.push_str(&svg::pairs(
        "change",
        &format!("Addresses per kind, {since} and now"),
        &desc,
        &rows,
    ));
    b.push_str("</section>\n");
}

fn group_section(
    b: &mut String,
    key: &str,
    what: &str,
    groups: &BTreeMap<String, Total>,
    chart: bool,
) {
    let rows = sorted(groups, |t| t.monthly_usd);
    let _ = writeln!(b, "<section><h2>Cost by {what}</h2>");
    if chart {
        let money: Vec<(&String, f64)> = rows.iter().map(|(k, t)| (*k, t.monthly_usd)).collect();
        b.push_str(&money_bars(
            &format!("cost-{key}"),
            &format!("Public IPv4 cost per month by {what}"),
            what,
            &money,
            |k| ptr(&["totals", key, k, "monthly_usd"]),
        ));
    }
    b.push_str(&head(
        &format!("Totals by {what}"),
        &[
            what,
            "addresses#",
            "$/month#",
            "certain savings#",
            "possible savings#",
        ],
    ));
    for (k, t) in rows {
        let p = |f: &str| ptr(&["totals", key, k, f]);
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th>{}{}{}{}</tr>",
            esc(k),
            num(&count(t.addresses), &p("addresses")),
            num(&usd(t.monthly_usd), &p("monthly_usd")),
            num(
                &usd(t.certain_savings_monthly_usd),
                &p("certain_savings_monthly_usd")
            ),
            num(
                &usd(t.possible_savings_monthly_usd),
                &p("possible_savings_monthly_usd")
            ),
        );
    }
    b.push_str("</tbody></table></section>\n");
}

fn ways_out(b: &mut String, r: &Ipv4Report) {
    let with: Vec<_> = r
        .addresses
        .iter()
        .enumerate()
        .filter(|(_, a)| a.way_out.is_some())
        .collect();
    let _ = writeln!(b, "<section><h2>Ways out ({})</h2>", with.len());
    b.push_str(&head(
        "Largest saving first",
        &[
            "address",
            "holder",
            "account",
            "region",
            "saves $/month#",
            "way out",
            "only if",
        ],
    ));
    for (i, a) in with {
        let w = a.way_out.as_ref().expect("filtered");
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th>{}{}{}{}{}{}</tr>",
            esc(&a.address.public_ip),
            td(&a.address.holder.label()),
            td(&a.address.account),
            td(&a.address.region),
            num(
                &usd(w.saving_monthly_usd),
                &ptr(&["addresses", &i.to_string(), "way_out", "saving_monthly_usd"])
            ),
            td(&w.action),
            td(w.only_if.as_deref().unwrap_or("—"))
        );
    }
    b.push_str("</tbody></table></section>\n");
}

fn every_address(b: &mut String, r: &Ipv4Report) {
    let _ = writeln!(b, "<section><h2>Every address ({})</h2>", r.addresses.len());
    b.push_str(&head(
        "Every public IPv4 address",
        &[
            "address", "kind", "holder", "account", "region", "VPC", "subnet", "$/month#", "tags",
        ],
    ));
    for (i, a) in r.addresses.iter().enumerate() {
        let p = &a.address;
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th>{}{}{}{}{}{}{}<td class=\"tags\">{}</td></tr>",
            esc(&p.public_ip),
            td(p.kind.as_str()),
            td(&p.holder.label()),
            td(&p.account),
            td(&p.region),
            td(p.vpc_id.as_deref().unwrap_or("—")),
            td(p.subnet_id.as_deref().unwrap_or("—")),
            num(
                &usd(a.monthly_cost_usd),
                &ptr(&["addresses", &i.to_string(), "monthly_cost_usd"])
            ),
            esc(&tags(p.tags.iter().map(|(k, v)| (k, v))))
        );
    }
    b.push_str("</tbody></table></section>\n");
}
