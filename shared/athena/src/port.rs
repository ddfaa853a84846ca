//! The four Athena calls the runner makes, behind a trait (moto, a mock or AWS).

use std::future::Future;
use std::pin::Pin;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use aws_sdk_athena::Client;

/// An Athena call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Athena {operation}: {message}")]
pub struct PortError {
    /// API operation.
    pub operation: &'static str,
    /// Error code and message.
    pub message: String,
}

/// Where an execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecState {
    /// Waiting for capacity.
    Queued,
    /// Running.
    Running,
    /// Done; results can be read.
    Succeeded,
    /// Failed (reason in [`ExecStatus::reason`]).
    Failed,
    /// Stopped by someone.
    Cancelled,
}

/// GetQueryExecution, reduced to what the runner uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecStatus {
    /// State.
    pub state: ExecState,
    /// `StateChangeReason` (and the error type when Athena gives one).
    pub reason: Option<String>,
    /// Bytes Athena read (what it bills).
    pub bytes_scanned: Option<i64>,
}

/// Result rows: cells as text, `None` for SQL NULL (GetQueryResults' VarCharValue).
pub type Rows = Vec<Vec<Option<String>>>;

/// One page of GetQueryResults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// Rows, cells as text (`None` for SQL NULL). The first page's first row is the header.
    pub rows: Rows,
    /// Next page, if any.
    pub next_token: Option<String>,
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, PortError>> + Send + 'a>>;

/// The calls.
pub trait AthenaPort: Send + Sync {
    /// StartQueryExecution; returns the execution id.
    fn start<'a>(
        &'a self,
        sql: &'a str,
        parameters: &'a [String],
        workgroup: &'a str,
        database: &'a str,
    ) -> Fut<'a, String>;
    /// GetQueryExecution.
    fn status<'a>(&'a self, id: &'a str) -> Fut<'a, ExecStatus>;
    /// GetQueryResults.
    fn page<'a>(&'a self, id: &'a str, token: Option<&'a str>, max: i32) -> Fut<'a, Page>;
    /// StopQueryExecution.
    fn stop<'a>(&'a self, id: &'a str) -> Fut<'a, ()>;
}

/// The SDK adapter.
#[derive(Debug, Clone)]
pub struct SdkAthena {
    client: Client,
    /// Result location when the workgroup does not enforce one.
    output: Option<String>,
}

impl SdkAthena {
    /// Over `client`; `output` (`s3://…/`) only matters for workgroups without an enforced location.
    pub fn new(client: Client, output: Option<String>) -> Self {
        SdkAthena { client, output }
    }
}

fn describe<E>(operation: &'static str, e: &aws_sdk_athena::error::SdkError<E>) -> PortError
where
    E: aws_sdk_athena::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    PortError {
        operation,
        message: vpcwarden_aws_setup::error_text(e),
    }
}

impl AthenaPort for SdkAthena {
    fn start<'a>(
        &'a self,
        sql: &'a str,
        parameters: &'a [String],
        workgroup: &'a str,
        database: &'a str,
    ) -> Fut<'a, String> {
        Box::pin(async move {
            let mut req = self
                .client
                .start_query_execution()
                .query_string(sql)
                .work_group(workgroup)
                .query_execution_context(
                    QueryExecutionContext::builder().database(database).build(),
                )
                .set_execution_parameters((!parameters.is_empty()).then(|| parameters.to_vec()));
            if let Some(out) = &self.output {
                req = req.result_configuration(
                    ResultConfiguration::builder().output_location(out).build(),
                );
            }
            let out = req
                .send()
                .await
                .map_err(|e| describe("StartQueryExecution", &e))?;
            out.query_execution_id()
                .map(str::to_string)
                .ok_or(PortError {
                    operation: "StartQueryExecution",
                    message: "no QueryExecutionId in the response".into(),
                })
        })
    }

    fn status<'a>(&'a self, id: &'a str) -> Fut<'a, ExecStatus> {
        Box::pin(async move {
            let out = self
                .client
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .map_err(|e| describe("GetQueryExecution", &e))?;
            let exec = out.query_execution();
            let status = exec.and_then(|e| e.status());
            let state = match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Queued) | None => ExecState::Queued,
                Some(QueryExecutionState::Running) => ExecState::Running,
                Some(QueryExecutionState::Succeeded) => ExecState::Succeeded,
                Some(QueryExecutionState::Failed) => ExecState::Failed,
                Some(QueryExecutionState::Cancelled) => ExecState::Cancelled,
                Some(other) => {
                    return Err(PortError {
                        operation: "GetQueryExecution",
                        message: format!("unknown state {other:?}"),
                    })
                }
            };
            let reason = status.and_then(|s| {
                let why = s.state_change_reason().map(str::to_string);
                let kind = s
                    .athena_error()
                    .and_then(|e| e.error_type())
                    .map(|t| format!("error type {t}"));
                match (why, kind) {
                    (Some(w), Some(k)) => Some(format!("{w} ({k})")),
                    (w, k) => w.or(k),
                }
            });
            Ok(ExecStatus {
                state,
                reason,
                bytes_scanned: exec
                    .and_then(|e| e.statistics())
                    .and_then(|s| s.data_scanned_in_bytes()),
            })
        })
    }

    fn page<'a>(&'a self, id: &'a str, token: Option<&'a str>, max: i32) -> Fut<'a, Page> {
        Box::pin(async move {
            let out = self
                .client
                .get_query_results()
                .query_execution_id(id)
                .set_next_token(token.map(str::to_string))
                .max_results(max)
                .send()
                .await
                .map_err(|e| describe("GetQueryResults", &e))?;
            let rows = out
                .result_set()
                .map(|rs| {
                    rs.rows()
                        .iter()
                        .map(|r| {
                            r.data()
                                .iter()
                                .map(|d| d.var_char_value().map(str::to_string))
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(Page {
                rows,
                next_token: out
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            })
        })
    }

    fn stop<'a>(&'a self, id: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            self.client
                .stop_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .map_err(|e| describe("StopQueryExecution", &e))?;
            Ok(())
        })
    }
}
