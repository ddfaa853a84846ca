//! The accounts of an AWS Organization (`organizations:ListAccounts`), for a
//! snapshot of every account: active accounts are read; the others
//! (suspended, closing) cannot be, and are recorded as not read so a report
//! never takes their silence for "no addresses".

use vpcwarden_aws_setup::{aws_err, AwsError};

use crate::accounts::ScopeFailure;

/// An account as AWS Organizations lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    /// 12-digit id.
    pub id: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `PENDING_ACTIVATION`, `CLOSED`
    /// (AWS's `State`; its older `Status` where `State` is absent).
    pub state: String,
}

/// The organization's accounts, split into those to read and those that
/// cannot be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgAccounts {
    /// Active accounts, sorted.
    pub active: Vec<String>,
    /// The others, each with its state as the reason.
    pub inactive: Vec<ScopeFailure>,
}

/// Active accounts are read; any other state is recorded with its reason.
pub fn split_active(accounts: Vec<OrgAccount>) -> OrgAccounts {
    let mut out = OrgAccounts::default();
    for a in accounts {
        if a.state == "ACTIVE" {
            out.active.push(a.id);
        } else {
            out.inactive.push(ScopeFailure {
                reason: format!(
                    "account is {} in AWS Organizations: not read",
                    if a.state.is_empty() {
                        "in an unknown state"
                    } else {
                        &a.state
                    }
                ),
                account: a.id,
                region: None,
            });
        }
    }
    out.active.sort();
    out.active.dedup();
    out.inactive.sort();
    out
}

/// Every account of the organization (every page). Fails as a whole: without
/// the list no account is known, and a partial list would hide accounts.
pub async fn list_organization_accounts(
    client: &aws_sdk_organizations::Client,
) -> Result<Vec<OrgAccount>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_err("ListAccounts", e))?;
        for a in page.accounts() {
            let Some(id) = a.id() else { continue };
            let state = a
                .state()
                .map(|s| s.as_str().to_string())
                .or_else(|| {
                    #[allow(deprecated)]
                    a.status().map(|s| s.as_str().to_string())
                })
                .unwrap_or_default();
            out.push(OrgAccount {
                id: id.to_string(),
                state,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, state: &str) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            state: state.into(),
        }
    }

    #[test]
    fn only_active_accounts_are_read_and_the_others_say_why() {
        let got = split_active(vec![
            acct("222222222222", "ACTIVE"),
            acct("111111111111", "ACTIVE"),
            acct("333333333333", "SUSPENDED"),
            acct("444444444444", "PENDING_CLOSURE"),
            acct("111111111111", "ACTIVE"),
        ]);
        assert_eq!(got.active, vec!["111111111111", "222222222222"]);
        assert_eq!(got.inactive.len(), 2);
        assert_eq!(got.inactive[0].account, "333333333333");
        assert!(got.inactive[0].reason.contains("SUSPENDED"));
        assert!(got.inactive[1].reason.contains("PENDING_CLOSURE"));
        assert!(got.inactive.iter().all(|f| f.region.is_none()));
    }
}
