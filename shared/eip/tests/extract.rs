//! CloudTrail records → lifecycle events. Records are written by hand to the
//! CloudTrail record shape (eventVersion 1.08+ envelope; request/response
//! elements as EC2 and ELBv2 log them).

use serde_json::{json, Value};
use vpcwarden_eip::extract::may_be_relevant;
use vpcwarden_eip::{extract, EventKind, ExtractError, Target};

fn record(source: &str, name: &str, req: Value, resp: Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "accountId": "123456789012", "arn": "arn:aws:sts::123456789012:assumed-role/ops/alice"},
        "eventTime": "2026-11-01T10:20:30Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": req,
        "responseElements": resp,
        "requestID": "6f1a0a8e-0000-4000-8000-000000000001",
        "eventID": format!("ev-{name}"),
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management"
    })
}

fn ec2(name: &str, req: Value, resp: Value) -> Value {
    record("ec2.amazonaws.com", name, req, resp)
}

fn kind(r: &Value) -> EventKind {
    extract(r).unwrap().expect("relevant record").kind
}

#[test]
fn lifecycle_records_become_events() {
    let alloc = ec2(
        "AllocateAddress",
        json!({"domain": "vpc"}),
        json!({"requestId": "r", "publicIp": "203.0.113.10", "domain": "vpc", "allocationId": "eipalloc-0a1", "networkBorderGroup": "eu-west-1", "publicIpv4Pool": "amazon"}),
    );
    let ev = extract(&alloc).unwrap().unwrap();
    assert_eq!(ev.region, "eu-west-1");
    assert_eq!(ev.account, "123456789012");
    assert_eq!(ev.time.to_rfc3339(), "2026-11-01T10:20:30+00:00");
    assert!(
        matches!(ev.kind, EventKind::Allocate { ref allocation, ref public_ip } if allocation.as_str() == "eipalloc-0a1" && public_ip.as_deref() == Some("203.0.113.10"))
    );

    let to_instance = ec2(
        "AssociateAddress",
        json!({"allocationId": "eipalloc-0a1", "instanceId": "i-0abc", "allowReassociation": false}),
        json!({"requestId": "r", "_return": true, "associationId": "eipassoc-0b2"}),
    );
    assert!(
        matches!(kind(&to_instance), EventKind::Associate { target: Target::Instance(ref i), association: Some(ref a), .. } if i == "i-0abc" && a.as_str() == "eipassoc-0b2")
    );

    let to_eni = ec2(
        "AssociateAddress",
        json!({"allocationId": "eipalloc-0a1", "networkInterfaceId": "eni-0c3"}),
        json!({"associationId": "eipassoc-0c3"}),
    );
    assert!(
        matches!(kind(&to_eni), EventKind::Associate { target: Target::NetworkInterface(ref n), .. } if n == "eni-0c3")
    );

    let dis = ec2(
        "DisassociateAddress",
        json!({"associationId": "eipassoc-0b2"}),
        json!({"_return": true}),
    );
    assert!(
        matches!(kind(&dis), EventKind::Disassociate { ref association } if association.as_str() == "eipassoc-0b2")
    );

    let rel = ec2(
        "ReleaseAddress",
        json!({"allocationId": "eipalloc-0a1"}),
        json!({"_return": true}),
    );
    assert!(
        matches!(kind(&rel), EventKind::Release { ref allocation } if allocation.as_str() == "eipalloc-0a1")
    );

    let nat = ec2(
        "CreateNatGateway",
        json!({"CreateNatGatewayRequest": {"SubnetId": "subnet-01", "AllocationId": "eipalloc-0d4", "ClientToken": "t"}}),
        json!({"CreateNatGatewayResponse": {"natGateway": {"natGatewayId": "nat-0e5", "natGatewayAddressSet": {"item": {"allocationId": "eipalloc-0d4", "isPrimary": true}}, "state": "pending"}}}),
    );
    assert!(
        matches!(kind(&nat), EventKind::NatGatewayCreate { ref nat_gateway, ref allocations } if nat_gateway == "nat-0e5" && allocations.len() == 1 && allocations[0].as_str() == "eipalloc-0d4")
    );

    let del_nat = ec2(
        "DeleteNatGateway",
        json!({"DeleteNatGatewayRequest": {"NatGatewayId": "nat-0e5"}}),
        json!({"DeleteNatGatewayResponse": {"natGatewayId": "nat-0e5"}}),
    );
    assert!(
        matches!(kind(&del_nat), EventKind::NatGatewayDelete { ref nat_gateway } if nat_gateway == "nat-0e5")
    );

    let nlb_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/edge/50dc6c495c0c9188";
    let nlb = record(
        "elasticloadbalancing.amazonaws.com",
        "CreateLoadBalancer",
        json!({"name": "edge", "type": "network", "subnetMappings": [{"subnetId": "subnet-01", "allocationId": "eipalloc-0f6"}, {"subnetId": "subnet-02", "allocationId": "eipalloc-0f7"}]}),
        json!({"loadBalancers": [{"loadBalancerArn": nlb_arn, "type": "network"}]}),
    );
    assert!(
        matches!(kind(&nlb), EventKind::LoadBalancerCreate { ref load_balancer, ref allocations } if load_balancer == nlb_arn && allocations.len() == 2)
    );

    let del_lb = record(
        "elasticloadbalancing.amazonaws.com",
        "DeleteLoadBalancer",
        json!({"loadBalancerArn": nlb_arn}),
        Value::Null,
    );
    assert!(
        matches!(kind(&del_lb), EventKind::LoadBalancerDelete { ref load_balancer } if load_balancer == nlb_arn)
    );
}

#[test]
fn failed_calls_noise_and_addressless_resources_are_not_events() {
    let mut failed = ec2(
        "AssociateAddress",
        json!({"allocationId": "eipalloc-0a1", "instanceId": "i-0abc"}),
        Value::Null,
    );
    failed["errorCode"] = json!("InvalidAllocationID.NotFound");
    failed["errorMessage"] = json!("The allocation ID 'eipalloc-0a1' does not exist");
    assert_eq!(extract(&failed).unwrap(), None);

    let noise = ec2(
        "RunInstances",
        json!({"instanceType": "t3.micro"}),
        json!({"ownerId": "123456789012"}),
    );
    assert_eq!(extract(&noise).unwrap(), None);
    assert!(!may_be_relevant(noise.to_string().as_bytes()));
    assert!(may_be_relevant(
        ec2("ReleaseAddress", json!({}), Value::Null)
            .to_string()
            .as_bytes()
    ));
    // Found by fuzzing: a record naming `eventName` twice parses to the last
    // value; the raw-text filter must not decide on the first alone.
    let twice = r#"{"eventSource":"ec2.amazonaws.com","eventName":"Rels.com","eventName":"ReleaseAddress","eventTime":"2021-07-19T12:25:06Z","eventID":"e-twice","awsRegion":"ap-northeast-1","recipientAccountId":"999999999999","requestParameters":{"allocationId":"eipalloc-044e12137f28d65f6"},"responseElements":{"_return":true}}"#;
    let parsed: Value = serde_json::from_str(twice).unwrap();
    assert!(extract(&parsed).unwrap().is_some());
    assert!(may_be_relevant(twice.as_bytes()));

    let s3 = record(
        "s3.amazonaws.com",
        "CreateLoadBalancer",
        json!({}),
        Value::Null,
    );
    assert_eq!(
        extract(&s3).unwrap(),
        None,
        "event names count only from their own service"
    );
    // EC2's events from ELB's source and ELB's from EC2's: not this analysis's.
    for (source, name) in [
        ("elasticloadbalancing.amazonaws.com", "AllocateAddress"),
        ("ec2.amazonaws.com", "CreateLoadBalancer"),
    ] {
        let crossed = record(
            source,
            name,
            json!({"allocationId": "eipalloc-0a1"}),
            Value::Null,
        );
        assert_eq!(extract(&crossed).unwrap(), None, "{source} {name}");
    }

    let private_nat = ec2(
        "CreateNatGateway",
        json!({"CreateNatGatewayRequest": {"SubnetId": "subnet-01", "ConnectivityType": "private"}}),
        json!({"CreateNatGatewayResponse": {"natGateway": {"natGatewayId": "nat-0e9", "natGatewayAddressSet": {"item": {"privateIp": "10.0.0.9"}}}}}),
    );
    assert_eq!(extract(&private_nat).unwrap(), None);

    let alb = record(
        "elasticloadbalancing.amazonaws.com",
        "CreateLoadBalancer",
        json!({"name": "web", "subnets": ["subnet-01", "subnet-02"]}),
        json!({"loadBalancers": [{"loadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1"}]}),
    );
    assert_eq!(extract(&alb).unwrap(), None);
}

#[test]
fn malformed_relevant_records_are_errors_naming_the_field() {
    let no_alloc = ec2(
        "AssociateAddress",
        json!({"instanceId": "i-0abc"}),
        json!({"associationId": "eipassoc-01"}),
    );
    assert_eq!(
        extract(&no_alloc).unwrap_err(),
        ExtractError::Missing {
            event_name: "AssociateAddress".into(),
            event_id: "ev-AssociateAddress".into(),
            field: "requestParameters.allocationId"
        }
    );
    let bad_assoc = ec2(
        "DisassociateAddress",
        json!({"associationId": "assoc-1"}),
        Value::Null,
    );
    let err = extract(&bad_assoc).unwrap_err();
    assert!(
        err.to_string()
            .contains("\"assoc-1\" is not a valid association id"),
        "{err}"
    );
    let mut no_time = ec2(
        "ReleaseAddress",
        json!({"allocationId": "eipalloc-0a1"}),
        Value::Null,
    );
    no_time["eventTime"] = json!("yesterday");
    assert!(extract(&no_time)
        .unwrap_err()
        .to_string()
        .contains("eventTime"));
}
