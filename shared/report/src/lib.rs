//! One report pipeline. The jobs and the CLI build a report once, as data
//! ([`IdleEipReport`], [`Ipv4Report`]), and render it with [`render`] in
//! any [`Format`]. A new format is one renderer module here and one arm in
//! [`render`]: the jobs write every format in [`Format::ALL`], and the CLI's
//! `--format` takes the same type.
#![deny(missing_docs)]

mod csv;
mod format;
mod html;
mod idle;
mod json;
mod markdown;
mod text;

pub use crate::csv::neutralise;
pub use format::Format;
pub use idle::{IdleEipReport, IdleSettings, SCHEMA_ID as IDLE_SCHEMA_ID};
pub use json::IPV4_SCHEMA_ID;
pub use vpcwarden_ipv4::Ipv4Report;

/// A report to render.
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// Idle Elastic IPs: history from CloudTrail, joined with the snapshot.
    IdleEips(&'a IdleEipReport),
    /// Every public IPv4 address, with a way out.
    PublicIpv4(&'a Ipv4Report),
}

impl Report<'_> {
    /// The name in its object keys and file names (`idle-eips`, `public-ipv4`).
    pub fn name(self) -> &'static str {
        match self {
            Report::IdleEips(_) => "idle-eips",
            Report::PublicIpv4(_) => "public-ipv4",
        }
    }
}

/// The report in `format`.
pub fn render(report: Report<'_>, format: Format) -> String {
    match format {
        Format::Json => json::render(report),
        Format::Csv => csv::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}
