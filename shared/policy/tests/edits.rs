//! allow_resource / remove_resource on every policy shape the provisioner meets.

use vpcwarden_policy::{diff, AllowSpec, Change, EditError, EditOutcome, Policy};

const Q: &str = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc";
const ACTIONS: &[&str] = &["sqs:SendMessage", "sqs:ReceiveMessage"];
const SPEC: AllowSpec<'static> = AllowSpec {
    actions: ACTIONS,
    sid: "VpcwardenMwaaQueues",
};

fn allow(text: &str) -> (Policy, EditOutcome) {
    let mut p = Policy::parse(text).unwrap();
    let out = p.allow_resource(Q, &SPEC).unwrap();
    (p, out)
}

#[test]
fn statement_object_resource_string_becomes_array() {
    let (p, out) = allow(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:123456789012:other"}}"#,
    );
    assert!(matches!(out, EditOutcome::Appended { statement: 0, .. }));
    assert_eq!(
        p.to_json(),
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:us-east-1:123456789012:other","{Q}"]}}}}"#
        )
    );
}

#[test]
fn empty_resource_array_gets_the_arn_and_returns_to_empty() {
    let text = r#"{"Statement":[{"Sid":"Queues","Effect":"Allow","Principal":"*","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":[]}]}"#;
    let (mut p, out) = allow(text);
    assert!(
        matches!(out, EditOutcome::Appended { statement: 0, ref sid, .. } if sid.as_deref() == Some("Queues"))
    );
    assert!(p.to_json().contains(&format!(r#""Resource":["{Q}"]"#)));
    let removed = p.remove_resource(Q, Some(SPEC.sid));
    assert_eq!(
        removed,
        vec![EditOutcome::Removed {
            statement: 0,
            sid: Some("Queues".into()),
            statement_removed: false
        }]
    );
    assert_eq!(p.to_json(), text);
}

#[test]
fn covered_by_wildcard_or_star_is_a_no_op() {
    for resource in ["*", "arn:aws:sqs:*:*:airflow-celery-*", Q] {
        let text = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"{resource}"}}]}}"#
        );
        let (p, out) = allow(&text);
        assert_eq!(
            out,
            EditOutcome::AlreadyCovered {
                statement: 0,
                sid: None,
                by: resource.to_string()
            }
        );
        assert_eq!(p.to_json(), text, "policy untouched");
    }
}

#[test]
fn conditional_allow_does_not_count_and_is_not_appended_to() {
    let text = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:*:*:x"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#;
    let (p, out) = allow(text);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 1,
            sid: SPEC.sid.into()
        }
    );
    assert_eq!(p.statements().len(), 2);
    assert!(
        p.statements()[0].resource.as_ref().unwrap().len() == 1,
        "conditional statement untouched"
    );
}

#[test]
fn statement_limited_to_a_principal_or_fewer_actions_is_not_widened() {
    let text = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/a"},"Action":"sqs:*","Resource":[]},
        {"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":[]},
        {"Effect":"Allow","Principal":"*","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":[]}]}"#;
    let (_, out) = allow(text);
    assert!(
        matches!(out, EditOutcome::Appended { statement: 2, .. }),
        "{out:?}"
    );
}

#[test]
fn own_statement_is_preferred_and_removed_when_empty() {
    let text = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}"#;
    let (mut p, out) = allow(text);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 1,
            sid: SPEC.sid.into()
        }
    );
    let second = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-def";
    let out2 = p.allow_resource(second, &SPEC).unwrap();
    assert!(matches!(out2, EditOutcome::Appended { statement: 1, .. }));
    p.remove_resource(Q, Some(SPEC.sid));
    p.remove_resource(second, Some(SPEC.sid));
    assert_eq!(p.to_json(), text);
}

#[test]
fn remove_takes_exact_arn_only_never_a_wildcard() {
    let text = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:*:*:airflow-celery-*","{Q}","arn:aws:sqs:us-east-1:123456789012:keep"]}}]}}"#
    );
    let mut p = Policy::parse(&text).unwrap();
    let out = p.remove_resource(Q, None);
    assert_eq!(out.len(), 1);
    assert_eq!(
        p.statements()[0].resource.as_ref().unwrap().as_slice(),
        [
            "arn:aws:sqs:*:*:airflow-celery-*",
            "arn:aws:sqs:us-east-1:123456789012:keep"
        ]
    );
    assert_eq!(p.remove_resource(Q, None), vec![EditOutcome::NotPresent]);
}

#[test]
fn deny_is_reported_not_overridden() {
    let mut p = Policy::parse(r#"{"Statement":[{"Sid":"NoCelery","Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:airflow-*"}]}"#).unwrap();
    let err = p.allow_resource(Q, &SPEC).unwrap_err();
    assert!(matches!(err, EditError::DeniedBy { index: 0, ref sid, .. } if sid == "NoCelery"));
    assert!(err.to_string().contains("NoCelery"));
}

#[test]
fn not_an_arn_is_rejected() {
    let mut p = Policy::parse(r#"{"Statement":[]}"#).unwrap();
    assert!(matches!(
        p.allow_resource("my-queue", &SPEC),
        Err(EditError::NotAnArn(_))
    ));
    assert!(matches!(
        p.allow_resource("*", &SPEC),
        Err(EditError::NotAnArn(_))
    ));
}

#[test]
fn missing_statement_gets_an_array() {
    let (p, out) = allow(r#"{"Version":"2012-10-17"}"#);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 0,
            sid: SPEC.sid.into()
        }
    );
    assert!(p
        .to_json()
        .starts_with(r#"{"Version":"2012-10-17","Statement":[{"Sid":"VpcwardenMwaaQueues""#));
}

#[test]
fn diff_lists_added_arn_by_path() {
    let before = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}]}"#,
    )
    .unwrap();
    let mut after = before.clone();
    after.allow_resource(Q, &SPEC).unwrap();
    assert_eq!(
        diff(&before, &after),
        vec![Change::Added {
            path: "$.Statement[0].Resource".into(),
            value: Q.into()
        }]
    );
    assert!(diff(&before, &before).is_empty());
}
