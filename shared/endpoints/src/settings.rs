//! Knobs of a provisioning run, read by the entrypoints from flags or environment.

use std::sync::Arc;
use std::time::Duration;

use vpcwarden_policy::{Condition, Policy};

use crate::port::{Clock, SystemClock};

/// When an event is checked against the MWAA API (`VPCWARDEN_MWAA_LOOKUP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// `GetEnvironment` when the event lacks a field the decision needs, or is
    /// stale (older than this tool's last action for the environment). Default.
    Missing,
    /// `GetEnvironment` for every event: the event is only a trigger.
    Always,
    /// Never: act on the event alone (no MWAA permission needed).
    Never,
}

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
    /// How long a removal record stays on the SQS endpoint: longer than any
    /// invocation can run, so a slow concurrent writer cannot resurrect the ARN,
    /// and longer than EventBridge retries an event (24 h), so a late `PENDING`
    /// is recognised as stale.
    pub tombstone_ttl: Duration,
    /// VPC endpoint policy size limit (characters).
    pub max_policy_chars: usize,
    /// Conditions the queue grant must carry (`VPCWARDEN_STATEMENT_CONDITION`);
    /// `None`: the identity perimeter every Allow of the policy shares.
    pub statement_condition: Option<Condition>,
    /// When events are checked against `GetEnvironment`.
    pub lookup: Lookup,
    /// Role to read another account's environments, `{account}` replaced
    /// (`VPCWARDEN_MWAA_ROLE_ARN`).
    pub mwaa_role_template: Option<String>,
    /// Accounts the reconciler lists environments in (`VPCWARDEN_MWAA_ACCOUNTS`,
    /// comma-separated); empty: the function's own account.
    pub accounts: Vec<String>,
    /// An environment `PENDING` longer than this is reported (and alarmed on):
    /// MWAA fails it after 72 hours (`VPCWARDEN_PENDING_ALERT_SECS`).
    pub pending_alert: Duration,
    /// What time it is (the system's; a test's own).
    pub clock: Arc<dyn Clock>,
}

impl Settings {
    /// Defaults for AWS, with the region given.
    pub fn new(region: impl Into<String>) -> Self {
        Settings {
            dry_run: false,
            region: region.into(),
            settle: Duration::from_millis(1_000),
            max_policy_attempts: 12,
            tombstone_ttl: Duration::from_secs(25 * 3_600),
            max_policy_chars: vpcwarden_policy::validate::VPC_ENDPOINT_POLICY_MAX_CHARS,
            statement_condition: None,
            lookup: Lookup::Missing,
            mwaa_role_template: None,
            accounts: Vec::new(),
            pending_alert: Duration::from_secs(3_600),
            clock: Arc::new(SystemClock),
        }
    }

    /// Applies `DRY_RUN`, `VPCWARDEN_SETTLE_MS`, `VPCWARDEN_POLICY_ATTEMPTS`,
    /// `VPCWARDEN_TOMBSTONE_TTL_SECS`, `VPCWARDEN_STATEMENT_CONDITION`, `VPCWARDEN_MWAA_LOOKUP`,
    /// `VPCWARDEN_MWAA_ROLE_ARN`, `VPCWARDEN_MWAA_ACCOUNTS`, `VPCWARDEN_PENDING_ALERT_SECS` from a variable lookup (the process
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
            // An empty block would grant the queue with no condition at all: wider
            // than any perimeter. Unset it to carry the policy's own perimeter.
            if c.values().all(|keys| keys.is_empty()) {
                return Err(format!(
                    "VPCWARDEN_STATEMENT_CONDITION={text:?} names no condition; a grant under it would admit everyone the endpoint lets through. Name at least the policy's perimeter, or leave it unset"
                ));
            }
            self.statement_condition = Some(c);
        }
        if let Some(v) = get("VPCWARDEN_MWAA_LOOKUP").filter(|t| !t.trim().is_empty()) {
            self.lookup = match v.trim() {
                "missing" => Lookup::Missing,
                "always" => Lookup::Always,
                "never" => Lookup::Never,
                _ => {
                    return Err(format!(
                        "VPCWARDEN_MWAA_LOOKUP={v:?}: expected missing, always or never"
                    ))
                }
            };
        }
        if let Some(v) = get("VPCWARDEN_MWAA_ROLE_ARN").filter(|t| !t.trim().is_empty()) {
            let v = v.trim();
            if !(v.starts_with("arn:") && v.contains(":role/")) {
                return Err(format!(
                    "VPCWARDEN_MWAA_ROLE_ARN={v:?}: expected a role ARN, e.g. arn:aws:iam::{{account}}:role/vpcwarden-mwaa-read"
                ));
            }
            self.mwaa_role_template = Some(v.to_string());
        }
        if let Some(v) = get("VPCWARDEN_MWAA_ACCOUNTS") {
            self.accounts = Vec::new();
            for a in v.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "VPCWARDEN_MWAA_ACCOUNTS: {a:?} is not a 12-digit account id"
                    ));
                }
                if !self.accounts.iter().any(|x| x == a) {
                    self.accounts.push(a.to_string());
                }
            }
        }
        if let Some(s) = num("VPCWARDEN_PENDING_ALERT_SECS")? {
            self.pending_alert = Duration::from_secs(s);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::new("eu-west-1").with_env(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn mwaa_settings_are_read_and_bad_values_name_the_variable() {
        let s = with(&[
            ("VPCWARDEN_MWAA_LOOKUP", "always"),
            (
                "VPCWARDEN_MWAA_ROLE_ARN",
                "arn:aws:iam::{account}:role/vpcwarden-mwaa-read",
            ),
            (
                "VPCWARDEN_MWAA_ACCOUNTS",
                "111122223333, 444455556666,111122223333",
            ),
            ("VPCWARDEN_PENDING_ALERT_SECS", "600"),
        ])
        .unwrap();
        assert_eq!(s.lookup, Lookup::Always);
        assert_eq!(s.accounts, ["111122223333", "444455556666"]);
        assert_eq!(s.pending_alert, Duration::from_secs(600));
        let d = with(&[]).unwrap();
        assert_eq!(d.lookup, Lookup::Missing);
        assert!(d.accounts.is_empty() && d.mwaa_role_template.is_none());
        assert_eq!(d.tombstone_ttl, Duration::from_secs(25 * 3_600));
        for (var, value) in [
            ("VPCWARDEN_MWAA_LOOKUP", "sometimes"),
            ("VPCWARDEN_MWAA_ROLE_ARN", "vpcwarden-mwaa-read"),
            ("VPCWARDEN_MWAA_ACCOUNTS", "1111-2222-3333"),
            ("VPCWARDEN_PENDING_ALERT_SECS", "an hour"),
            ("VPCWARDEN_STATEMENT_CONDITION", "{}"),
            ("VPCWARDEN_STATEMENT_CONDITION", r#"{"StringEquals":{}}"#),
        ] {
            let err = with(&[(var, value)]).unwrap_err();
            assert!(err.contains(var), "{err}");
        }
    }
}
