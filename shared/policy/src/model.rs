//! The policy document model. Every element keeps the JSON shape it was
//! written in (a single value or an array) and every object keeps the order
//! of its fields and any field this crate does not know, so that an edit
//! changes only what it means to change.

use indexmap::IndexMap;
use serde_json::Value;

/// A value IAM accepts either alone or in an array. The shape is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    /// Written as a bare value: `"Resource": "arn:..."`.
    One(T),
    /// Written as an array, possibly empty: `"Resource": []`.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values, whatever the shape.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(v) => v,
        }
    }

    /// Iterates over the values.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True when written as an empty array.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Appends a value; a single value becomes an array of two.
    pub fn push(&mut self, value: T) {
        match self {
            OneOrMany::Many(v) => v.push(value),
            OneOrMany::One(_) => {
                let OneOrMany::One(old) = std::mem::replace(self, OneOrMany::Many(Vec::new()))
                else {
                    unreachable!("matched One above")
                };
                *self = OneOrMany::Many(vec![old, value]);
            }
        }
    }

    /// Mutable access to the values as a vector, turning a single value into an array.
    pub fn make_many(&mut self) -> &mut Vec<T> {
        if let OneOrMany::One(_) = self {
            let OneOrMany::One(old) = std::mem::replace(self, OneOrMany::Many(Vec::new())) else {
                unreachable!("matched One above")
            };
            *self = OneOrMany::Many(vec![old]);
        }
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(_) => unreachable!("converted above"),
        }
    }
}

/// `Effect`. Values other than `Allow` and `Deny` are kept so validation can report them.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `"Allow"`
    Allow,
    /// `"Deny"`
    Deny,
    /// Anything else, kept verbatim (IAM rejects it; validation says so).
    Other(String),
}

impl Effect {
    /// The JSON spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
            Effect::Other(s) => s,
        }
    }

    pub(crate) fn parse(s: &str) -> Effect {
        match s {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => Effect::Other(other.to_string()),
        }
    }
}

/// `Principal` / `NotPrincipal`. `"*"` and `{"AWS": "*"}` are distinct values.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": ..., "Service": ..., "Federated": ..., "CanonicalUser": ...}`.
    Map(IndexMap<String, OneOrMany<String>>),
}

impl Principal {
    /// True for `"*"` and for a map whose `AWS` entry contains `"*"`.
    pub fn is_everyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Map(m) => m.get("AWS").is_some_and(|v| v.iter().any(|p| p == "*")),
        }
    }
}

/// One value under a condition key: IAM accepts strings, booleans and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValue {
    /// A JSON string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number, kept as written by serde_json.
    Number(serde_json::Number),
}

impl ConditionValue {
    /// Text used for canonical ordering.
    pub fn sort_key(&self) -> String {
        match self {
            ConditionValue::String(s) => format!("s:{s}"),
            ConditionValue::Bool(b) => format!("b:{b}"),
            ConditionValue::Number(n) => format!("n:{n}"),
        }
    }
}

/// `Condition`: operator → condition key → one or many values.
pub type Condition = IndexMap<String, IndexMap<String, OneOrMany<ConditionValue>>>;

/// One statement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statement {
    /// `Sid`
    pub sid: Option<String>,
    /// `Effect`
    pub effect: Option<Effect>,
    /// `Principal`
    pub principal: Option<Principal>,
    /// `NotPrincipal`
    pub not_principal: Option<Principal>,
    /// `Action`
    pub action: Option<OneOrMany<String>>,
    /// `NotAction`
    pub not_action: Option<OneOrMany<String>>,
    /// `Resource`
    pub resource: Option<OneOrMany<String>>,
    /// `NotResource`
    pub not_resource: Option<OneOrMany<String>>,
    /// `Condition`
    pub condition: Option<Condition>,
    /// Fields this crate does not model, kept verbatim.
    pub extra: IndexMap<String, Value>,
    /// Order of the fields as written; fields set later are appended in IAM's usual order.
    pub(crate) order: Vec<String>,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// `Version`
    pub version: Option<String>,
    /// `Id`
    pub id: Option<String>,
    /// `Statement`, an object or an array.
    pub statement: Option<OneOrMany<Statement>>,
    /// Fields this crate does not model, kept verbatim.
    pub extra: IndexMap<String, Value>,
    pub(crate) order: Vec<String>,
}

impl Policy {
    /// The statements, whatever the shape (none when `Statement` is absent).
    pub fn statements(&self) -> &[Statement] {
        self.statement.as_ref().map(|s| s.as_slice()).unwrap_or(&[])
    }
}
