//! One test per finding: its issue code, its type and its JSON path.

use vpcwarden_policy::{validate, FindingType, PolicyKind, ValidateOptions};

fn findings(text: &str, kind: PolicyKind) -> Vec<(FindingType, &'static str, String)> {
    validate(
        text,
        &ValidateOptions {
            kind,
            max_chars: 20_480,
        },
    )
    .into_iter()
    .map(|f| (f.finding_type, f.issue_code, f.path))
    .collect()
}

fn has(text: &str, kind: PolicyKind, want: (FindingType, &str, &str)) {
    let got = findings(text, kind);
    assert!(
        got.iter()
            .any(|(t, c, p)| *t == want.0 && *c == want.1 && p == want.2),
        "expected {want:?} in {got:?}"
    );
}

const OK: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}]}"#;
use FindingType::*;
use PolicyKind::*;

#[test]
fn a_good_policy_has_no_findings() {
    assert!(findings(OK, VpcEndpoint).is_empty());
}

#[test]
fn not_json() {
    has(
        "{\"Statement\": [",
        VpcEndpoint,
        (Error, "JSON_SYNTAX_ERROR", "$"),
    );
}

#[test]
fn wrong_element_type() {
    has(
        r#"{"Statement":[{"Effect":"Allow","Resource":7}]}"#,
        VpcEndpoint,
        (Error, "INVALID_ELEMENT_TYPE", "$.Statement[0].Resource"),
    );
}

#[test]
fn missing_principal_in_endpoint_and_resource_policies() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#;
    has(
        text,
        VpcEndpoint,
        (Error, "MISSING_PRINCIPAL", "$.Statement[0]"),
    );
    has(
        text,
        Resource,
        (Error, "MISSING_PRINCIPAL", "$.Statement[0]"),
    );
    assert!(findings(text, Identity).is_empty());
}

#[test]
fn principal_in_identity_policy() {
    has(
        OK,
        Identity,
        (
            Error,
            "UNSUPPORTED_ELEMENT_PRINCIPAL",
            "$.Statement[0].Principal",
        ),
    );
}

#[test]
fn bad_and_missing_effect() {
    has(
        &OK.replace("\"Allow\"", "\"allow\""),
        VpcEndpoint,
        (Error, "INVALID_EFFECT", "$.Statement[0].Effect"),
    );
    has(
        &OK.replace("\"Effect\":\"Allow\",", ""),
        VpcEndpoint,
        (Error, "MISSING_EFFECT", "$.Statement[0]"),
    );
}

#[test]
fn empty_statement() {
    has(
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        VpcEndpoint,
        (Error, "EMPTY_STATEMENT", "$.Statement"),
    );
    has(
        r#"{"Version":"2012-10-17"}"#,
        VpcEndpoint,
        (Error, "EMPTY_STATEMENT", "$"),
    );
}

#[test]
fn duplicate_sid_points_at_the_second() {
    let text = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"A","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:r:1:a"},
        {"Sid":"A","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:r:1:b"}]}"#;
    has(
        text,
        VpcEndpoint,
        (Error, "DUPLICATE_SID", "$.Statement[1].Sid"),
    );
}

#[test]
fn malformed_arn_single_and_in_array() {
    has(
        &OK.replace("arn:aws:sqs:us-east-1:123456789012:q", "my-queue"),
        VpcEndpoint,
        (Error, "INVALID_ARN_RESOURCE", "$.Statement[0].Resource"),
    );
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:r:1:q","arn:aws:sqs"]}]}"#;
    has(
        text,
        VpcEndpoint,
        (Error, "INVALID_ARN_RESOURCE", "$.Statement[0].Resource[1]"),
    );
}

#[test]
fn unknown_condition_operator() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:r:1:q","Condition":{"StringEqual":{"aws:PrincipalOrgID":"o-1"},"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"x"}}}}"#;
    let got = findings(text, VpcEndpoint);
    assert_eq!(
        got,
        vec![(
            Error,
            "UNKNOWN_CONDITION_OPERATOR",
            "$.Statement.Condition.StringEqual".to_string()
        )]
    );
}

#[test]
fn allow_everyone_everything_is_a_security_warning() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}"#;
    has(
        text,
        VpcEndpoint,
        (
            SecurityWarning,
            "ALLOW_ANY_PRINCIPAL_ALL_RESOURCES",
            "$.Statement[0]",
        ),
    );
    let scoped = text.replace(
        "}]}",
        r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#,
    );
    assert!(
        findings(&scoped, VpcEndpoint).is_empty(),
        "a condition scopes it"
    );
}

#[test]
fn size_limit_is_a_parameter() {
    let got = validate(
        OK,
        &ValidateOptions {
            kind: VpcEndpoint,
            max_chars: 50,
        },
    );
    assert_eq!(got[0].issue_code, "POLICY_SIZE_EXCEEDED");
    assert_eq!(got[0].path, "$");
    assert!(got[0]
        .finding_details
        .contains(&format!("{} characters", OK.len())));
}

#[test]
fn missing_action_and_resource() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*"}]}"#;
    has(
        text,
        VpcEndpoint,
        (Error, "MISSING_ACTION", "$.Statement[0]"),
    );
    has(
        text,
        VpcEndpoint,
        (Error, "MISSING_RESOURCE", "$.Statement[0]"),
    );
}

#[test]
fn empty_resource_array_is_a_suggestion() {
    has(
        &OK.replace("\"arn:aws:sqs:us-east-1:123456789012:q\"", "[]"),
        VpcEndpoint,
        (
            Suggestion,
            "EMPTY_ARRAY_RESOURCE",
            "$.Statement[0].Resource",
        ),
    );
}

#[test]
fn version_findings() {
    has(
        &OK.replace("2012-10-17", "2008-10-17"),
        VpcEndpoint,
        (Warning, "OBSOLETE_VERSION", "$.Version"),
    );
    has(
        &OK.replace("\"Version\":\"2012-10-17\",", ""),
        VpcEndpoint,
        (Warning, "MISSING_VERSION", "$"),
    );
}
