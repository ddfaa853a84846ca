//! Knobs of a provisioning run, read by the entrypoints from flags or environment.

use std::time::Duration;

use vpcwarden_policy::{Condition, Policy};

/// Run settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Report the plan and change nothing.
    pub dry_run: bool,
    /// Region of the EC2 client (names the SQS service `com.amazonaws.<region>.sqs`).
    pub region: String,
    /// Wait after a policy write before the verifying read; a random extra of up
    /// to the same again spreads concurrent writers apart.
    pub settle: Duration,
    /// Policy read-modify-write-verify rounds before giving up.
    pub max_policy_attempts: u32,
    /// How long a removal record stays on the SQS endpoint; longer than any
    /// invocation can run, so a slow concurrent writer cannot resurrect the ARN.
    pub tombstone_ttl: Duration,
    /// VPC endpoint policy size limit (characters).
    pub max_policy_chars: usize,
    /// Conditions the queue grant must carry (`VPCWARDEN_STATEMENT_CONDITION`);
    /// `None`: the identity perimeter every Allow of the policy shares.
    pub statement_condition: Option<Condition>,
}

impl Settings {
    /// Defaults for AWS, with the region given.
    pub fn new(region: impl Into<String>) -> Self {
        Settings {
            dry_run: false,
            region: region.into(),
            settle: Duration::from_millis(1_000),
            max_policy_attempts: 12,
            tombstone_ttl: Duration::from_secs(3_600),
            max_policy_chars: vpcwarden_policy::validate::VPC_ENDPOINT_POLICY_MAX_CHARS,
            statement_condition: None,
        }
    }

    /// Applies `DRY_RUN`, `VPCWARDEN_SETTLE_MS`, `VPCWARDEN_POLICY_ATTEMPTS`,
    /// `VPCWARDEN_TOMBSTONE_TTL_SECS`, `VPCWARDEN_STATEMENT_CONDITION` from a variable lookup (the process
    /// environment in production, a map in tests). Malformed values are errors.
    pub fn with_env(mut self, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        if let Some(v) = get("DRY_RUN") {
            self.dry_run = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "" | "0" | "false" | "no" => false,
                _ => return Err(format!("DRY_RUN={v:?}: expected true or false")),
            };
        }
        let num = |name: &str| -> Result<Option<u64>, String> {
            get(name)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("{name}={v:?}: expected a whole number"))
                })
                .transpose()
        };
        if let Some(ms) = num("VPCWARDEN_SETTLE_MS")? {
            self.settle = Duration::from_millis(ms);
        }
        if let Some(n) = num("VPCWARDEN_POLICY_ATTEMPTS")? {
            self.max_policy_attempts = n.clamp(1, 100) as u32;
        }
        if let Some(s) = num("VPCWARDEN_TOMBSTONE_TTL_SECS")? {
            self.tombstone_ttl = Duration::from_secs(s);
        }
        if let Some(text) = get("VPCWARDEN_STATEMENT_CONDITION").filter(|t| !t.trim().is_empty()) {
            let c = Policy::parse_condition(&text).map_err(|e| {
                format!("VPCWARDEN_STATEMENT_CONDITION: expected an IAM Condition block: {e}")
            })?;
            self.statement_condition = Some(c);
        }
        Ok(self)
    }
}
