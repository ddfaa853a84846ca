//! Who an environment is. MWAA names are unique only within one account and
//! region: in a shared VPC, two participant accounts may each run `prod`.
//! Everything this tool records or matches (ledger keys, endpoint tags,
//! selectors, the reconciler's grouping) is keyed by [`EnvKey`].

use std::fmt;

use serde::Serialize;
use vpcwarden_mwaa_event::EnvironmentName;

use crate::error::ProvisionError;

/// (account, region, name): one MWAA environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EnvKey {
    /// The 12-digit account that owns the environment.
    pub account: String,
    /// Its region (the region of its VPC and of this tool's clients).
    pub region: String,
    /// Its name.
    pub name: EnvironmentName,
}

/// True for a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl EnvKey {
    /// The key of `name` in `account` (which must be known: without it two
    /// accounts' environments of one name cannot be told apart) and `region`.
    pub fn new(
        account: Option<&str>,
        region: &str,
        name: &EnvironmentName,
    ) -> Result<Self, ProvisionError> {
        match account {
            Some(a) if is_account_id(a) => Ok(EnvKey {
                account: a.to_string(),
                region: region.to_string(),
                name: name.clone(),
            }),
            other => Err(ProvisionError::NoAccount {
                environment: name.to_string(),
                found: other.map(str::to_string),
            }),
        }
    }

    /// The name as text.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }
}

impl fmt::Display for EnvKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.account, self.region, self.name)
    }
}
