//! What each documented status and access mode asks for. The details are
//! written by hand to the lower-camel form of GetEnvironment's members (AWS
//! publishes no event schema: ../shared/MWAA-FACTS.md).

use serde_json::{json, Value};
use vpcwarden_mwaa_event::{Desired, EndpointRole, MwaaStatusChange, Status};

fn detail(status: &str, mode: &str) -> Value {
    json!({
        "name": "etl-prod",
        "arn": "arn:aws:airflow:us-east-1:111122223333:environment/etl-prod",
        "status": status,
        "endpointManagement": "CUSTOMER",
        "webserverAccessMode": mode,
        "celeryExecutorQueue": "arn:aws:sqs:us-east-1:999988887777:airflow-celery-abc",
        "databaseVpcEndpointService": "com.amazonaws.vpce.us-east-1.vpce-svc-0db",
        "webserverVpcEndpointService": "com.amazonaws.vpce.us-east-1.vpce-svc-0web",
        "networkConfiguration": {"subnetIds": ["subnet-0b", "subnet-0a"], "securityGroupIds": ["sg-01"]}
    })
}

fn desired(d: &Value) -> Desired {
    MwaaStatusChange::from_value(d)
        .unwrap()
        .environment(None)
        .desired()
        .unwrap()
}

fn roles(d: &Desired) -> Vec<EndpointRole> {
    match d {
        Desired::Present(p) => p.services.iter().map(|(r, _)| *r).collect(),
        other => panic!("expected endpoints, got {other:?}"),
    }
}

#[test]
fn every_status_where_the_environment_runs_or_will_run_keeps_its_endpoints() {
    for status in [
        "PENDING",
        "CREATING",
        "AVAILABLE",
        "UPDATING",
        "UNAVAILABLE",
        "UPDATE_FAILED",
        "ROLLING_BACK",
        "CREATING_SNAPSHOT",
        "MAINTENANCE",
    ] {
        let d = desired(&detail(status, "PUBLIC_ONLY"));
        assert_eq!(roles(&d), [EndpointRole::Database], "{status}");
        let Desired::Present(p) = d else {
            unreachable!()
        };
        assert_eq!(p.status, status);
        assert_eq!(p.account.as_deref(), Some("111122223333"), "from the ARN");
        assert_eq!(
            p.subnets.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ["subnet-0a", "subnet-0b"]
        );
    }
}

#[test]
fn failed_deleting_and_deleted_environments_are_cleaned_up_without_network_fields() {
    for status in ["CREATE_FAILED", "DELETING", "DELETED"] {
        let d = desired(&json!({"name": "etl-prod", "status": status}));
        let Desired::Absent(c) = d else {
            panic!("{status}: {d:?}")
        };
        assert_eq!(c.environment.as_str(), "etl-prod");
        assert!(c.reason.contains(status));
    }
}

#[test]
fn every_documented_status_is_decided_and_an_unknown_one_changes_nothing() {
    for s in Status::known() {
        let d = desired(&detail(s.as_str(), "PRIVATE_ONLY"));
        assert!(
            !matches!(d, Desired::Unmanaged { .. }),
            "{s:?} left undecided"
        );
    }
    let d = desired(&detail("HIBERNATING", "PRIVATE_ONLY"));
    assert!(
        matches!(&d, Desired::Unmanaged { reason, .. } if reason.contains("HIBERNATING")),
        "{d:?}"
    );
}

#[test]
fn both_private_access_modes_need_the_webserver_endpoint() {
    for mode in ["PRIVATE_ONLY", "PUBLIC_AND_PRIVATE"] {
        let d = desired(&detail("PENDING", mode));
        assert_eq!(
            roles(&d),
            [EndpointRole::Database, EndpointRole::Webserver],
            "{mode}"
        );
        let mut without = detail("PENDING", mode);
        without
            .as_object_mut()
            .unwrap()
            .remove("webserverVpcEndpointService");
        let err = MwaaStatusChange::from_value(&without)
            .unwrap()
            .environment(None)
            .desired()
            .unwrap_err();
        assert_eq!(err.field(), "detail.webserverVpcEndpointService", "{mode}");
        assert!(err.to_string().contains(mode), "{err}");
    }
    assert_eq!(
        roles(&desired(&detail("PENDING", "PUBLIC_ONLY"))),
        [EndpointRole::Database]
    );
}

#[test]
fn an_unknown_access_mode_never_fails_and_follows_the_webserver_service() {
    let d = desired(&detail("PENDING", "PRIVATE_WITH_EXTRAS"));
    assert_eq!(roles(&d), [EndpointRole::Database, EndpointRole::Webserver]);
    let Desired::Present(p) = &d else {
        unreachable!()
    };
    assert!(
        p.warnings[0].contains("PRIVATE_WITH_EXTRAS"),
        "{:?}",
        p.warnings
    );

    let mut no_web = detail("PENDING", "PRIVATE_WITH_EXTRAS");
    no_web
        .as_object_mut()
        .unwrap()
        .remove("webserverVpcEndpointService");
    let d = desired(&no_web);
    assert_eq!(roles(&d), [EndpointRole::Database]);
    let Desired::Present(p) = &d else {
        unreachable!()
    };
    assert_eq!(p.warnings.len(), 1);
}

#[test]
fn service_managed_environments_are_left_to_mwaa() {
    let mut d = detail("PENDING", "PRIVATE_ONLY");
    d["endpointManagement"] = json!("SERVICE");
    assert!(matches!(desired(&d), Desired::Unmanaged { .. }));
}
