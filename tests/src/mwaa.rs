//! The MWAA stand-in (scripts/mwaa_standin.py): environments put and deleted
//! by the tests, read by vpcwarden through the real aws-sdk-mwaa client. The
//! environments are written to GetEnvironment's documented `Environment`
//! shape (PascalCase members, botocore mwaa/2020-07-01).

use serde_json::{json, Value};

use crate::http::request;
use crate::standin;
use crate::world::Vpc;

/// The account moto gives the tests' own credentials.
pub const OWN: &str = crate::world::ACCOUNT;

/// Puts (creates or replaces) an environment in `account`'s `region`.
pub async fn put(account: &str, region: &str, env: &Value) {
    let name = env["Name"].as_str().expect("Name");
    let body = serde_json::to_vec(env).unwrap();
    let (status, v) = request(
        &standin("VPCWARDEN_MWAA_URL"),
        "PUT",
        &format!("/__env/{account}/{region}/{name}"),
        Some(&body),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{v}");
}

/// Deletes an environment (MWAA then answers ResourceNotFoundException).
pub async fn delete(account: &str, region: &str, name: &str) {
    request(
        &standin("VPCWARDEN_MWAA_URL"),
        "DELETE",
        &format!("/__env/{account}/{region}/{name}"),
        None,
    )
    .await
    .unwrap();
}

/// Calls served so far: `{"ListEnvironments": n, "GetEnvironment": n}`.
pub async fn calls() -> Value {
    crate::http::get(&standin("VPCWARDEN_MWAA_URL"), "/__calls")
        .await
        .unwrap()
}

/// A customer-managed environment in `vpc` as GetEnvironment returns it.
/// Service names and the queue follow [`crate::world::pending_detail`].
pub fn environment(account: &str, name: &str, vpc: &Vpc, status: &str, mode: &str) -> Value {
    let d = crate::world::pending_detail(name, vpc, true);
    let svc = |f: &str| d[f].as_str().unwrap().replace("us-east-1", &vpc.region);
    json!({
        "Name": name,
        "Arn": format!("arn:aws:airflow:{}:{account}:environment/{name}", vpc.region),
        "Status": status,
        "EndpointManagement": "CUSTOMER",
        "WebserverAccessMode": mode,
        "CeleryExecutorQueue": format!("arn:aws:sqs:{}:{}:airflow-celery-{name}", vpc.region, crate::world::ACCOUNT),
        "DatabaseVpcEndpointService": svc("databaseVpcEndpointService"),
        "WebserverVpcEndpointService": svc("webserverVpcEndpointService"),
        "NetworkConfiguration": {"SubnetIds": vpc.subnets, "SecurityGroupIds": [vpc.security_group]},
        "AirflowVersion": "3.2.0",
        "EnvironmentClass": "mw1.small"
    })
}

/// [`environment`] for `account`, with the environment's own queue and
/// endpoint services (two accounts' environments of one name have different ones).
pub fn participant(account: &str, name: &str, vpc: &Vpc, status: &str, mode: &str) -> Value {
    let mut e = environment(account, name, vpc, status, mode);
    let tag = &account[8..];
    for field in ["DatabaseVpcEndpointService", "WebserverVpcEndpointService"] {
        let svc = format!("{}{tag}", e[field].as_str().unwrap());
        e[field] = json!(svc);
    }
    e["CeleryExecutorQueue"] = json!(format!(
        "arn:aws:sqs:{}:999988887777:airflow-celery-{name}-{account}",
        vpc.region
    ));
    e
}

/// The `MWAA Environment Status Change` event MWAA would send for `env` (a
/// GetEnvironment description) in `status`, from the environment's account.
pub fn event(env: &Value, status: &str) -> Value {
    let arn = env["Arn"].as_str().unwrap();
    let account = arn.split(':').nth(4).unwrap();
    let region = arn.split(':').nth(3).unwrap();
    let net = &env["NetworkConfiguration"];
    json!({
        "version": "0",
        "id": format!("{}-{status}-{}", env["Name"].as_str().unwrap(), crate::unique("ev")),
        "detail-type": "MWAA Environment Status Change",
        "source": "aws.airflow",
        "account": account,
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [arn],
        "detail": {
            "name": env["Name"], "arn": arn, "status": status,
            "endpointManagement": env["EndpointManagement"],
            "webserverAccessMode": env["WebserverAccessMode"],
            "celeryExecutorQueue": env["CeleryExecutorQueue"],
            "databaseVpcEndpointService": env["DatabaseVpcEndpointService"],
            "webserverVpcEndpointService": env["WebserverVpcEndpointService"],
            "networkConfiguration": {"subnetIds": net["SubnetIds"], "securityGroupIds": net["SecurityGroupIds"]}
        }
    })
}

/// Makes `GetEnvironment` of one environment fail with a 500 from now on.
pub async fn break_environment(account: &str, region: &str, name: &str) {
    let (status, v) = request(
        &standin("VPCWARDEN_MWAA_URL"),
        "PUT",
        &format!("/__fail/{account}/{region}/{name}"),
        Some(b"{}"),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{v}");
}
