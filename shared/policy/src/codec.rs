//! JSON ⇄ model. Parsing is strict about types (a number where an ARN belongs
//! is an error naming its path) and lenient about meaning (an unknown `Effect`
//! or a missing `Principal` parse; validation reports them).

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::error::ParseError;
use crate::model::{Condition, ConditionValue, Effect, OneOrMany, Policy, Principal, Statement};

const POLICY_FIELDS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_FIELDS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Policy {
    /// Parses a policy document from JSON text.
    pub fn parse(text: &str) -> Result<Policy, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError::NotJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Policy::from_value(&value)
    }

    /// Parses a `Condition` block on its own (`{"StringEquals":{"aws:PrincipalOrgID":"o-…"}}`),
    /// as settings give one; errors name the path under `$`.
    pub fn parse_condition(text: &str) -> Result<Condition, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ParseError::NotJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        parse_condition(&value, "$")
    }

    /// Builds the model from an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Policy, ParseError> {
        let obj = as_object(value, "$")?;
        let mut policy = Policy::default();
        for (key, v) in obj {
            policy.order.push(key.clone());
            match key.as_str() {
                "Version" => policy.version = Some(as_string(v, "$.Version")?),
                "Id" => policy.id = Some(as_string(v, "$.Id")?),
                "Statement" => policy.statement = Some(parse_statements(v)?),
                _ => {
                    policy.extra.insert(key.clone(), v.clone());
                }
            }
        }
        Ok(policy)
    }

    /// The JSON value, with the original shapes and field order.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        for key in ordered_keys(&self.order, &POLICY_FIELDS, self.extra.keys()) {
            let v = match key.as_str() {
                "Version" => self.version.as_ref().map(|s| Value::String(s.clone())),
                "Id" => self.id.as_ref().map(|s| Value::String(s.clone())),
                "Statement" => self.statement.as_ref().map(|s| match s {
                    OneOrMany::One(st) => st.to_value(),
                    OneOrMany::Many(v) => Value::Array(v.iter().map(Statement::to_value).collect()),
                }),
                other => self.extra.get(other).cloned(),
            };
            if let Some(v) = v {
                out.insert(key, v);
            }
        }
        Value::Object(out)
    }

    /// Compact JSON text (what AWS stores).
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Indented JSON text for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_else(|_| self.to_json())
    }
}

impl Statement {
    /// The JSON value of this statement.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        for key in ordered_keys(&self.order, &STATEMENT_FIELDS, self.extra.keys()) {
            let v = match key.as_str() {
                "Sid" => self.sid.as_ref().map(|s| Value::String(s.clone())),
                "Effect" => self
                    .effect
                    .as_ref()
                    .map(|e| Value::String(e.as_str().to_string())),
                "Principal" => self.principal.as_ref().map(principal_value),
                "NotPrincipal" => self.not_principal.as_ref().map(principal_value),
                "Action" => self.action.as_ref().map(strings_value),
                "NotAction" => self.not_action.as_ref().map(strings_value),
                "Resource" => self.resource.as_ref().map(strings_value),
                "NotResource" => self.not_resource.as_ref().map(strings_value),
                "Condition" => self.condition.as_ref().map(condition_value),
                other => self.extra.get(other).cloned(),
            };
            if let Some(v) = v {
                out.insert(key, v);
            }
        }
        Value::Object(out)
    }
}

/// Keys in their written order first, then known fields set since, then new extras.
fn ordered_keys<'a>(
    order: &[String],
    known: &[&str],
    extra: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut keys: Vec<String> = order.to_vec();
    for k in known {
        if !keys.iter().any(|o| o == k) {
            keys.push((*k).to_string());
        }
    }
    for k in extra {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

fn parse_statements(v: &Value) -> Result<OneOrMany<Statement>, ParseError> {
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(s, &format!("$.Statement[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(OneOrMany::Many),
        _ => parse_statement(v, "$.Statement").map(OneOrMany::One),
    }
}

fn parse_statement(v: &Value, path: &str) -> Result<Statement, ParseError> {
    let obj = as_object(v, path)?;
    let mut st = Statement::default();
    for (key, v) in obj {
        st.order.push(key.clone());
        let p = format!("{path}.{key}");
        match key.as_str() {
            "Sid" => st.sid = Some(as_string(v, &p)?),
            "Effect" => st.effect = Some(Effect::parse(&as_string(v, &p)?)),
            "Principal" => st.principal = Some(parse_principal(v, &p)?),
            "NotPrincipal" => st.not_principal = Some(parse_principal(v, &p)?),
            "Action" => st.action = Some(parse_strings(v, &p)?),
            "NotAction" => st.not_action = Some(parse_strings(v, &p)?),
            "Resource" => st.resource = Some(parse_strings(v, &p)?),
            "NotResource" => st.not_resource = Some(parse_strings(v, &p)?),
            "Condition" => st.condition = Some(parse_condition(v, &p)?),
            _ => {
                st.extra.insert(key.clone(), v.clone());
            }
        }
    }
    Ok(st)
}

fn parse_principal(v: &Value, path: &str) -> Result<Principal, ParseError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::Object(m) => {
            let mut out = IndexMap::new();
            for (k, v) in m {
                out.insert(k.clone(), parse_strings(v, &format!("{path}.{k}"))?);
            }
            Ok(Principal::Map(out))
        }
        other => Err(ParseError::WrongType {
            path: path.to_string(),
            expected: "\"*\" or an object of principal type to principals",
            found: kind(other),
        }),
    }
}

fn parse_strings(v: &Value, path: &str) -> Result<OneOrMany<String>, ParseError> {
    match v {
        Value::String(s) => Ok(OneOrMany::One(s.clone())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| as_string(item, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(OneOrMany::Many),
        other => Err(ParseError::WrongType {
            path: path.to_string(),
            expected: "a string or an array of strings",
            found: kind(other),
        }),
    }
}

fn parse_condition(v: &Value, path: &str) -> Result<Condition, ParseError> {
    let ops = as_object(v, path)?;
    let mut out = Condition::new();
    for (op, keys) in ops {
        let op_path = format!("{path}.{op}");
        let keys = as_object(keys, &op_path)?;
        let mut block = IndexMap::new();
        for (key, values) in keys {
            let key_path = format!("{op_path}.{key}");
            let parsed = match values {
                Value::Array(items) => OneOrMany::Many(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| condition_scalar(item, &format!("{key_path}[{i}]")))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                scalar => OneOrMany::One(condition_scalar(scalar, &key_path)?),
            };
            block.insert(key.clone(), parsed);
        }
        out.insert(op.clone(), block);
    }
    Ok(out)
}

fn condition_scalar(v: &Value, path: &str) -> Result<ConditionValue, ParseError> {
    match v {
        Value::String(s) => Ok(ConditionValue::String(s.clone())),
        Value::Bool(b) => Ok(ConditionValue::Bool(*b)),
        Value::Number(n) => Ok(ConditionValue::Number(n.clone())),
        other => Err(ParseError::WrongType {
            path: path.to_string(),
            expected: "a string, boolean or number",
            found: kind(other),
        }),
    }
}

fn principal_value(p: &Principal) -> Value {
    match p {
        Principal::Any => Value::String("*".into()),
        Principal::Map(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), strings_value(v)))
                .collect(),
        ),
    }
}

fn strings_value(v: &OneOrMany<String>) -> Value {
    match v {
        OneOrMany::One(s) => Value::String(s.clone()),
        OneOrMany::Many(v) => Value::Array(v.iter().cloned().map(Value::String).collect()),
    }
}

fn condition_value(c: &Condition) -> Value {
    let scalar = |v: &ConditionValue| match v {
        ConditionValue::String(s) => Value::String(s.clone()),
        ConditionValue::Bool(b) => Value::Bool(*b),
        ConditionValue::Number(n) => Value::Number(n.clone()),
    };
    Value::Object(
        c.iter()
            .map(|(op, keys)| {
                let keys = keys
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            OneOrMany::One(x) => scalar(x),
                            OneOrMany::Many(xs) => Value::Array(xs.iter().map(scalar).collect()),
                        };
                        (k.clone(), v)
                    })
                    .collect();
                (op.clone(), Value::Object(keys))
            })
            .collect(),
    )
}

fn as_object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ParseError> {
    v.as_object().ok_or_else(|| ParseError::WrongType {
        path: path.to_string(),
        expected: "an object",
        found: kind(v),
    })
}

fn as_string(v: &Value, path: &str) -> Result<String, ParseError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| ParseError::WrongType {
            path: path.to_string(),
            expected: "a string",
            found: kind(v),
        })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
