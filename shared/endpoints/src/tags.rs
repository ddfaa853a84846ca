//! Tags that mark the endpoints this tool owns.

use vpcwarden_mwaa_event::EndpointRole;

/// `vpcwarden:managed-by` = `vpcwarden`. IAM conditions in the deployment key on it.
pub const MANAGED_BY: &str = "vpcwarden:managed-by";
/// Environment name.
pub const ENVIRONMENT: &str = "vpcwarden:environment";
/// `database` or `webserver`.
pub const ROLE: &str = "vpcwarden:role";

/// Tags for a new endpoint.
pub fn endpoint_tags(environment: &str, role: EndpointRole) -> Vec<(String, String)> {
    vec![
        (
            "Name".into(),
            format!("mwaa-{environment}-{}", role.as_str()),
        ),
        (MANAGED_BY.into(), "vpcwarden".into()),
        (ENVIRONMENT.into(), environment.into()),
        (ROLE.into(), role.as_str().into()),
    ]
}

/// Tags that select an environment's endpoints (one role, or all).
pub fn selector(environment: &str, role: Option<EndpointRole>) -> Vec<(String, String)> {
    let mut t = vec![
        (MANAGED_BY.to_string(), "vpcwarden".to_string()),
        (ENVIRONMENT.to_string(), environment.to_string()),
    ];
    if let Some(role) = role {
        t.push((ROLE.into(), role.as_str().into()));
    }
    t
}
