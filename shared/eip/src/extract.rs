//! CloudTrail record → [`LifecycleEvent`]. Both engines end here: the local
//! engine feeds whole records, the Athena engine rows rebuilt into the same
//! JSON fields, so they cannot disagree on what a record means.

use chrono::{DateTime, Utc};
use serde_json::Value;
use thiserror::Error;

use crate::event::{EventKind, LifecycleEvent, Target};
use crate::ids::{AllocationId, AssociationId, IdError};

/// CloudTrail `eventSource` of EC2.
pub const EC2: &str = "ec2.amazonaws.com";
/// CloudTrail `eventSource` of Elastic Load Balancing (v2).
pub const ELB: &str = "elasticloadbalancing.amazonaws.com";

/// Every event this analysis reads, with the service that logs it: a record
/// counts only when both match (another service's event of the same name does not).
pub const EVENTS: [(&str, &str); 8] = [
    (EC2, "AllocateAddress"),
    (EC2, "AssociateAddress"),
    (EC2, "DisassociateAddress"),
    (EC2, "ReleaseAddress"),
    (EC2, "CreateNatGateway"),
    (EC2, "DeleteNatGateway"),
    (ELB, "CreateLoadBalancer"),
    (ELB, "DeleteLoadBalancer"),
];

/// The names of [`EVENTS`] (the cheap pre-filter's patterns, the Athena query).
pub const EVENT_NAMES: [&str; EVENTS.len()] = {
    let mut out = [""; EVENTS.len()];
    let mut i = 0;
    while i < EVENTS.len() {
        out[i] = EVENTS[i].1;
        i += 1;
    }
    out
};

/// The services of [`EVENTS`], each once, in order of first appearance.
pub fn event_sources() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (source, _) in EVENTS {
        if !out.contains(&source) {
            out.push(source);
        }
    }
    out
}

/// A relevant record that does not have the documented shape.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExtractError {
    /// A field the event needs is absent or not a string.
    #[error("{event_name} record {event_id}: {field} is missing")]
    Missing {
        /// `eventName`.
        event_name: String,
        /// `eventID`.
        event_id: String,
        /// Path of the field.
        field: &'static str,
    },
    /// An id with the wrong shape.
    #[error("{event_name} record {event_id}: {source}")]
    BadId {
        /// `eventName`.
        event_name: String,
        /// `eventID`.
        event_id: String,
        /// What is wrong.
        source: IdError,
    },
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |cur, k| cur.get(*k))?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// Reads one CloudTrail record. `Ok(None)` for records this analysis does not
/// use: other services or events, and calls that failed (`errorCode` set).
pub fn extract(record: &Value) -> Result<Option<LifecycleEvent>, ExtractError> {
    let source = str_at(record, &["eventSource"]).unwrap_or_default();
    let name = str_at(record, &["eventName"]).unwrap_or_default();
    let relevant = EVENTS.contains(&(source, name));
    if !relevant || record.get("errorCode").is_some_and(|e| !e.is_null()) {
        return Ok(None);
    }
    let event_id = str_at(record, &["eventID"])
        .unwrap_or("(no eventID)")
        .to_string();
    let missing = |field: &'static str| ExtractError::Missing {
        event_name: name.into(),
        event_id: event_id.clone(),
        field,
    };
    let bad = |source: IdError| ExtractError::BadId {
        event_name: name.into(),
        event_id: event_id.clone(),
        source,
    };
    let req = record.get("requestParameters").unwrap_or(&Value::Null);
    let resp = record.get("responseElements").unwrap_or(&Value::Null);
    let alloc = |s: &str| AllocationId::parse(s).map_err(bad);

    let kind = match name {
        "AllocateAddress" => EventKind::Allocate {
            allocation: alloc(
                str_at(resp, &["allocationId"])
                    .ok_or_else(|| missing("responseElements.allocationId"))?,
            )?,
            public_ip: str_at(resp, &["publicIp"]).map(str::to_string),
        },
        "AssociateAddress" => {
            let target = match (
                str_at(req, &["instanceId"]),
                str_at(req, &["networkInterfaceId"]),
            ) {
                (Some(i), _) => Target::Instance(i.into()),
                (None, Some(n)) => Target::NetworkInterface(n.into()),
                (None, None) => {
                    return Err(missing("requestParameters.instanceId|networkInterfaceId"))
                }
            };
            EventKind::Associate {
                // EC2-Classic style calls name the public IP instead; they carry no allocation id and are not VPC addresses.
                allocation: alloc(
                    str_at(req, &["allocationId"])
                        .ok_or_else(|| missing("requestParameters.allocationId"))?,
                )?,
                association: str_at(resp, &["associationId"])
                    .map(AssociationId::parse)
                    .transpose()
                    .map_err(bad)?,
                target,
            }
        }
        "DisassociateAddress" => EventKind::Disassociate {
            association: AssociationId::parse(
                str_at(req, &["associationId"])
                    .ok_or_else(|| missing("requestParameters.associationId"))?,
            )
            .map_err(bad)?,
        },
        "ReleaseAddress" => EventKind::Release {
            allocation: alloc(
                str_at(req, &["allocationId"])
                    .ok_or_else(|| missing("requestParameters.allocationId"))?,
            )?,
        },
        "CreateNatGateway" => {
            let nat = resp
                .get("CreateNatGatewayResponse")
                .and_then(|r| r.get("natGateway"))
                .unwrap_or(&Value::Null);
            let nat_gateway = str_at(nat, &["natGatewayId"]).ok_or_else(|| {
                missing("responseElements.CreateNatGatewayResponse.natGateway.natGatewayId")
            })?;
            // The addresses: from the response's address set (one `item` or a list), else the request.
            let mut allocations = Vec::new();
            let items = nat.get("natGatewayAddressSet").and_then(|s| s.get("item"));
            for item in items.map(one_or_many).unwrap_or_default() {
                if let Some(a) = str_at(item, &["allocationId"]) {
                    allocations.push(alloc(a)?);
                }
            }
            if allocations.is_empty() {
                if let Some(a) = str_at(req, &["CreateNatGatewayRequest", "AllocationId"]) {
                    allocations.push(alloc(a)?);
                }
            }
            if allocations.is_empty() {
                // A private NAT gateway holds no Elastic IP.
                return Ok(None);
            }
            EventKind::NatGatewayCreate {
                nat_gateway: nat_gateway.into(),
                allocations,
            }
        }
        "DeleteNatGateway" => EventKind::NatGatewayDelete {
            nat_gateway: str_at(req, &["DeleteNatGatewayRequest", "NatGatewayId"])
                .ok_or_else(|| missing("requestParameters.DeleteNatGatewayRequest.NatGatewayId"))?
                .into(),
        },
        "CreateLoadBalancer" => {
            let mut allocations = Vec::new();
            for m in req
                .get("subnetMappings")
                .map(one_or_many)
                .unwrap_or_default()
            {
                if let Some(a) = str_at(m, &["allocationId"]) {
                    allocations.push(alloc(a)?);
                }
            }
            if allocations.is_empty() {
                // Most load balancers use AWS-assigned addresses, not Elastic IPs.
                return Ok(None);
            }
            let lbs = resp
                .get("loadBalancers")
                .map(one_or_many)
                .unwrap_or_default();
            let load_balancer = lbs
                .first()
                .and_then(|lb| str_at(lb, &["loadBalancerArn"]))
                .ok_or_else(|| missing("responseElements.loadBalancers[0].loadBalancerArn"))?;
            EventKind::LoadBalancerCreate {
                load_balancer: load_balancer.into(),
                allocations,
            }
        }
        "DeleteLoadBalancer" => EventKind::LoadBalancerDelete {
            load_balancer: str_at(req, &["loadBalancerArn"])
                .ok_or_else(|| missing("requestParameters.loadBalancerArn"))?
                .into(),
        },
        _ => return Ok(None),
    };
    let time: DateTime<Utc> = str_at(record, &["eventTime"])
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| missing("eventTime"))?;
    let account = str_at(record, &["recipientAccountId"])
        .or_else(|| str_at(record, &["userIdentity", "accountId"]))
        .ok_or_else(|| missing("recipientAccountId"))?;
    let region = str_at(record, &["awsRegion"]).ok_or_else(|| missing("awsRegion"))?;
    Ok(Some(LifecycleEvent {
        time,
        account: account.into(),
        region: region.into(),
        event_id,
        kind,
    }))
}

fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Cheap test on a whole file's text, before splitting it into records: true
/// when any event name this analysis uses appears as a JSON string. One
/// multi-pattern SIMD pass; most delivery files of a real trail hold none of
/// them and are never parsed. False means no record in the text can matter.
pub fn text_may_be_relevant(text: &[u8]) -> bool {
    static NAMES: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            aho_corasick::AhoCorasick::new(EVENT_NAMES.iter().map(|n| format!("\"{n}\"")))
                .expect("eight literal patterns build")
        })
        .is_match(text)
}

/// Cheap test on raw record text before parsing it: finds each `eventName`
/// key with a SIMD substring search and compares its value with
/// [`EVENT_NAMES`]. Every occurrence counts, not only the first: a record
/// with the key twice parses to the last value, and the filter must never
/// drop what [`extract`] would keep (found by fuzzing). False means the
/// record cannot be one this analysis uses; `extract` has the final word (it
/// also checks the service and `errorCode`).
pub fn may_be_relevant(raw: &[u8]) -> bool {
    static KEY: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let key = KEY.get_or_init(|| memchr::memmem::Finder::new(b"\"eventName\""));
    key.find_iter(raw)
        .any(|at| names_a_lifecycle_event(&raw[at + b"\"eventName\"".len()..]))
}

/// Is the JSON string value after a key (`: "…"`) one of [`EVENT_NAMES`]?
fn names_a_lifecycle_event(rest: &[u8]) -> bool {
    // Skip `:` and any whitespace up to the opening quote of the value.
    let Some(open) = rest.iter().position(|b| *b == b'"') else {
        return false;
    };
    if rest[..open]
        .iter()
        .any(|b| !(*b == b':' || b.is_ascii_whitespace()))
    {
        return false;
    }
    let value = &rest[open + 1..];
    let Some(close) = memchr::memchr(b'"', value) else {
        return false;
    };
    EVENT_NAMES.iter().any(|n| n.as_bytes() == &value[..close])
}
