//! A structural diff between two policies, path by path, for people and for
//! the provisioner's dry-run plan.

use serde::Serialize;
use serde_json::Value;

use crate::model::Policy;

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Present only in the new document (for arrays of scalars: one more value).
    Added {
        /// JSON path, e.g. `$.Statement[0].Resource`.
        path: String,
        /// The value added.
        value: Value,
    },
    /// Present only in the old document.
    Removed {
        /// JSON path.
        path: String,
        /// The value removed.
        value: Value,
    },
    /// Present in both with another value.
    Changed {
        /// JSON path.
        path: String,
        /// Old value.
        before: Value,
        /// New value.
        after: Value,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added { path, value } => write!(f, "+ {path}: {value}"),
            Change::Removed { path, value } => write!(f, "- {path}: {value}"),
            Change::Changed {
                path,
                before,
                after,
            } => write!(f, "~ {path}: {before} -> {after}"),
        }
    }
}

/// Differences from `before` to `after`, in document order.
pub fn diff(before: &Policy, after: &Policy) -> Vec<Change> {
    let mut out = Vec::new();
    diff_value("$", &before.to_value(), &after.to_value(), &mut out);
    out
}

fn diff_value(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(vb) => diff_value(&p, va, vb, out),
                    None => out.push(Change::Removed {
                        path: p,
                        value: va.clone(),
                    }),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(Change::Added {
                        path: format!("{path}.{k}"),
                        value: vb.clone(),
                    });
                }
            }
        }
        // Lists of ARNs or actions read best as values added and removed.
        (Value::Array(x), Value::Array(y)) if all_scalars(x) && all_scalars(y) => {
            for v in x.iter().filter(|v| !y.contains(v)) {
                out.push(Change::Removed {
                    path: path.to_string(),
                    value: v.clone(),
                });
            }
            for v in y.iter().filter(|v| !x.contains(v)) {
                out.push(Change::Added {
                    path: path.to_string(),
                    value: v.clone(),
                });
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => diff_value(&p, va, vb, out),
                    (Some(va), None) => out.push(Change::Removed {
                        path: p,
                        value: va.clone(),
                    }),
                    (None, Some(vb)) => out.push(Change::Added {
                        path: p,
                        value: vb.clone(),
                    }),
                    (None, None) => {}
                }
            }
        }
        _ if a != b => out.push(Change::Changed {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

fn all_scalars(v: &[Value]) -> bool {
    v.iter().all(|x| !x.is_object() && !x.is_array())
}
