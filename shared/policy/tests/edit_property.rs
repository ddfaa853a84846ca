//! Property: for generated SQS endpoint policies, `allow_resource` either
//! refuses (naming a Deny that really denies one of the actions) or leaves a
//! policy that allows every requested action on the queue for callers inside
//! the policy's perimeter, grants nothing new to anyone outside it, and
//! changes no decision about any other resource and no other statement.

use proptest::prelude::*;
use serde_json::{json, Value};
use vpcwarden_policy::{
    AllowSpec, Caller, Condition, Decision, EditError, EditOutcome, Effect, Policy, Request,
};

const Q: &str = "arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc";
const ACTIONS: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
];
const SPEC: AllowSpec<'static> = AllowSpec {
    actions: ACTIONS,
    sid: "VpcwardenMwaaCeleryQueues",
    condition: None,
    account: None,
};
/// Resources and actions whose decisions the edit must not change.
const OTHER_RESOURCES: &[&str] = &[
    "arn:aws:sqs:us-east-1:123456789012:airflow-celery-def",
    "arn:aws:sqs:us-east-1:123456789012:other",
    "arn:aws:s3:::bucket/key",
];
const PROBE_ACTIONS: &[&str] = &["sqs:SendMessage", "sqs:PurgeQueue", "s3:GetObject"];
const CALLERS: &[Caller<'static>] = &[
    Caller::Anyone,
    Caller::Arn("arn:aws:iam::123456789012:role/worker"),
];

fn statement() -> impl Strategy<Value = Value> {
    let effect = prop_oneof![3 => Just("Allow"), 1 => Just("Deny")];
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"AWS": "arn:aws:iam::123456789012:role/worker"})),
    ];
    let action = prop_oneof![
        Just(json!("*")),
        Just(json!("sqs:*")),
        Just(json!(ACTIONS)),
        Just(json!(["sqs:SendMessage", "sqs:ReceiveMessage"])),
        Just(json!("sqs:SendMessage")),
        Just(json!("sqs:Get*")),
        Just(json!("s3:GetObject")),
    ];
    let resource = prop_oneof![
        Just(json!([])),
        Just(json!("*")),
        Just(json!(Q)),
        Just(json!("arn:aws:sqs:*:*:airflow-celery-*")),
        Just(json!(["arn:aws:sqs:us-east-1:123456789012:other"])),
        Just(json!("arn:aws:s3:::bucket/*")),
    ];
    let condition = prop_oneof![
        3 => Just(None),
        2 => Just(Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-other"}}))),
        1 => Just(Some(json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}))),
        1 => Just(Some(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        1 => Just(Some(json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcd1234"}}))),
    ];
    let sid = prop_oneof![
        Just(None),
        Just(Some("VpcwardenMwaaCeleryQueues")),
        Just(Some("Other"))
    ];
    (effect, principal, action, resource, condition, sid).prop_map(|(e, p, a, r, c, sid)| {
        let mut st = serde_json::Map::new();
        if let Some(sid) = sid {
            st.insert("Sid".into(), json!(sid));
        }
        st.insert("Effect".into(), json!(e));
        st.insert("Principal".into(), p);
        st.insert("Action".into(), a);
        st.insert("Resource".into(), r);
        if let Some(c) = c {
            st.insert("Condition".into(), c);
        }
        Value::Object(st)
    })
}

fn policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(), 0..5)
        .prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

/// Allowed for a caller who meets `perimeter`: an Allow within it matches and
/// no Deny within it does (a conditional Deny outside it stays the owner's guard).
fn allowed_within(p: &Policy, action: &str, perimeter: &Condition) -> bool {
    let req = Request {
        caller: Caller::Anyone,
        action,
        resource: Q,
    };
    match p.evaluate_assuming(&req, perimeter) {
        Decision::Allowed { .. } => true,
        Decision::Conditional { allows, .. } => allows
            .iter()
            .any(|i| p.statements()[*i].condition_within(perimeter)),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn refused_or_allowed_for_every_action_and_nothing_else_changed(doc in policy()) {
        let before = Policy::parse(&doc.to_string()).unwrap();
        let mut after = before.clone();
        let perimeter = match before.perimeter(Some(SPEC.sid)) {
            Ok(p) => p,
            Err(e) => {
                prop_assert_eq!(after.allow_resource(Q, &SPEC), Err(e));
                prop_assert_eq!(after, before);
                return Ok(());
            }
        };
        match after.allow_resource(Q, &SPEC) {
            Err(EditError::DeniedBy { index, action, .. }) => {
                let req = Request { caller: Caller::Anyone, action: &action, resource: Q };
                prop_assert_eq!(
                    before.evaluate_assuming(&req, &perimeter),
                    Decision::ExplicitDeny { statement: index }
                );
                prop_assert_eq!(after, before, "a refused edit changes nothing");
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
            Ok(outcome) => {
                for a in ACTIONS {
                    prop_assert!(allowed_within(&after, a, &perimeter), "{a} not allowed after {outcome:?}: {}", after.to_json());
                }
                let touched = match &outcome {
                    EditOutcome::AlreadyCovered { .. } => {
                        prop_assert_eq!(&after, &before);
                        None
                    }
                    EditOutcome::Appended { statement, .. } | EditOutcome::Narrowed { statement, .. } => Some(*statement),
                    EditOutcome::AddedStatement { statement, .. } => {
                        prop_assert_eq!(*statement, before.statements().len());
                        Some(*statement)
                    }
                    other => { prop_assert!(false, "unexpected outcome {other:?}"); None }
                };
                // The one statement allowed to change besides the touched one:
                // this tool's own, written without the perimeter, now carrying it.
                let own = before.statements().iter().position(|s| {
                    s.sid.as_deref() == Some(SPEC.sid) && s.effect == Some(Effect::Allow) && s.condition.is_none()
                }).filter(|_| !perimeter.is_empty());
                for (i, st) in before.statements().iter().enumerate() {
                    if Some(i) == own {
                        let mut expected = st.clone();
                        expected.condition = Some(perimeter.clone());
                        let mut got = after.statements()[i].clone();
                        got.resource = expected.resource.clone();
                        prop_assert_eq!(got.condition, expected.condition, "own statement {} narrowed to the perimeter", i);
                    } else if Some(i) != touched {
                        prop_assert_eq!(st, &after.statements()[i], "statement {} changed", i);
                    }
                }
                for r in OTHER_RESOURCES {
                    for a in PROBE_ACTIONS {
                        for c in CALLERS {
                            let req = Request { caller: *c, action: a, resource: r };
                            if own.is_none() {
                                prop_assert_eq!(before.evaluate(&req), after.evaluate(&req), "{} {} changed", a, r);
                            } else {
                                // Narrowed: inside the perimeter nothing changes, outside nothing is gained.
                                prop_assert_eq!(before.evaluate_assuming(&req, &perimeter), after.evaluate_assuming(&req, &perimeter), "{} {} changed inside", a, r);
                                prop_assert!(!after.evaluate(&req).is_allowed() || before.evaluate(&req).is_allowed(), "{} {} widened", a, r);
                            }
                        }
                    }
                }
                // A policy with a perimeter grants nothing new to callers outside it.
                if !perimeter.is_empty() {
                    for a in ACTIONS {
                        let req = Request { caller: Caller::Anyone, action: a, resource: Q };
                        prop_assert!(!after.evaluate(&req).is_allowed() || before.evaluate(&req).is_allowed(), "{} widened", a);
                    }
                }
            }
        }
    }
}
