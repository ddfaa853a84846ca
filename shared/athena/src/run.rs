//! Start → poll (backoff with jitter, deadline) → read every page.

use std::time::Duration;

use rand::Rng;
use thiserror::Error;
use tokio::time::Instant;

use crate::port::{AthenaPort, ExecState, PortError};
use crate::query::Query;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Workgroup (its enforced settings apply: result location, bytes cutoff).
    pub workgroup: String,
    /// Database the statement runs in.
    pub database: String,
    /// First wait between polls; doubles up to `max_poll`.
    pub first_poll: Duration,
    /// Longest wait between polls.
    pub max_poll: Duration,
    /// Give up (and stop the execution) after this long.
    pub deadline: Duration,
    /// Rows per GetQueryResults call (Athena allows up to 1000).
    pub page_size: i32,
}

impl RunOptions {
    /// Defaults: 250 ms doubling to 5 s, a 10-minute deadline, 1000-row pages.
    pub fn new(workgroup: impl Into<String>, database: impl Into<String>) -> Self {
        RunOptions {
            workgroup: workgroup.into(),
            database: database.into(),
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_secs(5),
            deadline: Duration::from_secs(600),
            page_size: 1000,
        }
    }
}

/// Why a query gave no result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AthenaError {
    /// A call failed.
    #[error(transparent)]
    Call(#[from] PortError),
    /// Athena ran the query and it failed.
    #[error("Athena query {id} FAILED: {reason}")]
    Failed {
        /// Execution id.
        id: String,
        /// Athena's reason.
        reason: String,
    },
    /// Someone stopped the execution.
    #[error("Athena query {id} was CANCELLED{}", .reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Cancelled {
        /// Execution id.
        id: String,
        /// Athena's reason (a workgroup's bytes-scanned cutoff cancels queries).
        reason: Option<String>,
    },
    /// Not done by the deadline; the execution was stopped so it bills no further.
    #[error(
        "Athena query {id} not finished after {waited:?} (deadline); stop requested: {stopped}"
    )]
    Deadline {
        /// Execution id.
        id: String,
        /// How long it waited.
        waited: Duration,
        /// Whether StopQueryExecution succeeded.
        stopped: bool,
    },
}

/// A finished query's rows and costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOutput {
    /// Execution id.
    pub execution_id: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows after the header.
    pub rows: crate::port::Rows,
    /// DataScannedInBytes.
    pub bytes_scanned: Option<i64>,
    /// GetQueryExecution calls made.
    pub polls: u32,
    /// GetQueryResults pages read.
    pub pages: u32,
}

/// Runs `query` to completion.
pub async fn run(
    port: &dyn AthenaPort,
    query: &Query,
    o: &RunOptions,
) -> Result<QueryOutput, AthenaError> {
    let started = Instant::now();
    let params = query.athena_parameters();
    let id = port
        .start(&query.sql, &params, &o.workgroup, &o.database)
        .await?;
    tracing::info!(execution_id = %id, "athena query started");
    let mut wait = o.first_poll;
    let mut polls = 0u32;
    let status = loop {
        let s = port.status(&id).await?;
        polls += 1;
        match s.state {
            ExecState::Succeeded => break s,
            ExecState::Failed => {
                return Err(AthenaError::Failed {
                    id,
                    reason: s.reason.unwrap_or_else(|| "no reason given".into()),
                })
            }
            ExecState::Cancelled => {
                return Err(AthenaError::Cancelled {
                    id,
                    reason: s.reason,
                })
            }
            ExecState::Queued | ExecState::Running => {}
        }
        // Jitter keeps many reports started by one schedule from polling in step.
        let jittered = wait.mul_f64(rand::rng().random_range(0.8..1.2));
        if started.elapsed() + jittered > o.deadline {
            let stopped = port.stop(&id).await.is_ok();
            return Err(AthenaError::Deadline {
                id,
                waited: started.elapsed(),
                stopped,
            });
        }
        tokio::time::sleep(jittered).await;
        wait = (wait * 2).min(o.max_poll);
    };

    let mut header = Vec::new();
    let mut rows = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0u32;
    loop {
        let page = port.page(&id, token.as_deref(), o.page_size).await?;
        let mut it = page.rows.into_iter();
        if pages == 0 {
            // Athena repeats the column names as the first row of the first page.
            header = it
                .next()
                .map(|h| h.into_iter().map(Option::unwrap_or_default).collect())
                .unwrap_or_default();
        }
        rows.extend(it);
        pages += 1;
        match page.next_token {
            Some(t) if Some(&t) != token.as_ref() => token = Some(t),
            _ => break,
        }
    }
    tracing::info!(execution_id = %id, rows = rows.len(), pages, polls, bytes_scanned = ?status.bytes_scanned, "athena query done");
    Ok(QueryOutput {
        execution_id: id,
        header,
        rows,
        bytes_scanned: status.bytes_scanned,
        polls,
        pages,
    })
}
