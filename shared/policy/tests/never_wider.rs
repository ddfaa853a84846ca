//! Never wider than the policy, for every shape: after `allow_resource` of
//! the environment's queue for its account, no request that the policy did
//! not already allow is allowed, except the environment's own account's use
//! of its own queue, and that only from inside a perimeter some Allow of the
//! policy draws. Judged by an evaluator written for the test (tests/oracle)
//! over concrete request contexts, for generated policies with principals
//! (`NotPrincipal` included), `NotAction`, and arbitrary condition keys and
//! operators, some the crate does not model.

mod oracle;

use oracle::{allowed, conditions_hold, Ctx};
use proptest::prelude::*;
use serde_json::{json, Value};
use vpcwarden_policy::{AllowSpec, EditError, Policy};

/// The environment's account and queue.
const A: &str = "111122223333";
const Q: &str = "arn:aws:sqs:us-east-1:999988887777:airflow-celery-prod";
const ACCOUNTS: [&str; 3] = [A, "444455556666", "123456789012"];
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
    account: Some(A),
};
const PROBE_ACTIONS: &[&str] = &[
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:PurgeQueue",
    "s3:GetObject",
];
const RESOURCES: &[&str] = &[
    Q,
    "arn:aws:sqs:us-east-1:999988887777:airflow-celery-other",
    "arn:aws:sqs:us-east-1:123456789012:app",
    "arn:aws:s3:::bucket/key",
];
/// The data-perimeter keys, as the tests' own specification: whoever a
/// grant admits must meet every clause on these keys of some Allow.
const PERIMETER: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:sourcevpc",
    "aws:sourcevpce",
];

/// Every combination of account, role, network, tag and source address.
fn contexts() -> Vec<Ctx> {
    let mut out = Vec::new();
    for (i, account) in ACCOUNTS.iter().enumerate() {
        for role in ["app", "worker"] {
            for vpc in ["vpc-1", "vpc-2"] {
                for tag in [Some("data"), None] {
                    for ip in [[10, 0, 0, 5], [192, 168, 1, 1]] {
                        out.push(Ctx {
                            principal: format!("arn:aws:iam::{account}:role/{role}"),
                            account: account.to_string(),
                            org: if i < 2 { "o-abcd1234" } else { "o-other" }.into(),
                            vpc: vpc.into(),
                            vpce: format!("vpce-{}", &vpc[4..]),
                            tags: tag
                                .map(|t| ("team".to_string(), t.to_string()))
                                .into_iter()
                                .collect(),
                            ip,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Conditions as written in the field: the perimeter keys, principal
/// attributes, network, transport, and a key no request here carries.
fn clause() -> impl Strategy<Value = (String, String, Value)> {
    let c = |op: &str, key: &str, v: Value| (op.to_string(), key.to_string(), v);
    prop_oneof![
        Just(c("StringEquals", "aws:PrincipalOrgID", json!("o-abcd1234"))),
        Just(c("StringEquals", "aws:PrincipalOrgID", json!("o-other"))),
        Just(c(
            "StringNotEqualsIfExists",
            "aws:PrincipalOrgID",
            json!("o-abcd1234")
        )),
        Just(c(
            "StringEquals",
            "aws:PrincipalAccount",
            json!([A, "444455556666"])
        )),
        Just(c(
            "StringEquals",
            "aws:PrincipalAccount",
            json!("444455556666")
        )),
        Just(c("StringNotEquals", "aws:PrincipalAccount", json!(A))),
        Just(c("StringEquals", "aws:SourceVpc", json!("vpc-1"))),
        Just(c("StringEquals", "aws:SourceVpc", json!("vpc-2"))),
        Just(c("StringEquals", "aws:SourceVpce", json!("vpce-1"))),
        Just(c("StringLike", "aws:SourceVpce", json!("vpce-*"))),
        Just(c(
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::*:role/app")
        )),
        Just(c(
            "ArnNotLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::*:role/worker")
        )),
        Just(c("StringEquals", "aws:PrincipalTag/team", json!("data"))),
        Just(c(
            "ForAnyValue:StringEquals",
            "aws:PrincipalTag/team",
            json!(["data", "web"])
        )),
        Just(c("IpAddress", "aws:SourceIp", json!("10.0.0.0/8"))),
        Just(c("NotIpAddress", "aws:SourceIp", json!("10.0.0.0/8"))),
        Just(c("Bool", "aws:SecureTransport", json!("true"))),
        Just(c("Null", "aws:PrincipalTag/team", json!("false"))),
        Just(c(
            "StringEquals",
            "aws:CalledVia",
            json!("athena.amazonaws.com")
        )),
        Just(c(
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            json!("DATA")
        )),
    ]
}

/// Clauses as one Condition block (operator → key → values).
fn block(clauses: Vec<(String, String, Value)>) -> Value {
    let mut c = serde_json::Map::new();
    for (op, key, v) in clauses {
        c.entry(op)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .unwrap()
            .insert(key, v);
    }
    Value::Object(c)
}

fn statement() -> impl Strategy<Value = Value> {
    let effect = prop_oneof![4 => Just("Allow"), 1 => Just("Deny")];
    let who = prop_oneof![
        Just(("Principal", json!("*"))),
        Just(("Principal", json!({"AWS": "*"}))),
        Just((
            "Principal",
            json!({"AWS": "arn:aws:iam::444455556666:role/app"})
        )),
        Just((
            "Principal",
            json!({"AWS": format!("arn:aws:iam::{A}:role/worker")})
        )),
        Just(("Principal", json!({"AWS": "123456789012"}))),
        Just((
            "NotPrincipal",
            json!({"AWS": "arn:aws:iam::444455556666:role/app"})
        )),
    ];
    let what = prop_oneof![
        Just(("Action", json!("*"))),
        Just(("Action", json!("sqs:*"))),
        Just(("Action", json!(ACTIONS))),
        Just(("Action", json!(["sqs:SendMessage", "sqs:ReceiveMessage"]))),
        Just(("NotAction", json!("sqs:PurgeQueue"))),
        Just(("NotAction", json!("s3:*"))),
    ];
    let on = prop_oneof![
        Just(("Resource", json!([]))),
        Just(("Resource", json!("*"))),
        Just(("Resource", json!("arn:aws:sqs:*:*:airflow-celery-*"))),
        Just((
            "Resource",
            json!(["arn:aws:sqs:us-east-1:123456789012:app"])
        )),
        Just(("Resource", json!(Q))),
        Just(("NotResource", json!("arn:aws:s3:::*"))),
    ];
    let conditions = prop::collection::vec(clause(), 0..4);
    (effect, who, what, on, conditions).prop_map(|(e, who, what, on, conds)| {
        let mut st = serde_json::Map::new();
        st.insert("Effect".into(), json!(e));
        st.insert(who.0.into(), who.1);
        st.insert(what.0.into(), what.1);
        st.insert(on.0.into(), on.1);
        if !conds.is_empty() {
            st.insert("Condition".into(), block(conds));
        }
        Value::Object(st)
    })
}

fn policy() -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(), 0..5)
        .prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
}

/// The perimeter clauses of one statement's Condition, as a Condition block.
fn perimeter_of(st: &Value) -> Option<Value> {
    let mut out = serde_json::Map::new();
    for (op, keys) in st["Condition"].as_object()? {
        for (key, v) in keys.as_object()? {
            if PERIMETER.contains(&key.to_ascii_lowercase().as_str()) {
                out.entry(op.clone())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()?
                    .insert(key.clone(), v.clone());
            }
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// Inside a perimeter the policy draws: no Allow draws one, or `ctx` meets
/// every perimeter clause of some Allow that does.
fn inside(before: &Value, ctx: &Ctx) -> bool {
    let drawn: Vec<Value> = before["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|st| st["Effect"] == "Allow")
        .filter_map(perimeter_of)
        .collect();
    drawn.is_empty() || drawn.iter().any(|p| conditions_hold(Some(p), ctx))
}

/// What changed between `before` and `after`, judged by the oracle; an
/// error names the first request that shows the edit too wide.
fn judge(before: &Value, after: &Value, ctxs: &[Ctx]) -> Result<(), String> {
    for ctx in ctxs {
        for a in PROBE_ACTIONS {
            for r in RESOURCES {
                let (was, is) = (allowed(before, ctx, a, r), allowed(after, ctx, a, r));
                if was && !is {
                    return Err(format!("{} lost {a} on {r}", ctx.principal));
                }
                if is && !was {
                    let own = *r == Q && ctx.account == A;
                    if !own {
                        return Err(format!("{} gained {a} on {r}", ctx.principal));
                    }
                    if !inside(before, ctx) {
                        return Err(format!(
                            "{} (org {}, {}, {}) gained {a} on {r} from outside every perimeter the policy draws",
                            ctx.principal, ctx.org, ctx.vpc, ctx.vpce
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The grant works: every Celery action on the queue, for each of the
/// account's requests inside a perimeter the policy draws that no Deny stops.
fn works(before: &Value, after: &Value, ctxs: &[Ctx]) -> Result<(), String> {
    let denies_only = {
        let mut d = before.clone();
        if let Some(list) = d["Statement"].as_array_mut() {
            list.retain(|st| st["Effect"] == "Deny");
            list.push(json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}));
        }
        d
    };
    for ctx in ctxs.iter().filter(|c| c.account == A && inside(before, c)) {
        for a in ACTIONS {
            if allowed(&denies_only, ctx, a, Q) && !allowed(after, ctx, a, Q) {
                return Err(format!(
                    "{} cannot {a} its queue after the edit",
                    ctx.principal
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_edit_is_refused_or_grants_only_the_accounts_own_queue_inside_the_perimeter(doc in policy()) {
        let ctxs = contexts();
        let before = Policy::parse(&doc.to_string()).unwrap();
        let mut after = before.clone();
        match after.allow_resource(Q, &SPEC) {
            Err(EditError::NotAnArn(_)) => prop_assert!(false, "Q is an ARN"),
            Err(_) => prop_assert_eq!(&after, &before, "a refused edit changes nothing"),
            Ok(outcome) => {
                let after_doc: Value = serde_json::from_str(&after.to_json()).unwrap();
                let before_doc: Value = serde_json::from_str(&before.to_json()).unwrap();
                if let Err(e) = judge(&before_doc, &after_doc, &ctxs) {
                    prop_assert!(false, "{e} after {outcome:?}:\n{}", after.to_json());
                }
                if let Err(e) = works(&before_doc, &after_doc, &ctxs) {
                    prop_assert!(false, "{e} after {outcome:?}:\n{}", after.to_json());
                }
            }
        }
    }

    /// A condition a person names may narrow the grant, never widen it.
    #[test]
    fn a_named_condition_is_refused_or_no_wider(doc in policy(), named in prop::collection::vec(clause(), 0..3)) {
        let ctxs = contexts();
        let cond = Policy::parse_condition(&block(named).to_string()).unwrap();
        let spec = AllowSpec { condition: Some(&cond), ..SPEC };
        let before = Policy::parse(&doc.to_string()).unwrap();
        let mut after = before.clone();
        match after.allow_resource(Q, &spec) {
            Err(_) => prop_assert_eq!(&after, &before),
            Ok(outcome) => {
                prop_assert!(!cond.is_empty(), "an empty condition must be refused");
                let after_doc: Value = serde_json::from_str(&after.to_json()).unwrap();
                if let Err(e) = judge(&doc, &after_doc, &ctxs) {
                    prop_assert!(false, "{e} after {outcome:?}:\n{}", after.to_json());
                }
            }
        }
    }
}

/// The oracle itself can fail: the grant an earlier release wrote (for
/// everyone, without the perimeter) and one that drops a perimeter key are
/// both caught.
#[test]
fn the_oracle_catches_a_grant_without_scope_or_without_a_perimeter_key() {
    let ctxs = contexts();
    let before = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*",
        "Resource": ["arn:aws:sqs:us-east-1:123456789012:app"],
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:SourceVpc": "vpc-1"}}}]});
    let grant = |cond: Value| {
        let mut after = before.clone();
        after["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Effect": "Allow", "Principal": "*",
            "Action": ACTIONS, "Resource": [Q], "Condition": cond}));
        after
    };
    let scoped = grant(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:SourceVpc": "vpc-1", "aws:PrincipalAccount": A}}),
    );
    assert_eq!(judge(&before, &scoped, &ctxs), Ok(()));
    assert_eq!(works(&before, &scoped, &ctxs), Ok(()));
    let unscoped = grant(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:SourceVpc": "vpc-1"}}),
    );
    assert!(judge(&before, &unscoped, &ctxs)
        .unwrap_err()
        .contains("444455556666"));
    let no_vpc = grant(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:PrincipalAccount": A}}),
    );
    assert!(judge(&before, &no_vpc, &ctxs)
        .unwrap_err()
        .contains("outside every perimeter"));
}

/// Allows limited to two networks of one organization share only the
/// organization: a grant carrying just that would admit a third network.
#[test]
fn perimeters_that_share_less_than_any_one_of_them_are_refused() {
    let ctxs = contexts();
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": ["arn:aws:sqs:us-east-1:123456789012:app"],
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:SourceVpc": "vpc-1"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": ["arn:aws:sqs:us-east-1:123456789012:app"],
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcd1234", "aws:SourceVpce": "vpce-1"}}}]});
    let mut p = Policy::parse(&doc.to_string()).unwrap();
    assert_eq!(
        p.allow_resource(Q, &SPEC),
        Err(EditError::NoCommonPerimeter)
    );
    // Naming one of the two perimeters is accepted, and no wider.
    let named = Policy::parse_condition(
        r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234","aws:SourceVpc":"vpc-1"}}"#,
    )
    .unwrap();
    p.allow_resource(
        Q,
        &AllowSpec {
            condition: Some(&named),
            ..SPEC
        },
    )
    .unwrap();
    let after: Value = serde_json::from_str(&p.to_json()).unwrap();
    assert_eq!(judge(&doc, &after, &ctxs), Ok(()));
    assert_eq!(works(&doc, &after, &ctxs), Ok(()));
}
