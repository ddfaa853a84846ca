//! Records from everything else an account does — most of any real trail —
//! including near misses the engines must not take for lifecycle events.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};

use crate::record::{hex, record, request_id, Call};

/// One record that is not an EIP lifecycle event.
pub fn noise(rng: &mut StdRng, account: &str, region: &str, time: DateTime<Utc>) -> Value {
    let pick = rng.random_range(0..10_000);
    let call = |source: &'static str, name: &'static str, read_only: bool| Call {
        account,
        region,
        time,
        source,
        name,
        read_only,
    };
    let rid = request_id(rng);
    match pick {
        0..=2499 => {
            let c = call("ec2.amazonaws.com", "DescribeInstances", true);
            let req = json!({"instancesSet": {}, "filterSet": {"items": [{"name": "tag:Environment", "valueSet": {"items": [{"value": "production"}]}}]}});
            record(rng, &c, req, Value::Null, None)
        }
        2500..=4499 => {
            let c = call("sts.amazonaws.com", "AssumeRole", false);
            let req = json!({"roleArn": format!("arn:aws:iam::{account}:role/app-{}", hex(rng, 4)), "roleSessionName": format!("botocore-session-{}", rng.random_range(1_600_000_000u64..1_800_000_000)), "durationSeconds": 3600});
            let resp = json!({"credentials": {"accessKeyId": format!("ASIA{}", hex(rng, 16).to_uppercase()), "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": "Nov 22, 2026, 1:00:00 PM"}, "assumedRoleUser": {"assumedRoleId": format!("AROA{}:session", hex(rng, 17).to_uppercase()), "arn": format!("arn:aws:sts::{account}:assumed-role/app/session")}});
            record(rng, &c, req, resp, None)
        }
        4500..=5999 => {
            let c = call("kms.amazonaws.com", "Decrypt", true);
            let req = json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:lambda:FunctionArn": format!("arn:aws:lambda:{region}:{account}:function:worker-{}", hex(rng, 6))}});
            record(rng, &c, req, Value::Null, None)
        }
        6000..=7199 => {
            let c = call("logs.amazonaws.com", "CreateLogStream", false);
            let req = json!({"logGroupName": format!("/aws/lambda/worker-{}", hex(rng, 6)), "logStreamName": format!("2026/11/22/[$LATEST]{}", hex(rng, 32))});
            record(rng, &c, req, Value::Null, None)
        }
        7200..=7999 => {
            let c = call("s3.amazonaws.com", "GetBucketAcl", true);
            let req = json!({"bucketName": format!("data-{}", hex(rng, 8)), "Host": "s3.amazonaws.com", "acl": ""});
            record(rng, &c, req, Value::Null, None)
        }
        8000..=8699 => {
            // Near miss: an EIP read call.
            let c = call("ec2.amazonaws.com", "DescribeAddresses", true);
            let req = json!({"allocationIdsSet": {}, "filterSet": {}, "publicIpsSet": {}});
            record(rng, &c, req, Value::Null, None)
        }
        8700..=9199 => {
            let c = call("ec2.amazonaws.com", "DescribeNatGateways", true);
            let req = json!({"DescribeNatGatewaysRequest": {"MaxResults": 1000}});
            record(rng, &c, req, Value::Null, None)
        }
        9200..=9229 => {
            // Failed calls of a relevant name (0.3%): ignored by both engines.
            let c = call("ec2.amazonaws.com", "AssociateAddress", false);
            let req = json!({"allocationId": format!("eipalloc-{}", hex(rng, 17)), "instanceId": format!("i-{}", hex(rng, 17))});
            record(
                rng,
                &c,
                req,
                Value::Null,
                Some((
                    "Client.InvalidAllocationID.NotFound",
                    "The allocation ID does not exist",
                )),
            )
        }
        9230..=9249 => {
            // A load balancer with AWS-assigned addresses: no Elastic IP involved.
            let c = call(
                "elasticloadbalancing.amazonaws.com",
                "CreateLoadBalancer",
                false,
            );
            let name = format!("alb-{}", hex(rng, 6));
            let arn = format!(
                "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{}",
                hex(rng, 16)
            );
            let req = json!({"name": name, "subnets": [format!("subnet-{}", hex(rng, 17)), format!("subnet-{}", hex(rng, 17))], "scheme": "internet-facing", "type": "application"});
            let resp = json!({"loadBalancers": [{"loadBalancerArn": arn, "type": "application", "loadBalancerName": name}]});
            record(rng, &c, req, resp, None)
        }
        9250..=9259 => {
            // A private NAT gateway holds no Elastic IP.
            let c = call("ec2.amazonaws.com", "CreateNatGateway", false);
            let id = format!("nat-{}", hex(rng, 17));
            let req = json!({"CreateNatGatewayRequest": {"SubnetId": format!("subnet-{}", hex(rng, 17)), "ConnectivityType": "private"}});
            let resp = json!({"CreateNatGatewayResponse": {"requestId": rid, "natGateway": {"natGatewayId": id, "connectivityType": "private", "state": "pending", "natGatewayAddressSet": {"item": {"privateIp": "10.0.3.7", "isPrimary": true}}}}});
            record(rng, &c, req, resp, None)
        }
        9260..=9279 => {
            // Auto Scaling at work (0.2% of records): instances launched, stopped,
            // started and terminated that hold no Elastic IP. Stop, start and
            // terminate are lifecycle events (an address may sit on any
            // instance), so files holding them cannot be skipped whole.
            let (name, state, before) = match pick {
                9260..=9269 => ("RunInstances", (0, "pending"), (0, "pending")),
                9270..=9274 => ("TerminateInstances", (32, "shutting-down"), (16, "running")),
                9275..=9277 => ("StopInstances", (64, "stopping"), (16, "running")),
                _ => ("StartInstances", (0, "pending"), (80, "stopped")),
            };
            let c = Call {
                account,
                region,
                time,
                source: "ec2.amazonaws.com",
                name,
                read_only: false,
            };
            let instance = format!("i-{}", hex(rng, 17));
            let identity = "autoscaling.amazonaws.com";
            let (req, resp) = if name == "RunInstances" {
                (
                    json!({"instancesSet": {"items": [{"imageId": format!("ami-{}", hex(rng, 17)), "minCount": 1, "maxCount": 1}]},
                           "launchTemplate": {"launchTemplateId": format!("lt-{}", hex(rng, 17)), "version": "3"}, "subnetId": format!("subnet-{}", hex(rng, 17))}),
                    json!({"requestId": rid, "reservationId": format!("r-{}", hex(rng, 17)), "ownerId": account, "requesterId": "940372691376",
                           "instancesSet": {"items": [{"instanceId": instance, "currentState": {"code": state.0, "name": state.1}, "instanceType": "m6g.large",
                           "launchTime": time.timestamp_millis(), "networkInterfaceSet": {"items": [{"networkInterfaceId": format!("eni-{}", hex(rng, 17))}]}}]}}),
                )
            } else {
                (
                    json!({"instancesSet": {"items": [{"instanceId": instance}]}}),
                    json!({"requestId": rid, "instancesSet": {"items": [{"instanceId": instance,
                           "currentState": {"code": state.0, "name": state.1}, "previousState": {"code": before.0, "name": before.1}}]}}),
                )
            };
            let mut r = record(rng, &c, req, resp, None);
            r["userIdentity"]["invokedBy"] = json!(identity);
            r["userAgent"] = json!(identity);
            r
        }
        _ => {
            let c = call("monitoring.amazonaws.com", "PutMetricAlarm", false);
            let req = json!({"alarmName": format!("cpu-high-{}", hex(rng, 6)), "metricName": "CPUUtilization", "namespace": "AWS/EC2", "statistic": "Average", "period": 300, "threshold": 80.0, "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 3});
            record(rng, &c, req, Value::Null, None)
        }
    }
}
