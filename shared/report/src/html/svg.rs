//! Charts as inline SVG: nothing to fetch or run, so the page works offline,
//! in a mail client's preview and on paper. Each chart has a title and a
//! description (its text alternative), and every value is written beside its
//! bar or listed in the table that follows the chart.

use std::fmt::Write;

use super::esc;

/// ` data-path="…"`, or nothing for a figure the JSON does not hold (a zero
/// standing for an absent group).
fn path_attr(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(r#" data-path="{}""#, esc(path))
    }
}

/// One bar: its label, its value, the text shown, and the JSON pointer of
/// the value (the browser test compares them).
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
    pub path: String,
}

const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 220.0;
const VALUE_W: f64 = 110.0;
const ROW: f64 = 24.0;

fn open(out: &mut String, id: &str, title: &str, desc: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// Horizontal bars, largest first as given; values labelled at the bar's end.
pub fn bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let mut out = String::new();
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    open(&mut out, id, title, desc, height);
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let room = WIDTH - LABEL_W - VALUE_W;
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = if max > 0.0 { room * b.value / max } else { 0.0 };
        let label: String = if b.label.chars().count() > 28 {
            b.label.chars().take(27).collect::<String>() + "…"
        } else {
            b.label.clone()
        };
        let _ = write!(
            out,
            r#"<g><title>{}: {}</title><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{LABEL_W}" y="{:.1}" width="{w:.1}" height="{:.1}"/><text class="value" x="{:.1}" y="{:.1}"{}>{}</text></g>"#,
            esc(&b.label),
            esc(&b.text),
            LABEL_W - 8.0,
            y + ROW * 0.65,
            esc(&label),
            y + 3.0,
            ROW - 6.0,
            LABEL_W + w + 6.0,
            y + ROW * 0.65,
            path_attr(&b.path),
            esc(&b.text)
        );
    }
    if bars.is_empty() {
        let _ = write!(
            out,
            r#"<text class="label" x="{LABEL_W}" y="{:.1}">nothing to show</text>"#,
            ROW * 0.65
        );
    }
    out.push_str("</svg>");
    out
}

/// One point of a line over time.
pub struct Point {
    /// Position on the time axis, 0 (window start) to 1 (now).
    pub at: f64,
    pub value: f64,
    /// Tooltip text.
    pub text: String,
}

/// A line over the window with a dot per point; the axis says its range.
pub fn line(
    id: &str,
    title: &str,
    desc: &str,
    points: &[Point],
    (start, end): (&str, &str),
    max_text: &str,
) -> String {
    let mut out = String::new();
    let (h, left, right, top, bottom) = (220.0, 70.0, 20.0, 16.0, 30.0);
    open(&mut out, id, title, desc, h);
    let plot_w = WIDTH - left - right;
    let plot_h = h - top - bottom;
    let max = points.iter().map(|p| p.value).fold(0.0, f64::max);
    let x = |at: f64| left + plot_w * at.clamp(0.0, 1.0);
    let y = |v: f64| top + plot_h - if max > 0.0 { plot_h * v / max } else { 0.0 };
    // Axes and their range: zero, the maximum, the window's two ends.
    let _ = write!(
        out,
        r#"<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{:.1}"/><line class="axis" x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">0</text><text class="label" x="{left}" y="{:.1}">{}</text><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
        top + plot_h,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        left - 6.0,
        top + 10.0,
        esc(max_text),
        left - 6.0,
        top + plot_h,
        h - 8.0,
        esc(start),
        left + plot_w,
        h - 8.0,
        esc(end)
    );
    if points.len() > 1 {
        let d: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.at), y(p.value)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="series" points="{}"/>"#,
            d.join(" ")
        );
    }
    for p in points {
        let _ = write!(
            out,
            r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"><title>{}</title></circle>"#,
            x(p.at),
            y(p.value),
            esc(&p.text)
        );
    }
    if points.is_empty() {
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}">no dated snapshot in the window</text>"#,
            left + 10.0,
            top + plot_h / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Two bars per label, then (outlined) and now (solid): readable without colour.
pub fn pairs(id: &str, title: &str, desc: &str, rows: &[(String, Bar, Bar)]) -> String {
    let mut out = String::new();
    let height = ROW * 2.0 * rows.len().max(1) as f64 + 8.0;
    open(&mut out, id, title, desc, height);
    let max = rows
        .iter()
        .flat_map(|(_, a, b)| [a.value, b.value])
        .fold(0.0, f64::max);
    let room = WIDTH - LABEL_W - VALUE_W;
    for (i, (label, then, now)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * 2.0 * i as f64;
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + ROW,
            esc(label)
        );
        for (j, (b, class)) in [(then, "then"), (now, "now")].into_iter().enumerate() {
            let by = y + ROW * j as f64;
            let w = if max > 0.0 { room * b.value / max } else { 0.0 };
            let _ = write!(
                out,
                r#"<g><title>{}: {}</title><rect class="{class}" x="{LABEL_W}" y="{:.1}" width="{w:.1}" height="{:.1}"/><text class="value" x="{:.1}" y="{:.1}"{}>{}</text></g>"#,
                esc(&b.label),
                esc(&b.text),
                by + 3.0,
                ROW - 8.0,
                LABEL_W + w + 6.0,
                by + ROW * 0.6,
                path_attr(&b.path),
                esc(&b.text)
            );
        }
    }
    out.push_str("</svg>");
    out
}
