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
/// CloudTrail `eventSource` of AWS Transfer Family.
pub const TRANSFER: &str = "transfer.amazonaws.com";

/// Every event this analysis reads, with the service that logs it: a record
/// counts only when both match (another service's event of the same name does not).
pub const EVENTS: [(&str, &str); 19] = [
    (EC2, "AllocateAddress"),
    (EC2, "AssociateAddress"),
    (EC2, "DisassociateAddress"),
    (EC2, "ReleaseAddress"),
    (EC2, "AcceptAddressTransfer"),
    (EC2, "CreateNatGateway"),
    (EC2, "DeleteNatGateway"),
    (EC2, "AssociateNatGatewayAddress"),
    (EC2, "DisassociateNatGatewayAddress"),
    (EC2, "TerminateInstances"),
    (EC2, "StopInstances"),
    (EC2, "StartInstances"),
    (EC2, "DeleteNetworkInterface"),
    (ELB, "CreateLoadBalancer"),
    (ELB, "DeleteLoadBalancer"),
    (ELB, "SetSubnets"),
    (TRANSFER, "CreateServer"),
    (TRANSFER, "UpdateServer"),
    (TRANSFER, "DeleteServer"),
];

/// The version of the event set and of what each event means: the event
/// store keeps days under `events/v<this>/`. Bump it whenever the events a
/// CloudTrail file yields could change (an entry of [`EVENTS`], a new
/// `EventKind`, a field read differently), so new code never reads days the
/// old code extracted. Version 1: the 19 events above.
pub const EVENTS_VERSION: u32 = 1;

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
    // Every allocation id under `v` (any key naming one, any list shape), checked.
    let allocs = |v: &Value| -> Result<Vec<AllocationId>, ExtractError> {
        let mut found = Vec::new();
        strings_under(v, &|k| contains_ignore_case(k, "allocationid"), &mut found);
        let mut out: Vec<AllocationId> = Vec::new();
        for s in found {
            let a = alloc(s)?;
            if !out.contains(&a) {
                out.push(a);
            }
        }
        Ok(out)
    };
    let instances = || -> Result<Vec<String>, ExtractError> {
        // The response says what the call did; a request alone still names them.
        let mut ids = Vec::new();
        for side in [resp, req] {
            strings_under(side, &|k| k.eq_ignore_ascii_case("instanceId"), &mut ids);
            if !ids.is_empty() {
                break;
            }
        }
        if ids.is_empty() {
            return Err(missing("requestParameters.instancesSet.items[].instanceId"));
        }
        let mut out: Vec<String> = ids.into_iter().map(str::to_string).collect();
        out.dedup();
        Ok(out)
    };

    let kind = match name {
        "AllocateAddress" => EventKind::Allocate {
            allocation: alloc(
                str_at(resp, &["allocationId"])
                    .ok_or_else(|| missing("responseElements.allocationId"))?,
            )?,
            public_ip: str_at(resp, &["publicIp"]).map(str::to_string),
        },
        "AcceptAddressTransfer" => {
            let t = resp.get("addressTransfer").unwrap_or(&Value::Null);
            EventKind::TransferAccept {
                allocation: alloc(
                    str_at(t, &["allocationId"])
                        .ok_or_else(|| missing("responseElements.addressTransfer.allocationId"))?,
                )?,
                public_ip: str_at(t, &["publicIp"])
                    .or_else(|| str_at(req, &["address"]))
                    .map(str::to_string),
            }
        }
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
            // The response's address set (one `item` or a list) names primary and
            // secondary addresses; the request (AllocationId, SecondaryAllocationId) when it does not.
            let mut allocations = allocs(nat.get("natGatewayAddressSet").unwrap_or(&Value::Null))?;
            if allocations.is_empty() {
                allocations = allocs(req)?;
            }
            if allocations.is_empty() {
                // A private NAT gateway holds no Elastic IP.
                return Ok(None);
            }
            EventKind::HoldCreate {
                holder: Target::NatGateway(nat_gateway.into()),
                allocations,
            }
        }
        "DeleteNatGateway" => EventKind::HoldEnd {
            holder: Target::NatGateway(
                str_at(req, &["DeleteNatGatewayRequest", "NatGatewayId"])
                    .ok_or_else(|| {
                        missing("requestParameters.DeleteNatGatewayRequest.NatGatewayId")
                    })?
                    .into(),
            ),
        },
        "AssociateNatGatewayAddress" | "DisassociateNatGatewayAddress" => {
            // Logged like CreateNatGateway (`…Request` / `…Response` wrappers) or flat: read either.
            let nat = str_under(req, "natGatewayId")
                .or_else(|| str_under(resp, "natGatewayId"))
                .ok_or_else(|| missing("requestParameters.*.NatGatewayId"))?;
            let holder = Target::NatGateway(nat.into());
            let from_response = allocs(resp)?;
            if name == "AssociateNatGatewayAddress" {
                let allocations = if from_response.is_empty() {
                    allocs(req)?
                } else {
                    from_response
                };
                if allocations.is_empty() {
                    // Private addresses only.
                    return Ok(None);
                }
                EventKind::HoldAdd {
                    holder,
                    allocations,
                }
            } else {
                let mut found = Vec::new();
                strings_under(
                    req,
                    &|k| contains_ignore_case(k, "associationid"),
                    &mut found,
                );
                let associations = found
                    .into_iter()
                    .map(AssociationId::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(bad)?;
                if from_response.is_empty() && associations.is_empty() {
                    return Err(missing("requestParameters.*.AssociationId"));
                }
                EventKind::HoldRemove {
                    holder,
                    allocations: from_response,
                    associations,
                }
            }
        }
        "TerminateInstances" => EventKind::InstancesTerminate {
            instances: instances()?,
        },
        "StopInstances" => EventKind::InstancesStop {
            instances: instances()?,
        },
        "StartInstances" => EventKind::InstancesStart {
            instances: instances()?,
        },
        "DeleteNetworkInterface" => EventKind::NetworkInterfaceDelete {
            network_interface: str_under(req, "networkInterfaceId")
                .ok_or_else(|| missing("requestParameters.networkInterfaceId"))?
                .into(),
        },
        "CreateLoadBalancer" => {
            let allocations = allocs(req.get("subnetMappings").unwrap_or(&Value::Null))?;
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
            EventKind::HoldCreate {
                holder: Target::LoadBalancer(load_balancer.into()),
                allocations,
            }
        }
        "SetSubnets" => {
            // The response's addresses are the balancer's whole set after the call;
            // the request's mappings add those it may not list yet.
            let mut allocations = allocs(resp)?;
            for a in allocs(req.get("subnetMappings").unwrap_or(&Value::Null))? {
                if !allocations.contains(&a) {
                    allocations.push(a);
                }
            }
            if allocations.is_empty() {
                // An application load balancer, or a network one without Elastic IPs:
                // nothing here says an address was dropped, so nothing is.
                return Ok(None);
            }
            EventKind::HoldSet {
                holder: Target::LoadBalancer(
                    str_at(req, &["loadBalancerArn"])
                        .ok_or_else(|| missing("requestParameters.loadBalancerArn"))?
                        .into(),
                ),
                allocations,
            }
        }
        "DeleteLoadBalancer" => EventKind::HoldEnd {
            holder: Target::LoadBalancer(
                str_at(req, &["loadBalancerArn"])
                    .ok_or_else(|| missing("requestParameters.loadBalancerArn"))?
                    .into(),
            ),
        },
        "CreateServer" | "UpdateServer" => {
            if !has_key_under(req, "addressAllocationIds") {
                // A public or VPC server without Elastic IPs, or an update leaving them as they are.
                return Ok(None);
            }
            let server = str_under(resp, "serverId")
                .or_else(|| str_under(req, "serverId"))
                .ok_or_else(|| missing("responseElements.serverId"))?;
            let allocations = allocs(req)?;
            if name == "CreateServer" && allocations.is_empty() {
                return Ok(None);
            }
            let holder = Target::TransferServer(server.into());
            if name == "CreateServer" {
                EventKind::HoldCreate {
                    holder,
                    allocations,
                }
            } else {
                EventKind::HoldSet {
                    holder,
                    allocations,
                }
            }
        }
        "DeleteServer" => EventKind::HoldEnd {
            holder: Target::TransferServer(
                str_under(req, "serverId")
                    .ok_or_else(|| missing("requestParameters.serverId"))?
                    .into(),
            ),
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

fn contains_ignore_case(key: &str, lower: &str) -> bool {
    key.len() >= lower.len()
        && key
            .as_bytes()
            .windows(lower.len())
            .any(|w| w.eq_ignore_ascii_case(lower.as_bytes()))
}

/// Collects every string under a key `key_matches` accepts, at any depth:
/// EC2 logs lists as `{"items": […]}`, `{"item": {…}}` (one element) or
/// `{"content": "…"}` (XML-converted), ELB and Transfer as plain arrays.
fn strings_under<'a>(v: &'a Value, key_matches: &dyn Fn(&str) -> bool, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if key_matches(k) {
                    all_strings(child, out);
                } else {
                    strings_under(child, key_matches, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| strings_under(i, key_matches, out)),
        _ => {}
    }
}

fn all_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) if !s.is_empty() => out.push(s),
        Value::Object(map) => map.values().for_each(|c| all_strings(c, out)),
        Value::Array(items) => items.iter().for_each(|c| all_strings(c, out)),
        _ => {}
    }
}

/// The first string under `key` (any case, any depth).
fn str_under<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    let mut found = Vec::new();
    strings_under(v, &|k| k.eq_ignore_ascii_case(key), &mut found);
    found.into_iter().next()
}

/// Whether `key` (any case) appears at any depth.
fn has_key_under(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(map) => map
            .iter()
            .any(|(k, c)| k.eq_ignore_ascii_case(key) || has_key_under(c, key)),
        Value::Array(items) => items.iter().any(|c| has_key_under(c, key)),
        _ => false,
    }
}

fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn event_name_key() -> &'static memchr::memmem::Finder<'static> {
    static KEY: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| memchr::memmem::Finder::new(b"\"eventName\""))
}

/// Cheap test on a whole file's text, before splitting it into records: true
/// when an `eventName` key anywhere names an event this analysis uses (the
/// test [`may_be_relevant`] makes per record, over the whole text at once:
/// one SIMD substring search, ~10 GB/s). Most delivery files of a real trail
/// hold none and are never split. False means no record in the text can matter.
pub fn text_may_be_relevant(text: &[u8]) -> bool {
    name_positions(text).next().is_some()
}

/// Where an `eventName` key naming one of [`EVENTS`] starts in `text`, in
/// order. Every record [`may_be_relevant`] keeps contains one of these
/// positions (it makes the same test).
pub fn name_positions(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    event_name_key()
        .find_iter(text)
        .filter(move |at| names_a_lifecycle_event(&text[at + b"\"eventName\"".len()..]))
}

/// Cheap test on raw record text before parsing it: finds each `eventName`
/// key with a SIMD substring search and compares its value with
/// [`EVENT_NAMES`]. Every occurrence counts, not only the first: a record
/// with the key twice parses to the last value, and the filter must never
/// drop what [`extract`] would keep (found by fuzzing). False means the
/// record cannot be one this analysis uses; `extract` has the final word (it
/// also checks the service and `errorCode`).
pub fn may_be_relevant(raw: &[u8]) -> bool {
    name_positions(raw).next().is_some()
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
