//! HTML: one self-contained page per report. No script, no font, no image
//! file — styles and charts (inline SVG, see `svg`) are in the page, and its
//! Content-Security-Policy forbids loading anything, so it opens the same from
//! S3, a mail attachment or a laptop without network. Every figure carries the
//! JSON pointer of the value it shows (`data-path`): the browser test reads
//! them back and compares with the JSON report.

mod idle;
mod ipv4;
mod svg;

use std::fmt::Write;

use crate::text::usd;
use crate::Report;

pub(crate) fn render(report: Report<'_>) -> String {
    match report {
        Report::IdleEips(r) => idle::page(r),
        Report::PublicIpv4(r) => ipv4::page(r),
    }
}

/// Text into HTML (element content and attribute values alike).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON pointer (RFC 6901) to a value of the JSON report.
pub(crate) fn ptr(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff;margin:0 auto;max-width:1180px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #999}
.meta{color:#333;margin:0 0 12px}
.warn{border-left:4px solid #111;padding:6px 10px;background:#f3f3f3}
dl.figures{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
dl.figures div{border:1px solid #999;padding:8px 12px;min-width:130px}
dl.figures dt{font-size:12px;color:#333}dl.figures dd{margin:0;font-size:20px;font-weight:600}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#eee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tags{font-size:12px;color:#333;word-break:break-all;max-width:220px}
.sub{font-size:11px;font-weight:400;color:#333}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
svg.chart text{font-size:12px;fill:#111}
svg.chart rect{fill:#333}svg.chart rect.then{fill:#fff;stroke:#333;stroke-width:1.5}
svg.chart .axis{stroke:#777}svg.chart .series{fill:none;stroke:#111;stroke-width:2}svg.chart .dot{fill:#111}
pre{white-space:pre-wrap;border:1px solid #bbb;padding:8px}
footer{margin-top:32px;color:#333;font-size:12px}
@media print{body{padding:0;max-width:none}section{break-inside:avoid-page}details{display:block}}
"#;

/// The page around `body`.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n<footer>Written by vpcwarden. JSON, CSV and Markdown of the same report sit beside this file; the JSON holds every field.</footer>\n</body>\n</html>\n",
        esc(title)
    )
}

/// A headline figure.
pub(crate) fn figure(out: &mut String, label: &str, text: &str, path: &str) {
    let _ = write!(
        out,
        r#"<div><dt>{}</dt><dd data-path="{}">{}</dd></div>"#,
        esc(label),
        esc(path),
        esc(text)
    );
}

/// A table cell: a figure (right-aligned, with its pointer) or text.
pub(crate) fn num(text: &str, path: &str) -> String {
    format!(
        r#"<td class="n" data-path="{}">{}</td>"#,
        esc(path),
        esc(text)
    )
}

pub(crate) fn td(text: &str) -> String {
    format!("<td>{}</td>", esc(text))
}

/// `<thead>` from column names; names ending in `$` or `#` are numeric.
pub(crate) fn head(caption: &str, cols: &[&str]) -> String {
    let mut out = format!("<table>\n<caption>{}</caption>\n<thead><tr>", esc(caption));
    for c in cols {
        let (name, numeric) = match c.strip_suffix('#') {
            Some(n) => (n, true),
            None => (*c, false),
        };
        let _ = write!(
            out,
            r#"<th scope="col"{}>{}</th>"#,
            if numeric { r#" class="n""# } else { "" },
            esc(name)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    out
}

/// Bars per chart (the table beside it lists every group).
const BARS: usize = 20;

/// A chart of money per group, largest first (at most [`BARS`]), each bar
/// labelled and pointing at its JSON value (`path(group)`), with a text
/// alternative naming the largest.
pub(crate) fn money_bars(
    id: &str,
    title: &str,
    what: &str,
    rows: &[(&String, f64)],
    path: impl Fn(&str) -> String,
) -> String {
    let bars: Vec<svg::Bar> = rows
        .iter()
        .take(BARS)
        .map(|(k, v)| svg::Bar {
            label: (*k).clone(),
            value: *v,
            text: usd(*v),
            path: path(k),
        })
        .collect();
    let top = rows
        .first()
        .map(|(k, v)| format!("; the most, {}, {k}", usd(*v)))
        .unwrap_or_default();
    svg::bars(
        id,
        title,
        &format!(
            "Bar chart of {} {what}(s){top}. The table below lists the same figures.",
            rows.len()
        ),
        &bars,
    )
}

/// A count as shown.
pub(crate) fn count(n: usize) -> String {
    n.to_string()
}
