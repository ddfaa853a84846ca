//! Table-driven wildcard and evaluation cases (hand-written, following the
//! IAM documentation's matching rules).

use vpcwarden_policy::wildcard::{covers, matches, Case};
use vpcwarden_policy::{Caller, Decision, Policy, Request};

const Q: &str = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc123";

#[test]
fn wildcard_matches() {
    use Case::{Insensitive as I, Sensitive as S};
    let cases: &[(&str, &str, Case, bool)] = &[
        ("*", Q, S, true),
        ("arn:aws:sqs:*:*:airflow-celery-*", Q, S, true),
        (
            "arn:aws:sqs:*:*:airflow-celery-*",
            "arn:aws:sqs:eu-west-1:999999999999:airflow-celery-",
            S,
            true,
        ),
        (
            "arn:aws:sqs:*:*:airflow-celery-*",
            "arn:aws:sqs:us-east-1:123456789012:airflow-other",
            S,
            false,
        ),
        (
            "arn:aws:sqs:*:*:airflow-celery-*",
            "arn:aws:sns:us-east-1:123456789012:airflow-celery-x",
            S,
            false,
        ),
        ("arn:aws:sqs:*:*:Airflow-Celery-*", Q, S, false),
        (
            "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc12?",
            Q,
            S,
            true,
        ),
        (
            "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc1?",
            Q,
            S,
            false,
        ),
        (
            "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc123?",
            Q,
            S,
            false,
        ),
        ("arn:aws:sqs:us-east-?:*:*", Q, S, true),
        ("arn:aws:sqs:*", Q, S, true),
        ("*:airflow-celery-abc123", Q, S, true),
        ("arn:aws:sqs:us-east-1:123456789012:*abc*", Q, S, true),
        ("arn:aws:sqs:us-east-1:123456789012:*xyz*", Q, S, false),
        (
            "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc123",
            Q,
            S,
            true,
        ),
        ("**", "", S, true),
        ("?", "", S, false),
        ("", "", S, true),
        ("", "a", S, false),
        ("a*b*c", "abbbc", S, true),
        ("a*b*c", "acb", S, false),
        ("sqs:SendMessage", "sqs:sendmessage", I, true),
        ("SQS:*", "sqs:ReceiveMessage", I, true),
        ("sqs:*Message", "sqs:DeleteMessage", I, true),
        ("sqs:*Message", "sqs:DeleteMessageBatch", I, false),
        ("sqs:Get*", "sqs:GetQueueUrl", I, true),
        ("sqs:Send?essage", "sqs:SendMessage", I, true),
        ("sqs:SendMessage", "sqs:SendMessage", S, true),
        ("sqs:sendmessage", "sqs:SendMessage", S, false),
    ];
    for (pattern, value, case, want) in cases {
        assert_eq!(
            matches(pattern, value, *case),
            *want,
            "matches({pattern:?}, {value:?}, {case:?})"
        );
    }
}

#[test]
fn wildcard_containment() {
    use Case::Sensitive as S;
    let cases: &[(&str, &str, bool)] = &[
        ("*", "arn:aws:sqs:*:*:airflow-celery-*", true),
        (
            "arn:aws:sqs:*:*:airflow-*",
            "arn:aws:sqs:us-east-1:*:airflow-celery-*",
            true,
        ),
        (
            "arn:aws:sqs:*:*:airflow-celery-*",
            "arn:aws:sqs:*:*:*",
            false,
        ),
        ("arn:aws:sqs:*:*:airflow-celery-*", Q, true),
        ("a?c", "a?c", true),
        ("a?c", "a*c", false),
        ("a*", "a?", true),
        ("a*", "*b", false),
        ("*b", "a*", false),
    ];
    for (general, specific, want) in cases {
        assert_eq!(
            covers(general, specific, S),
            *want,
            "covers({general:?}, {specific:?})"
        );
    }
}

fn decide(policy: &str, caller: Caller<'_>, action: &str, resource: &str) -> Decision {
    Policy::parse(policy).unwrap().evaluate(&Request {
        caller,
        action,
        resource,
    })
}

#[test]
fn evaluation() {
    use Decision::*;
    let allow_wild = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:airflow-celery-*"}}"#;
    let deny_over_allow = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue","Resource":"*"}]}"#;
    let not_resource = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","NotResource":"arn:aws:sqs:*:*:secret-*"}}"#;
    let not_action = r#"{"Statement":{"Effect":"Allow","Principal":"*","NotAction":"sqs:Delete*","Resource":"*"}}"#;
    let conditional = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}}"#;
    let cond_deny = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}"#;
    let account_principal = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sqs:*","Resource":"*"}}"#;
    let aws_star = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":"*"}}"#;
    let not_principal = r#"{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/admin"},"Action":"sqs:*","Resource":"*"}}"#;
    let empty_resource =
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}}"#;
    let bad_effect =
        r#"{"Statement":{"Effect":"allow","Principal":"*","Action":"sqs:*","Resource":"*"}}"#;
    let role = "arn:aws:iam::123456789012:role/mwaa";
    let other = "arn:aws:iam::999999999999:role/x";

    let cases: Vec<(&str, Caller, &str, &str, Decision)> = vec![
        (
            allow_wild,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            allow_wild,
            Caller::Anyone,
            "SQS:sendmessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            allow_wild,
            Caller::Anyone,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:1:other",
            ImplicitDeny,
        ),
        (allow_wild, Caller::Anyone, "s3:GetObject", Q, ImplicitDeny),
        (
            deny_over_allow,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            deny_over_allow,
            Caller::Anyone,
            "sqs:DeleteQueue",
            Q,
            ExplicitDeny { statement: 1 },
        ),
        (
            deny_over_allow,
            Caller::Anyone,
            "sqs:deletequeue",
            Q,
            ExplicitDeny { statement: 1 },
        ),
        (
            not_resource,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            not_resource,
            Caller::Anyone,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:1:secret-q",
            ImplicitDeny,
        ),
        (
            not_action,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            not_action,
            Caller::Anyone,
            "sqs:DeleteMessage",
            Q,
            ImplicitDeny,
        ),
        (
            conditional,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Conditional {
                allows: vec![0],
                conditional_denies: vec![],
            },
        ),
        (
            cond_deny,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Conditional {
                allows: vec![0],
                conditional_denies: vec![1],
            },
        ),
        (
            account_principal,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            ImplicitDeny,
        ),
        (
            account_principal,
            Caller::Arn(role),
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            account_principal,
            Caller::Arn(other),
            "sqs:SendMessage",
            Q,
            ImplicitDeny,
        ),
        (
            aws_star,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            aws_star,
            Caller::Arn(other),
            "sqs:SendMessage",
            Q,
            Allowed { statement: 0 },
        ),
        (
            not_principal,
            Caller::Arn(other),
            "sqs:SendMessage",
            Q,
            ExplicitDeny { statement: 0 },
        ),
        (
            not_principal,
            Caller::Arn("arn:aws:iam::123456789012:role/admin"),
            "sqs:SendMessage",
            Q,
            ImplicitDeny,
        ),
        (
            empty_resource,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            ImplicitDeny,
        ),
        (
            bad_effect,
            Caller::Anyone,
            "sqs:SendMessage",
            Q,
            ImplicitDeny,
        ),
    ];
    for (policy, caller, action, resource, want) in cases {
        assert_eq!(
            decide(policy, caller, action, resource),
            want,
            "{policy} / {action} on {resource}"
        );
    }
}
