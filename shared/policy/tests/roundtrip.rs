//! Round-trip fidelity: for generated policies of every shape the crate
//! accepts, serialize(parse(text)) is the same text, parse(serialize(p)) == p,
//! and canonicalisation is idempotent.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vpcwarden_policy::Policy;

fn one_or_many(item: impl Strategy<Value = Value> + Clone) -> impl Strategy<Value = Value> {
    prop_oneof![
        item.clone(),
        prop::collection::vec(item, 0..4).prop_map(Value::Array)
    ]
}

fn arn() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(json!("*")),
        "[a-z*?-]{1,12}".prop_map(|q| json!(format!("arn:aws:sqs:us-east-1:123456789012:{q}"))),
        Just(json!("arn:aws:sqs:*:*:airflow-celery-*")),
        Just(json!("arn:aws:s3:::bucket/*")),
    ]
}

fn action() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(json!("*")),
        "(sqs|s3|ec2):[A-Za-z*]{1,10}".prop_map(Value::String)
    ]
}

fn principal() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        one_or_many(prop_oneof![
            Just(json!("*")),
            "[0-9]{12}".prop_map(Value::String)
        ])
        .prop_map(|v| json!({ "AWS": v })),
        one_or_many("[a-z]{2,8}\\.amazonaws\\.com".prop_map(Value::String))
            .prop_map(|v| json!({ "Service": v })),
    ]
}

fn condition() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        "[a-z0-9-]{0,8}".prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
    ];
    prop::collection::btree_map(
        prop_oneof![
            Just("StringEquals"),
            Just("Bool"),
            Just("NumericLessThan"),
            Just("ArnLike")
        ],
        prop::collection::btree_map("aws:[A-Za-z]{1,10}", one_or_many(scalar), 1..3),
        1..3,
    )
    .prop_map(|ops| {
        Value::Object(
            ops.into_iter()
                .map(|(op, keys)| (op.to_string(), Value::Object(keys.into_iter().collect())))
                .collect(),
        )
    })
}

/// A statement as an ordered list of (field, value), shuffled, with unknown fields.
fn statement() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[A-Za-z0-9]{1,8}".prop_map(Value::String)),
        prop_oneof![
            Just(json!("Allow")),
            Just(json!("Deny")),
            Just(json!("allow"))
        ],
        prop::option::of(principal()),
        prop::option::of(principal()),
        prop::option::of(one_or_many(action())),
        prop::option::of(one_or_many(action())),
        prop::option::of(one_or_many(arn())),
        prop::option::of(one_or_many(arn())),
        prop::option::of(condition()),
        prop::option::of(any::<u8>().prop_map(|n| json!({ "x-note": n }))),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(sid, effect, p, np, a, na, r, nr, c, extra, rot)| {
            let mut fields: Vec<(String, Value)> = Vec::new();
            let names = [
                "Sid",
                "Effect",
                "Principal",
                "NotPrincipal",
                "Action",
                "NotAction",
                "Resource",
                "NotResource",
                "Condition",
                "X-Extra",
            ];
            for (name, v) in names
                .iter()
                .zip([sid, Some(effect), p, np, a, na, r, nr, c, extra])
            {
                if let Some(v) = v {
                    fields.push((name.to_string(), v));
                }
            }
            let k = rot.index(fields.len());
            fields.rotate_left(k);
            Value::Object(fields.into_iter().collect::<Map<_, _>>())
        })
}

fn policy() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            Just(json!("2012-10-17")),
            Just(json!("2008-10-17"))
        ]),
        prop::option::of("[a-z0-9-]{1,10}".prop_map(Value::String)),
        prop_oneof![
            statement(),
            prop::collection::vec(statement(), 0..5).prop_map(Value::Array)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(version, id, statements, statement_first, unknown)| {
            let mut m = Map::new();
            if statement_first {
                m.insert("Statement".into(), statements.clone());
            }
            if let Some(id) = id {
                m.insert("Id".into(), id);
            }
            if let Some(v) = version {
                m.insert("Version".into(), v);
            }
            if unknown {
                m.insert("Comment".into(), json!({"nested": [1, "two", null]}));
            }
            if !statement_first {
                m.insert("Statement".into(), statements);
            }
            Value::Object(m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn serialize_parse_is_identity(doc in policy()) {
        let text = doc.to_string();
        let parsed = Policy::parse(&text).expect("generated policies are well-typed");
        // Text-level fidelity: shapes, order and unknown fields survive.
        prop_assert_eq!(parsed.to_json(), text);
        // Model-level: parse(serialize(p)) == p.
        let reparsed = Policy::parse(&parsed.to_json()).unwrap();
        prop_assert_eq!(&reparsed, &parsed);
    }

    #[test]
    fn canonical_is_idempotent_and_shape_blind(doc in policy()) {
        let p = Policy::parse(&doc.to_string()).unwrap();
        let c = p.canonical();
        prop_assert_eq!(c.canonical(), c.clone());
        // Canonical forms survive their own round-trip too.
        prop_assert_eq!(Policy::parse(&c.to_json()).unwrap().canonical(), c);
    }
}

#[test]
fn canonical_equates_shapes_order_duplicates_and_action_case() {
    let a = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"SQS:SendMessage","Resource":"arn:aws:sqs:r:1:q"}}"#).unwrap();
    let b = Policy::parse(r#"{"Statement":[{"Resource":["arn:aws:sqs:r:1:q","arn:aws:sqs:r:1:q"],"Action":["sqs:sendmessage"],"Principal":"*","Effect":"Allow"}]}"#).unwrap();
    assert_ne!(a, b);
    assert_eq!(a.canonical(), b.canonical());
}

#[test]
fn star_and_aws_star_principals_stay_distinct() {
    let a = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
    )
    .unwrap();
    let b = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}}"#).unwrap();
    assert_ne!(a.canonical(), b.canonical());
    assert_eq!(
        b.to_json(),
        r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}}"#
    );
}

#[test]
fn wrong_types_are_errors_naming_the_path() {
    let cases = [
        (r#"[]"#, "$"),
        (
            r#"{"Statement":[{"Resource":5}]}"#,
            "$.Statement[0].Resource",
        ),
        (
            r#"{"Statement":[{},{"Action":["a",7]}]}"#,
            "$.Statement[1].Action[1]",
        ),
        (
            r#"{"Statement":{"Principal":"someone"}}"#,
            "$.Statement.Principal",
        ),
        (
            r#"{"Statement":{"Condition":{"Bool":{"aws:SecureTransport":{"x":1}}}}}"#,
            "$.Statement.Condition.Bool.aws:SecureTransport",
        ),
        (r#"{"Version":2012}"#, "$.Version"),
        (r#"{"Statement":[3]}"#, "$.Statement[0]"),
    ];
    for (text, path) in cases {
        let err = Policy::parse(text).unwrap_err();
        assert_eq!(err.path(), path, "{text}: {err}");
        assert!(err.to_string().starts_with(path), "{err}");
    }
    assert!(matches!(
        Policy::parse("{not json"),
        Err(vpcwarden_policy::ParseError::NotJson { .. })
    ));
}

/// Found by `make fuzz`: a large integer parses as a float, and serde_json's
/// default float parser is not exact, so the value changed on a second parse.
/// Fixed by serde_json's `float_roundtrip` feature.
#[test]
fn regression_large_numbers_round_trip() {
    for text in [
        r#"{"Xteme":111111111111111111111111}"#,
        r#"{"Statement":{"Condition":{"NumericLessThan":{"k":[1.7976931348623157e308,0.1,-2.5e-300]}}}}"#,
    ] {
        let p = Policy::parse(text).unwrap();
        assert_eq!(Policy::parse(&p.to_json()).unwrap(), p, "{text}");
    }
}
