//! The event fixtures under tests/fixtures (hand-written to the MWAA
//! `Environment` shape) parse, keep unknown fields, and serialise back to the same value.

use serde_json::Value;
use vpcwarden_mwaa_event::{Desired, EndpointRole, MwaaStatusChange, Status};

fn detail(text: &str) -> Value {
    serde_json::from_str::<Value>(text).unwrap()["detail"].clone()
}

#[test]
fn pending_private_fixture() {
    let d = detail(include_str!(
        "../../../tests/fixtures/mwaa-pending-private.json"
    ));
    let parsed = MwaaStatusChange::from_value(&d).unwrap();
    assert_eq!(parsed.status, Some(Status::Pending));
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        d,
        "serialises back to the same value"
    );
    // Placeholders are not subnet ids: the check names the field.
    let err = parsed.environment(None).desired().unwrap_err();
    assert_eq!(err.field(), "detail.networkConfiguration.subnetIds[0]");

    let filled: Value = serde_json::from_str(
        &include_str!("../../../tests/fixtures/mwaa-pending-private.json")
            .replace("SUBNET_A", "subnet-0a")
            .replace("SUBNET_B", "subnet-0b")
            .replace("SECURITY_GROUP", "sg-0c"),
    )
    .unwrap();
    let Desired::Present(p) = MwaaStatusChange::from_value(&filled["detail"])
        .unwrap()
        .environment(None)
        .desired()
        .unwrap()
    else {
        panic!("PENDING must provision")
    };
    let roles: Vec<EndpointRole> = p.services.iter().map(|(r, _)| *r).collect();
    assert_eq!(roles, [EndpointRole::Database, EndpointRole::Webserver]);
    assert_eq!(p.environment.as_str(), "analytics-prod");
}

#[test]
fn deleted_fixture() {
    let d = detail(include_str!("../../../tests/fixtures/mwaa-deleted.json"));
    let parsed = MwaaStatusChange::from_value(&d).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), d);
    assert!(
        matches!(parsed.environment(None).desired().unwrap(), Desired::Absent(c) if c.environment.as_str() == "analytics-prod")
    );
}
