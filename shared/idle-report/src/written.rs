//! A report into the bucket: every format under one dated name, found
//! afterwards by its format, never by position.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vpcwarden_report::{render, Format, Report};
use vpcwarden_store::{report_key, ObjectStore};

use crate::error::JobError;

/// The objects one report was written to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Written(BTreeMap<Format, String>);

impl Written {
    /// The key of the report in `format` (every format is written).
    pub fn key(&self, format: Format) -> &str {
        self.0.get(&format).map(String::as_str).unwrap_or_default()
    }

    /// Every key, in [`Format::ALL`] order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }
}

/// Renders `report` in every format and writes each under
/// `reports/dt=…/HHMMSS-<report>.<extension>`; also gives back the Markdown
/// written (what `vpcwarden eip run` prints), so it is rendered once.
pub async fn write_reports(
    bucket: &dyn ObjectStore,
    report: Report<'_>,
    now: DateTime<Utc>,
) -> Result<(Written, String), JobError> {
    let mut written = Written::default();
    let mut markdown = String::new();
    for format in Format::ALL {
        let key = report_key(now, report.name(), format.extension());
        let body = render(report, format);
        bucket
            .put(&key, body.as_bytes().to_vec(), format.content_type())
            .await?;
        if format == Format::Markdown {
            markdown = body;
        }
        written.0.insert(format, key);
    }
    Ok((written, markdown))
}
