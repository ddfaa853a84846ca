//! End-to-end harness. `scripts/with-standins.sh` (run by `make test`) starts
//! moto, the fault proxy and `cargo lambda watch`, and exports their URLs;
//! these helpers build real SDK clients against them, lay out realistic VPCs,
//! write MWAA events, invoke the Lambda over HTTP and snapshot moto's state.

pub mod eip;
pub mod endpoints;
pub mod http;
pub mod mwaa;
pub mod samples;
pub mod world;

use aws_sdk_ec2::config::{Credentials, Region};

/// URL of a stand-in, or a panic telling how to start them.
pub fn standin(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the end-to-end tests with `make test` (it starts moto and cargo lambda watch)")
    })
}

/// An EC2 client against `url` (moto or the fault proxy), built as production
/// builds it except for the endpoint and dummy credentials.
pub async fn ec2_at(url: &str) -> aws_sdk_ec2::Client {
    let base = vpcwarden_aws_setup::load().await;
    let conf = aws_sdk_ec2::config::Builder::from(&base)
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// SDK configuration against `url` in `region` with dummy credentials, for any service client.
pub async fn config_at(url: &str, region: &str) -> aws_config::SdkConfig {
    vpcwarden_aws_setup::load()
        .await
        .into_builder()
        .endpoint_url(url)
        .region(Region::new(region.to_string()))
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            Credentials::for_tests(),
        ))
        .build()
}

/// S3 straight to moto (path-style: moto on 127.0.0.1 has no bucket subdomains).
pub async fn moto_s3() -> aws_sdk_s3::Client {
    let conf = config_at(&standin("VPCWARDEN_MOTO_URL"), "us-east-1").await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}

/// EC2 straight to moto.
pub async fn moto_ec2() -> aws_sdk_ec2::Client {
    ec2_at(&standin("VPCWARDEN_MOTO_URL")).await
}

/// A name no other test uses (environments are found region-wide by name).
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{:x}{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// EC2 straight to moto, in `region` (moto keeps each region apart: the
/// reconciler tests each take a region of their own, so a reconcile never
/// meets another test's environments).
pub async fn moto_ec2_in(region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&config_at(&standin("VPCWARDEN_MOTO_URL"), region).await)
}
