//! Tags that mark the endpoints this tool owns, keyed by the environment's
//! account and name (the region is the endpoint's own).

use vpcwarden_mwaa_event::EndpointRole;

use crate::identity::EnvKey;
use crate::port::EndpointInfo;

/// `vpcwarden:managed-by` = `vpcwarden`. IAM conditions in the deployment key on it.
pub const MANAGED_BY: &str = "vpcwarden:managed-by";
/// Environment name.
pub const ENVIRONMENT: &str = "vpcwarden:environment";
/// `database` or `webserver`.
pub const ROLE: &str = "vpcwarden:role";
/// Account that owns the environment (a shared VPC's participant). Part of
/// the environment's identity: endpoints written by earlier releases
/// without it are matched by their service and given it on the next touch.
pub const ACCOUNT: &str = "vpcwarden:account";

/// Tags for a new endpoint.
pub fn endpoint_tags(id: &EnvKey, role: EndpointRole) -> Vec<(String, String)> {
    vec![
        (
            "Name".into(),
            format!("mwaa-{}-{}", id.name(), role.as_str()),
        ),
        (MANAGED_BY.into(), "vpcwarden".into()),
        (ENVIRONMENT.into(), id.name().into()),
        (ROLE.into(), role.as_str().into()),
        (ACCOUNT.into(), id.account.clone()),
    ]
}

/// Tags that select an environment's endpoints (one role, or all).
pub fn selector(id: &EnvKey, role: Option<EndpointRole>) -> Vec<(String, String)> {
    let mut t = vec![
        (MANAGED_BY.to_string(), "vpcwarden".to_string()),
        (ENVIRONMENT.to_string(), id.name().to_string()),
        (ACCOUNT.to_string(), id.account.clone()),
    ];
    if let Some(role) = role {
        t.push((ROLE.into(), role.as_str().into()));
    }
    t
}

/// Made by this tool (any environment).
pub fn is_ours(e: &EndpointInfo) -> bool {
    e.tag(MANAGED_BY) == Some("vpcwarden")
}

/// Made by this tool for `id` (all its tags match).
pub fn is_for(e: &EndpointInfo, id: &EnvKey) -> bool {
    selector(id, None)
        .iter()
        .all(|(k, v)| e.tag(k) == Some(v.as_str()))
}

/// Made by an earlier release for an environment named `name`, without the
/// account tag: whose it is must be decided from other evidence.
pub fn is_legacy_for(e: &EndpointInfo, name: &str) -> bool {
    is_ours(e) && e.tag(ENVIRONMENT) == Some(name) && e.tag(ACCOUNT).is_none()
}
