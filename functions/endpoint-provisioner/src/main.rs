//! Lambda entrypoint: EventBridge `MWAA Environment Status Change` →
//! `vpcwarden_endpoints::handle`. Clients are built once per container.

#![recursion_limit = "256"]

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tracing::{error, info, info_span, Instrument};
use vpcwarden_aws_setup::{emf_document, init_tracing, load, LogFormat};
use vpcwarden_endpoints::{
    handle, Ec2Endpoints, Envelope, MwaaApi, ProvisionError, Report, Settings,
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing(LogFormat::Json);
    let config = load().await;
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or("AWS_REGION is not set")?;
    let settings = Settings::new(region).with_env(|k| std::env::var(k).ok())?;
    let ec2 = Ec2Endpoints::new(aws_sdk_ec2::Client::new(&config));
    let mwaa = MwaaApi::new(&config, settings.mwaa_role_template.clone());
    run(service_fn(|ev: LambdaEvent<EventBridgeEvent<Value>>| {
        handler(ev, &ec2, &mwaa, &settings)
    }))
    .await
}

async fn handler(
    ev: LambdaEvent<EventBridgeEvent<Value>>,
    ec2: &Ec2Endpoints,
    mwaa: &MwaaApi,
    settings: &Settings,
) -> Result<Report, Error> {
    let e = &ev.payload;
    let environment = e.detail.get("name").and_then(Value::as_str).unwrap_or("");
    let span = info_span!(
        "event",
        event_id = e.id.as_deref().unwrap_or(""),
        environment
    );
    let envelope = Envelope {
        id: e.id.as_deref(),
        source: Some(&e.source),
        detail_type: Some(&e.detail_type),
        account: e.account.as_deref(),
        region: e.region.as_deref(),
        time: e.time.map(|t| t.timestamp()),
        detail: &e.detail,
    };
    async {
        match handle(ec2, mwaa, envelope, settings).await {
            Ok(report) => {
                info!(report = %serde_json::to_string(&report).unwrap_or_default(), "done");
                Ok(report)
            }
            Err(err) => {
                if matches!(err, ProvisionError::LedgerFull { .. }) {
                    // Embedded metric format: the LedgerFull alarm reads this stdout line.
                    println!(
                        "{}",
                        emf_document(
                            "endpoint-provisioner",
                            chrono::Utc::now(),
                            &[("LedgerFull", "Count", 1.into())]
                        )
                    );
                }
                // Failing the invocation lets Lambda retry and then dead-letter the event.
                error!(retryable = err.retryable(), error = %err, "failed");
                Err(err.into())
            }
        }
    }
    .instrument(span)
    .await
}
