//! A failed AWS call as a value: operation, error code, message, whether a
//! retry can help. Every port (EC2, MWAA, S3, …) maps SDK errors through
//! [`aws_err`], so callers match on codes instead of parsing text.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use thiserror::Error;

/// A failed AWS call, with its operation, error code and whether the SDK
/// considered it transient.
#[derive(Debug, Error)]
#[error("{operation} failed: {code}: {message}{}", request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
pub struct AwsError {
    /// EC2 operation, e.g. `CreateVpcEndpoint`.
    pub operation: &'static str,
    /// AWS error code (`UnauthorizedOperation`, `RequestLimitExceeded`…) or the transport failure kind.
    pub code: String,
    /// AWS's message.
    pub message: String,
    /// True for throttling, timeouts and 5xx.
    pub retryable: bool,
    /// AWS's request id, for a support case or CloudTrail.
    pub request_id: Option<String>,
}

/// An SDK failure as an [`AwsError`] (any AWS SDK: they share the Smithy error types).
pub fn aws_err<E, R>(operation: &'static str, e: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().map(str::to_string);
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| DisplayErrorContext(&e).to_string());
    let transport = matches!(
        e,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    );
    let code = code.unwrap_or_else(|| {
        if transport {
            "Transport".into()
        } else {
            "Unknown".into()
        }
    });
    let retryable = transport
        || matches!(
            code.as_str(),
            "RequestLimitExceeded"
                | "Throttling"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "InternalError"
                | "InternalServerException"
                | "ServiceUnavailable"
                | "Unavailable"
        );
    AwsError {
        operation,
        code,
        message,
        retryable,
        request_id: e.meta().extra("aws_request_id").map(str::to_string),
    }
}
