//! Tags that mark the endpoints this tool owns.

use vpcwarden_mwaa_event::EndpointRole;

/// `vpcwarden:managed-by` = `vpcwarden`. IAM conditions in the deployment key on it.
pub const MANAGED_BY: &str = "vpcwarden:managed-by";
/// Environment name.
pub const ENVIRONMENT: &str = "vpcwarden:environment";
/// `database` or `webserver`.
pub const ROLE: &str = "vpcwarden:role";
/// Account that owns the environment (a shared VPC's participant), when known:
/// the reconciler asks that account whether the environment still exists.
pub const ACCOUNT: &str = "vpcwarden:account";

/// Tags for a new endpoint.
pub fn endpoint_tags(
    environment: &str,
    role: EndpointRole,
    account: Option<&str>,
) -> Vec<(String, String)> {
    let mut t = vec![
        (
            "Name".into(),
            format!("mwaa-{environment}-{}", role.as_str()),
        ),
        (MANAGED_BY.into(), "vpcwarden".into()),
        (ENVIRONMENT.into(), environment.into()),
        (ROLE.into(), role.as_str().into()),
    ];
    t.extend(account.map(|a| (ACCOUNT.to_string(), a.to_string())));
    t
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
