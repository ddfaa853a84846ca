//! allow_resource / remove_resource on every policy shape the provisioner meets.

use vpcwarden_policy::{
    diff, AllowSpec, Caller, Change, EditError, EditOutcome, ParseError, Policy, Request,
};

const Q: &str = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc";
const ACTIONS: &[&str] = &["sqs:SendMessage", "sqs:ReceiveMessage"];
const SPEC: AllowSpec<'static> = AllowSpec {
    actions: ACTIONS,
    sid: "VpcwardenMwaaQueues",
    condition: None,
    account: None,
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
fn a_condition_that_is_not_the_perimeter_does_not_count_and_is_not_appended_to() {
    let text = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":["arn:aws:sqs:*:*:x"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
    let (p, out) = allow(text);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 1,
            sid: SPEC.sid.into(),
            conditions: vec![],
        }
    );
    assert_eq!(p.statements().len(), 2);
    assert!(
        p.statements()[0].resource.as_ref().unwrap().len() == 1,
        "conditional statement untouched"
    );
    assert!(p.statements()[1].condition.is_none());
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
            sid: SPEC.sid.into(),
            conditions: vec![],
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
            sid: SPEC.sid.into(),
            conditions: vec![],
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

/// The issue's case: a Deny on one Celery action next to an Allow for another.
/// The old loop stopped at the first action that was neither allowed nor
/// denied and never saw the Deny.
#[test]
fn a_deny_on_any_one_action_refuses_the_whole_edit() {
    for denied in ACTIONS {
        let text = format!(
            r#"{{"Statement":[
            {{"Sid":"Recv","Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage","Resource":"{Q}"}},
            {{"Sid":"NoSend","Effect":"Deny","Principal":"*","Action":"{denied}","Resource":"{Q}"}}]}}"#
        );
        let mut p = Policy::parse(&text).unwrap();
        let before = p.clone();
        let err = p.allow_resource(Q, &SPEC).unwrap_err();
        assert!(
            matches!(err, EditError::DeniedBy { index: 1, ref sid, ref action, .. } if sid == "NoSend" && action == denied),
            "{err:?}"
        );
        assert_eq!(p, before, "nothing changed");
    }
}

/// AWS's data-perimeter endpoint policy: every Allow is limited to the
/// organization. The queue grant must stay inside it.
const PERIMETER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"AllowRequestsByOrgsIdentitiesToOrgsResources","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*",
   "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234","aws:ResourceOrgID":"o-abcd1234"}}},
  {"Sid":"AllowRequestsByAWSServicePrincipals","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*",
   "Condition":{"Bool":{"aws:PrincipalIsAWSService":"true"}}}]}"#;

#[test]
fn a_new_statement_carries_the_perimeter_every_allow_shares() {
    // Two Allows with different perimeters share none: the first alone has one.
    let one = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"Org","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
       "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234","aws:ResourceOrgID":"o-abcd1234"}}},
      {"Sid":"OrgToo","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:x",
       "Condition":{"StringEquals":{"AWS:PrincipalOrgId":["o-abcd1234"]},"Bool":{"aws:SecureTransport":"true"}}}]}"#;
    let (p, out) = allow(one);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 2,
            sid: SPEC.sid.into(),
            conditions: vec!["StringEquals aws:PrincipalOrgID = o-abcd1234".into()],
        }
    );
    let added = &p.statements()[2];
    assert!(p.to_json().contains(
        r#""Resource":["arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234"}}}"#
    ), "{}", p.to_json());
    // Inside the perimeter the queue is allowed; for anyone at all it is not.
    let req = |action| Request {
        caller: Caller::Anyone,
        action,
        resource: Q,
    };
    for a in ACTIONS {
        assert!(p
            .evaluate_assuming(&req(a), added.condition.as_ref().unwrap())
            .is_allowed());
        assert!(!p.evaluate(&req(a)).is_allowed());
    }
    // A second queue goes into the same statement, and its removal restores the text.
    let mut p2 = p.clone();
    let q2 = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-def";
    assert!(matches!(
        p2.allow_resource(q2, &SPEC).unwrap(),
        EditOutcome::Appended { statement: 2, .. }
    ));
    p2.remove_resource(q2, Some(SPEC.sid));
    p2.remove_resource(Q, Some(SPEC.sid));
    assert_eq!(p2.to_json(), Policy::parse(one).unwrap().to_json());
}

#[test]
fn a_perimeter_statement_that_lists_queues_is_appended_to() {
    let text = r#"{"Statement":[{"Sid":"Queues","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[],
      "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234"}}}]}"#;
    let (p, out) = allow(text);
    assert!(
        matches!(out, EditOutcome::Appended { statement: 0, ref conditions, .. }
        if conditions == &["StringEquals aws:PrincipalOrgID = o-abcd1234".to_string()]),
        "{out:?}"
    );
    assert_eq!(p.statements().len(), 1);
    // Now covered inside the perimeter: a second edit is a no-op.
    let mut again = p.clone();
    assert!(matches!(
        again.allow_resource(Q, &SPEC).unwrap(),
        EditOutcome::AlreadyCovered { statement: 0, .. }
    ));
    assert_eq!(again, p);
}

#[test]
fn the_data_perimeter_policy_gets_a_grant_inside_the_organization() {
    // Action "*" on Resource "*" needs the resource in the organization too
    // (aws:ResourceOrgID); MWAA's Celery queue lives in an AWS service account,
    // so it is granted apart, to the organization's callers only. The Allow
    // for AWS service principals draws no identity perimeter and does not
    // dilute it.
    let (p, out) = allow(PERIMETER);
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 2,
            sid: SPEC.sid.into(),
            conditions: vec!["StringEquals aws:PrincipalOrgID = o-abcd1234".into()],
        }
    );
    let req = |action| Request {
        caller: Caller::Anyone,
        action,
        resource: Q,
    };
    for a in ACTIONS {
        assert!(
            !p.evaluate(&req(a)).is_allowed(),
            "not for callers outside the organization"
        );
    }
}

#[test]
fn allows_with_different_perimeters_are_refused_unless_the_conditions_are_named() {
    let text = r#"{"Statement":[
      {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-one"}}},
      {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-two"}}}]}"#;
    let mut p = Policy::parse(text).unwrap();
    assert_eq!(
        p.allow_resource(Q, &SPEC),
        Err(EditError::NoCommonPerimeter)
    );
    let cond =
        Policy::parse_condition(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-one"}}"#).unwrap();
    let spec = AllowSpec {
        condition: Some(&cond),
        ..SPEC
    };
    assert!(matches!(
        p.allow_resource(Q, &spec).unwrap(),
        EditOutcome::AlreadyCovered { statement: 0, .. }
    ));
}

#[test]
fn a_conditional_deny_guard_stays_and_does_not_cause_repeated_appends() {
    let text = r#"{"Statement":[
      {"Sid":"Queues","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]},
      {"Sid":"OnlyOrg","Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
       "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abcd1234"}}}]}"#;
    let (p, out) = allow(text);
    assert!(matches!(out, EditOutcome::Appended { statement: 0, .. }));
    let mut again = p.clone();
    assert!(matches!(
        again.allow_resource(Q, &SPEC).unwrap(),
        EditOutcome::AlreadyCovered { .. }
    ));
    assert_eq!(again, p, "redelivery does not append the ARN twice");
}

#[test]
fn conditions_named_by_the_caller_replace_the_inferred_perimeter() {
    let cond = Policy::parse_condition(r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#).unwrap();
    let spec = AllowSpec {
        condition: Some(&cond),
        ..SPEC
    };
    let mut p = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[]}]}"#,
    )
    .unwrap();
    let out = p.allow_resource(Q, &spec).unwrap();
    assert_eq!(
        out,
        EditOutcome::AddedStatement {
            statement: 1,
            sid: SPEC.sid.into(),
            conditions: vec!["StringEquals aws:SourceVpc = vpc-1".into()],
        }
    );
    assert!(matches!(
        Policy::parse_condition(r#"{"StringEquals":{"aws:SourceVpc":7}}"#.replace('7', "[null]").as_str()),
        Err(ParseError::WrongType { ref path, .. }) if path == "$.StringEquals.aws:SourceVpc[0]"
    ));
}

/// The upgrade from a release that added its statement without the
/// perimeter (the widened perimeter this fixes): the tool's own statement is
/// narrowed to the perimeter, once, and a new queue joins it (no second
/// statement with the same Sid).
#[test]
fn the_tools_own_statement_written_without_the_perimeter_is_narrowed() {
    let old = format!(
        r#"{{"Statement":[
      {{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abcd1234"}}}}}},
      {{"Sid":"{}","Effect":"Allow","Principal":"*","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":["{Q}"]}}]}}"#,
        SPEC.sid
    );
    let mut p = Policy::parse(&old).unwrap();
    let out = p.allow_resource(Q, &SPEC).unwrap();
    assert_eq!(
        out,
        EditOutcome::Narrowed {
            statement: 1,
            sid: SPEC.sid.into(),
            conditions: vec!["StringEquals aws:PrincipalOrgID = o-abcd1234".into()],
        }
    );
    assert!(out.changed(), "the narrowed policy must be written");
    let req = |action| Request {
        caller: Caller::Anyone,
        action,
        resource: Q,
    };
    assert!(
        !p.evaluate(&req("sqs:SendMessage")).is_allowed(),
        "not outside the organization any more"
    );
    let mut again = p.clone();
    assert!(matches!(
        again.allow_resource(Q, &SPEC).unwrap(),
        EditOutcome::AlreadyCovered { statement: 1, .. }
    ));
    let q2 = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-def";
    let out = again.allow_resource(q2, &SPEC).unwrap();
    assert!(
        matches!(out, EditOutcome::Appended { statement: 1, .. }),
        "{out:?}"
    );
    assert_eq!(again.statements().len(), 2);
}

#[test]
fn a_named_condition_wider_than_the_perimeter_names_the_clauses_it_lacks() {
    let p = Policy::parse(
        r#"{"Statement":[{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":[],
        "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234","aws:SourceVpc":"vpc-1"}}}]}"#,
    )
    .unwrap();
    let named =
        Policy::parse_condition(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234"}}"#).unwrap();
    let err = p
        .clone()
        .allow_resource(
            Q,
            &AllowSpec {
                condition: Some(&named),
                ..SPEC
            },
        )
        .unwrap_err();
    assert_eq!(
        err,
        EditError::WiderThanPerimeter {
            statement: "Org".into(),
            lacking: vec!["StringEquals aws:SourceVpc = vpc-1".into()],
        }
    );
}
