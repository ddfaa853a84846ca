//! CloudTrail records in the documented shape of management events.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};

/// Lower-case hex of `n` digits (resource id suffixes).
pub fn hex(rng: &mut StdRng, n: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..n)
        .map(|_| HEX[rng.random_range(0..16)] as char)
        .collect()
}

fn upper(rng: &mut StdRng, n: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

fn uuid(rng: &mut StdRng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// CloudTrail's `eventTime` form.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Where and when a call happened, and who made it.
pub struct Call<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub time: DateTime<Utc>,
    pub source: &'a str,
    pub name: &'a str,
    pub read_only: bool,
}

/// A failed call's error (`errorCode`, `errorMessage`).
pub type Failure<'a> = Option<(&'a str, &'a str)>;

/// One record: the envelope every management event carries, around the
/// call's request and response.
pub fn record(
    rng: &mut StdRng,
    call: &Call<'_>,
    request: Value,
    response: Value,
    failure: Failure<'_>,
) -> Value {
    let role = [
        "ops-admin",
        "terraform-deployer",
        "platform-ci",
        "AWSServiceRoleForECS",
    ][rng.random_range(0..4)];
    let session = format!("session-{}", hex(rng, 10));
    let principal = format!("AROA{}", upper(rng, 17));
    let agent = [
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0",
        "Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.2",
        "console.amazonaws.com",
    ][rng.random_range(0..4)];
    let mut r = json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": format!("{principal}:{session}"),
            "arn": format!("arn:aws:sts::{}:assumed-role/{role}/{session}", call.account),
            "accountId": call.account,
            "accessKeyId": format!("ASIA{}", upper(rng, 16)),
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": principal,
                    "arn": format!("arn:aws:iam::{}:role/{role}", call.account),
                    "accountId": call.account,
                    "userName": role
                },
                "attributes": {
                    "creationDate": time_text(call.time - chrono::Duration::minutes(rng.random_range(1..55))),
                    "mfaAuthenticated": "false"
                }
            }
        },
        "eventTime": time_text(call.time),
        "eventSource": call.source,
        "eventName": call.name,
        "awsRegion": call.region,
        "sourceIPAddress": format!("{}.{}.{}.{}", rng.random_range(3..223), rng.random_range(0..256), rng.random_range(0..256), rng.random_range(1..255)),
        "userAgent": agent,
    });
    let obj = r.as_object_mut().expect("object literal");
    if let Some((code, message)) = failure {
        obj.insert("errorCode".into(), code.into());
        obj.insert("errorMessage".into(), message.into());
    }
    obj.insert("requestParameters".into(), request);
    obj.insert(
        "responseElements".into(),
        if failure.is_some() {
            Value::Null
        } else {
            response
        },
    );
    obj.insert("requestID".into(), uuid(rng).into());
    obj.insert("eventID".into(), uuid(rng).into());
    obj.insert("readOnly".into(), call.read_only.into());
    obj.insert("eventType".into(), "AwsApiCall".into());
    obj.insert("managementEvent".into(), true.into());
    obj.insert("recipientAccountId".into(), call.account.into());
    obj.insert("eventCategory".into(), "Management".into());
    obj.insert(
        "tlsDetails".into(),
        json!({
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("{}.{}.amazonaws.com", call.source.split('.').next().unwrap_or("ec2"), call.region)
        }),
    );
    r
}

/// `requestId` as EC2 responses carry it.
pub fn request_id(rng: &mut StdRng) -> String {
    uuid(rng)
}
