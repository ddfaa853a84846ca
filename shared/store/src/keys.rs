//! Dated keys: history is kept, and Athena can read snapshots by day.

use chrono::{DateTime, Utc};

/// Snapshots live under this prefix.
pub const SNAPSHOTS: &str = "snapshots/";
/// Reports live under this prefix.
pub const REPORTS: &str = "reports/";

/// `snapshots/dt=YYYY-MM-DD/HHMMSS.jsonl`: sorts by time, partitions by day.
pub fn snapshot_key(at: DateTime<Utc>) -> String {
    format!("{SNAPSHOTS}{}", at.format("dt=%Y-%m-%d/%H%M%S.jsonl"))
}

/// A report's rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// For machines.
    Json,
    /// For spreadsheets.
    Csv,
    /// For people.
    Markdown,
}

impl ReportFormat {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Markdown => "md",
        }
    }

    /// HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Json => "application/json",
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Markdown => "text/markdown; charset=utf-8",
        }
    }
}

/// `reports/dt=YYYY-MM-DD/HHMMSS-idle-eips.<ext>`.
pub fn report_key(at: DateTime<Utc>, format: ReportFormat) -> String {
    format!(
        "{REPORTS}{}-idle-eips.{}",
        at.format("dt=%Y-%m-%d/%H%M%S"),
        format.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_sort_by_time() {
        let a = Utc.with_ymd_and_hms(2026, 11, 2, 9, 5, 7).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 11, 10, 0, 0, 0).unwrap();
        assert_eq!(snapshot_key(a), "snapshots/dt=2026-11-02/090507.jsonl");
        assert!(snapshot_key(a) < snapshot_key(b));
        assert_eq!(
            report_key(a, ReportFormat::Markdown),
            "reports/dt=2026-11-02/090507-idle-eips.md"
        );
    }
}
