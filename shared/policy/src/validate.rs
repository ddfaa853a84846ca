//! Findings shaped like IAM Access Analyzer's `ValidatePolicy`: a finding
//! type, an issue code, a message and the location in the document.

use std::collections::HashMap;

use serde::Serialize;

use crate::arn::is_valid_resource;
use crate::error::ParseError;
use crate::model::{Effect, OneOrMany, Policy, Statement};

/// The character limit AWS applies to VPC endpoint policies.
pub const VPC_ENDPOINT_POLICY_MAX_CHARS: usize = 20_480;

/// Impact of a finding, as Access Analyzer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingType {
    /// Part of the policy does not work, or AWS rejects it.
    Error,
    /// The policy grants more than is likely intended.
    SecurityWarning,
    /// Not conforming to good practice.
    Warning,
    /// Stylistic.
    Suggestion,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Impact.
    pub finding_type: FindingType,
    /// Stable identifier, e.g. `MISSING_PRINCIPAL`.
    pub issue_code: &'static str,
    /// What is wrong and how to fix it.
    pub finding_details: String,
    /// JSON path, e.g. `$.Statement[0].Principal`.
    pub path: String,
}

/// Which kind of policy is being validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Identity-based (no Principal allowed).
    Identity,
    /// Resource-based (Principal required).
    Resource,
    /// VPC endpoint policy (Principal required, size limit 20,480 characters).
    VpcEndpoint,
}

/// Validation parameters.
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions {
    /// Policy kind.
    pub kind: PolicyKind,
    /// Maximum size in characters, whitespace included (as AWS counts for endpoint policies).
    pub max_chars: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            kind: PolicyKind::VpcEndpoint,
            max_chars: VPC_ENDPOINT_POLICY_MAX_CHARS,
        }
    }
}

/// Validates policy text. Findings are sorted by type (errors first), then path.
pub fn validate(text: &str, opts: &ValidateOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let chars = text.chars().count();
    if chars > opts.max_chars {
        out.push(finding(
            FindingType::Error,
            "POLICY_SIZE_EXCEEDED",
            format!(
                "the policy has {chars} characters; the limit is {}",
                opts.max_chars
            ),
            "$".into(),
        ));
    }
    match Policy::parse(text) {
        Ok(policy) => validate_policy(&policy, opts, &mut out),
        Err(e @ ParseError::NotJson { .. }) => out.push(finding(
            FindingType::Error,
            "JSON_SYNTAX_ERROR",
            e.to_string(),
            "$".into(),
        )),
        Err(e @ ParseError::WrongType { .. }) => out.push(finding(
            FindingType::Error,
            "INVALID_ELEMENT_TYPE",
            e.to_string(),
            e.path().to_string(),
        )),
    }
    out.sort_by(|a, b| {
        a.finding_type
            .cmp(&b.finding_type)
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}

fn finding(
    finding_type: FindingType,
    issue_code: &'static str,
    details: String,
    path: String,
) -> Finding {
    Finding {
        finding_type,
        issue_code,
        finding_details: details,
        path,
    }
}

fn statement_path(policy: &Policy, i: usize) -> String {
    match policy.statement {
        Some(OneOrMany::One(_)) => "$.Statement".into(),
        _ => format!("$.Statement[{i}]"),
    }
}

/// Validates an already parsed policy.
pub fn validate_policy(policy: &Policy, opts: &ValidateOptions, out: &mut Vec<Finding>) {
    match policy.version.as_deref() {
        Some("2012-10-17") => {}
        Some(v) => out.push(finding(
            FindingType::Warning,
            "OBSOLETE_VERSION",
            format!("Version {v:?}: use \"2012-10-17\" (older versions disable policy variables)"),
            "$.Version".into(),
        )),
        None => out.push(finding(
            FindingType::Warning,
            "MISSING_VERSION",
            "no Version: add \"Version\": \"2012-10-17\"".into(),
            "$".into(),
        )),
    }
    if policy.statements().is_empty() {
        out.push(finding(
            FindingType::Error,
            "EMPTY_STATEMENT",
            "the policy has no statement: add at least one".into(),
            if policy.statement.is_some() {
                "$.Statement".into()
            } else {
                "$".into()
            },
        ));
    }
    let mut sids: HashMap<&str, usize> = HashMap::new();
    for (i, st) in policy.statements().iter().enumerate() {
        let path = statement_path(policy, i);
        if let Some(sid) = st.sid.as_deref() {
            if let Some(first) = sids.insert(sid, i) {
                out.push(finding(
                    FindingType::Error,
                    "DUPLICATE_SID",
                    format!("Sid {sid:?} is also used by statement {first}: Sids must be unique"),
                    format!("{path}.Sid"),
                ));
            }
        }
        validate_statement(st, &path, opts, out);
    }
}

fn validate_statement(st: &Statement, path: &str, opts: &ValidateOptions, out: &mut Vec<Finding>) {
    match &st.effect {
        Some(Effect::Allow | Effect::Deny) => {}
        Some(Effect::Other(e)) => out.push(finding(
            FindingType::Error,
            "INVALID_EFFECT",
            format!("Effect {e:?}: use \"Allow\" or \"Deny\" (case-sensitive)"),
            format!("{path}.Effect"),
        )),
        None => out.push(finding(
            FindingType::Error,
            "MISSING_EFFECT",
            "the statement has no Effect".into(),
            path.to_string(),
        )),
    }
    let has_principal = st.principal.is_some() || st.not_principal.is_some();
    match (opts.kind, has_principal) {
        (PolicyKind::Resource | PolicyKind::VpcEndpoint, false) => out.push(finding(
            FindingType::Error,
            "MISSING_PRINCIPAL",
            "resource and VPC endpoint policies need a Principal in every statement (\"*\" for everyone)".into(),
            path.to_string(),
        )),
        (PolicyKind::Identity, true) => out.push(finding(
            FindingType::Error,
            "UNSUPPORTED_ELEMENT_PRINCIPAL",
            "identity policies cannot name a Principal".into(),
            format!("{path}.Principal"),
        )),
        _ => {}
    }
    if st.action.is_none() && st.not_action.is_none() {
        out.push(finding(
            FindingType::Error,
            "MISSING_ACTION",
            "the statement has neither Action nor NotAction".into(),
            path.to_string(),
        ));
    }
    if st.resource.is_none() && st.not_resource.is_none() && opts.kind != PolicyKind::Identity {
        out.push(finding(
            FindingType::Error,
            "MISSING_RESOURCE",
            "the statement has neither Resource nor NotResource".into(),
            path.to_string(),
        ));
    }
    for (field, list) in [
        ("Resource", &st.resource),
        ("NotResource", &st.not_resource),
    ] {
        let Some(list) = list else { continue };
        if list.is_empty() {
            out.push(finding(
                FindingType::Suggestion,
                "EMPTY_ARRAY_RESOURCE",
                format!("{field} is an empty array: the statement matches no resource"),
                format!("{path}.{field}"),
            ));
        }
        for (k, r) in list.iter().enumerate() {
            if !is_valid_resource(r) {
                let at = match list {
                    OneOrMany::One(_) => format!("{path}.{field}"),
                    OneOrMany::Many(_) => format!("{path}.{field}[{k}]"),
                };
                out.push(finding(
                    FindingType::Error,
                    "INVALID_ARN_RESOURCE",
                    format!("{r:?} is not an ARN: expected \"*\" or arn:partition:service:region:account:resource"),
                    at,
                ));
            }
        }
    }
    if let Some(cond) = &st.condition {
        for op in cond.keys() {
            if !is_known_operator(op) {
                out.push(finding(
                    FindingType::Error,
                    "UNKNOWN_CONDITION_OPERATOR",
                    format!("{op:?} is not an IAM condition operator"),
                    format!("{path}.Condition.{op}"),
                ));
            }
        }
    }
    let unconditional = st.condition.as_ref().is_none_or(|c| c.is_empty());
    let everyone = st.principal.as_ref().is_some_and(|p| p.is_everyone());
    let all_resources = st
        .resource
        .as_ref()
        .is_some_and(|r| r.iter().any(|x| x == "*"));
    if st.effect == Some(Effect::Allow) && everyone && all_resources && unconditional {
        out.push(finding(
            FindingType::SecurityWarning,
            "ALLOW_ANY_PRINCIPAL_ALL_RESOURCES",
            "Allow for every principal on every resource without a condition: list the resources, or add a condition such as aws:PrincipalOrgID".into(),
            path.to_string(),
        ));
    }
}

const OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Operators with the optional `ForAllValues:`/`ForAnyValue:` prefix and `IfExists` suffix.
fn is_known_operator(op: &str) -> bool {
    let op = op
        .strip_prefix("ForAllValues:")
        .or_else(|| op.strip_prefix("ForAnyValue:"))
        .unwrap_or(op);
    // `Null` takes no IfExists form.
    let base = match op.strip_suffix("IfExists") {
        Some("Null") => return false,
        Some(b) => b,
        None => op,
    };
    OPERATORS.contains(&base)
}
