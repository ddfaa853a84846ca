//! What would break if the address went: reverse DNS, Route 53 records,
//! security group rules naming it. None of them can see partners'
//! allow-lists or DNS outside Route 53: the grace period is for those.

use serde::{Deserialize, Serialize};

use crate::ports::{DnsRecord, SgRule};

/// One check made before a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Reverse DNS (PTR) set on the address.
    ReverseDns,
    /// A Route 53 record in the address's account names it.
    Route53,
    /// A security group rule in its account and region names its /32.
    SecurityGroups,
}

/// A check's result; a check that could not be made does not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Which.
    pub check: Check,
    /// Nothing found.
    pub passed: bool,
    /// What was found (or why it could not be checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `ec2-1-2-3-4`: the label EC2's public DNS names carry for an address.
pub fn ec2_dns_label(ip: &str) -> String {
    format!("ec2-{}", ip.replace('.', "-"))
}

/// Records whose value is the address, or a name that carries it (EC2's
/// public DNS name `ec2-a-b-c-d.…` as a CNAME or alias target).
pub fn dns_naming<'a>(records: &'a [DnsRecord], ip: &str) -> Vec<&'a DnsRecord> {
    let label = format!("{}.", ec2_dns_label(ip));
    records
        .iter()
        .filter(|r| {
            r.values.iter().any(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == ip || v.starts_with(&label)
            })
        })
        .collect()
}

/// Rules whose range is exactly the address's /32.
pub fn rules_naming<'a>(rules: &'a [SgRule], ip: &str) -> Vec<&'a SgRule> {
    let single = format!("{ip}/32");
    rules.iter().filter(|r| r.cidr == single).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: &str, values: &[&str]) -> DnsRecord {
        DnsRecord {
            zone: "example.com.".into(),
            private: false,
            name: "api.example.com.".into(),
            kind: kind.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_record_and_ec2_names_name_the_address_others_do_not() {
        let records = [
            rec("A", &["203.0.113.10"]),
            rec("CNAME", &["ec2-203-0-113-10.compute-1.amazonaws.com"]),
            rec("A", &["203.0.113.100"]),
            rec("CNAME", &["ec2-203-0-113-100.compute-1.amazonaws.com"]),
        ];
        let hits = dns_naming(&records, "203.0.113.10");
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits
            .iter()
            .all(|r| !r.values[0].contains("113-100") && r.values[0] != "203.0.113.100"));
    }

    #[test]
    fn only_the_exact_slash_32_is_the_address() {
        let rule = |cidr: &str| SgRule {
            group_id: "sg-1".into(),
            rule_id: "sgr-1".into(),
            cidr: cidr.into(),
            egress: false,
        };
        let rules = [
            rule("203.0.113.10/32"),
            rule("203.0.113.0/24"),
            rule("203.0.113.100/32"),
        ];
        assert_eq!(rules_naming(&rules, "203.0.113.10").len(), 1);
    }
}
