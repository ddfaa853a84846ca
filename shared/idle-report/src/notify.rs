//! Where the run's summary goes: an SNS topic in production, a recorder in
//! the tests.

use crate::error::JobError;
use vpcwarden_store::Fut;

/// Sends the summary.
pub trait Notifier: Send + Sync {
    /// Publishes `message` under `subject`; the message id when the service gives one.
    fn publish<'a>(
        &'a self,
        subject: &'a str,
        message: &'a str,
    ) -> Fut<'a, Result<Option<String>, JobError>>;
}

/// An SNS topic.
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic: String,
}

impl SnsNotifier {
    /// Publishes to `topic` (an ARN) through `client`.
    pub fn new(client: aws_sdk_sns::Client, topic: impl Into<String>) -> Self {
        SnsNotifier {
            client,
            topic: topic.into(),
        }
    }
}

/// The notifier a configuration names: the SNS topic when one is set
/// (`VPCWARDEN_SNS_TOPIC_ARN`), else none.
pub fn build_notifier(topic: Option<&str>, config: &aws_config::SdkConfig) -> Option<SnsNotifier> {
    topic.map(|t| SnsNotifier::new(aws_sdk_sns::Client::new(config), t))
}

/// SNS caps a subject at 100 characters.
const SUBJECT_MAX: usize = 100;

impl Notifier for SnsNotifier {
    fn publish<'a>(
        &'a self,
        subject: &'a str,
        message: &'a str,
    ) -> Fut<'a, Result<Option<String>, JobError>> {
        Box::pin(async move {
            let out = self
                .client
                .publish()
                .topic_arn(&self.topic)
                .subject(subject.chars().take(SUBJECT_MAX).collect::<String>())
                .message(message)
                .send()
                .await
                .map_err(|e| JobError::Notify {
                    topic: self.topic.clone(),
                    message: aws_sdk_sns::error::DisplayErrorContext(&e).to_string(),
                })?;
            Ok(out.message_id().map(str::to_string))
        })
    }
}
