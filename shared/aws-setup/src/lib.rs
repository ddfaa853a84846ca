//! One place that builds the AWS SDK configuration and the log subscriber,
//! so the Lambda functions, the CLI and the tests reach AWS (or moto) the same way.
#![deny(missing_docs)]

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

mod aws_error;
pub use aws_error::{aws_err, AwsError};

/// Default attempts per AWS call. EC2 throttles with `RequestLimitExceeded`;
/// five attempts with the SDK's exponential backoff ride out a burst.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Loads the SDK config from the environment (region, credentials,
/// `AWS_ENDPOINT_URL` for moto) with standard retries; `AWS_MAX_ATTEMPTS`
/// overrides the attempt count.
pub async fn load() -> SdkConfig {
    let attempts = std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_MAX_ATTEMPTS);
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .load()
        .await
}

/// Where logs go and how they look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line with the current span's fields (Lambda, CloudWatch).
    Json,
    /// Human-readable lines (CLI).
    Text,
}

/// Installs the global subscriber, writing to stderr so that stdout stays
/// free for results. Level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`.
pub fn init_tracing(format: LogFormat) {
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|l| EnvFilter::new(l.to_ascii_lowercase()))
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // `try_init` so a second call (tests) is harmless.
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        // Colour only for a person at a terminal who has not asked for none
        // (https://no-color.org): escape codes in a file or a CI log are noise.
        LogFormat::Text => builder
            .compact()
            .with_ansi(
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            )
            .try_init(),
    };
}

/// An SDK error as one line a user can act on: `Code: message` from the
/// service, else the whole error chain (timeouts, DNS, credentials).
pub fn error_text<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match e.as_service_error() {
        Some(s) => {
            let mut line = format!(
                "{}: {}",
                s.code().unwrap_or("error"),
                s.message().unwrap_or_default()
            );
            if let Some(id) = s.meta().extra("aws_request_id") {
                line.push_str(&format!(" (request id {id})"));
            }
            line
        }
        None => aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
    }
}

/// The service's error code, if the service answered with one.
pub fn error_code<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Option<&str>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    e.as_service_error().and_then(|s| s.code())
}

/// CloudWatch metrics in embedded metric format: one JSON line on stdout,
/// which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics
/// (no PutMetricData permission, no extra call). Namespace `vpcwarden`,
/// dimension `Function`, and `(name, unit, value)` metrics.
pub fn emf_document(
    function: &str,
    at: chrono::DateTime<chrono::Utc>,
    metrics: &[(&str, &str, serde_json::Value)],
) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "vpcwarden",
                "Dimensions": [["Function"]],
                "Metrics": metrics.iter().map(|(n, u, _)| json!({"Name": n, "Unit": u})).collect::<Vec<_>>(),
            }]
        }),
    );
    doc.insert("Function".into(), function.into());
    for (name, _, value) in metrics {
        doc.insert((*name).into(), value.clone());
    }
    Value::Object(doc)
}
