//! An IAM evaluator written for the tests, from AWS's documented evaluation
//! logic (IAM User Guide: "Policy evaluation logic", "Condition operators",
//! "Conditions with multiple context keys or values"), over the policy's
//! JSON text and a concrete request context. It shares no code with the
//! crate under test: not its parser, its matcher, its evaluator or its
//! perimeter, so a bug there cannot hide itself here.
//!
//! Covered: Allow/Deny (explicit Deny wins, no Allow = implicit deny),
//! Principal / NotPrincipal (`*`, `{"AWS": "*"}`, account ids, account roots,
//! ARNs with wildcards), Action / NotAction (case-insensitive wildcards),
//! Resource / NotResource (case-sensitive wildcards), and conditions: the
//! String*, Arn*, Bool, IpAddress / NotIpAddress and Null operators, the
//! `IfExists` suffix, the `ForAnyValue:` / `ForAllValues:` qualifiers; a
//! missing key makes a positive operator false and a negated one true; the
//! values of one key are ORed (NORed for negated operators), keys and
//! operators ANDed. An operator it does not know makes the statement not apply.

use std::collections::BTreeMap;

use serde_json::Value;

/// One concrete request's context.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `aws:PrincipalArn` (a role ARN).
    pub principal: String,
    /// `aws:PrincipalAccount`.
    pub account: String,
    /// `aws:PrincipalOrgID`.
    pub org: String,
    /// `aws:SourceVpc`.
    pub vpc: String,
    /// `aws:SourceVpce`.
    pub vpce: String,
    /// `aws:PrincipalTag/*`.
    pub tags: BTreeMap<String, String>,
    /// `aws:SourceIp` (IPv4).
    pub ip: [u8; 4],
}

impl Ctx {
    /// The value of a condition key (IAM keys are case-insensitive), if the request has it.
    fn key(&self, key: &str) -> Option<String> {
        let k = key.to_ascii_lowercase();
        Some(match k.as_str() {
            "aws:principalarn" => self.principal.clone(),
            "aws:principalaccount" => self.account.clone(),
            "aws:principalorgid" => self.org.clone(),
            "aws:sourcevpc" => self.vpc.clone(),
            "aws:sourcevpce" => self.vpce.clone(),
            "aws:sourceip" => format!(
                "{}.{}.{}.{}",
                self.ip[0], self.ip[1], self.ip[2], self.ip[3]
            ),
            "aws:securetransport" => "true".into(),
            _ => {
                let tag = k.strip_prefix("aws:principaltag/")?;
                return self
                    .tags
                    .iter()
                    .find(|(t, _)| t.to_ascii_lowercase() == tag)
                    .map(|(_, v)| v.clone());
            }
        })
    }
}

/// Is `action` on `resource` allowed for `ctx` by this policy alone?
pub fn allowed(policy: &Value, ctx: &Ctx, action: &str, resource: &str) -> bool {
    let statements: Vec<&Value> = match &policy["Statement"] {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    let mut allow = false;
    for st in statements {
        if !applies(st, ctx, action, resource) {
            continue;
        }
        match st["Effect"].as_str() {
            Some("Deny") => return false,
            Some("Allow") => allow = true,
            _ => {}
        }
    }
    allow
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(text).collect(),
        Value::Null => Vec::new(),
        other => vec![text(other)],
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `*` any run, `?` one character.
pub fn glob(pattern: &str, value: &str, ignore_case: bool) -> bool {
    if !pattern.contains(['*', '?']) {
        return if ignore_case {
            pattern.eq_ignore_ascii_case(value)
        } else {
            pattern == value
        };
    }
    let (p, v): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            value.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), value.chars().collect())
    };
    // table[i][j]: p[i..] matches v[j..]
    let mut table = vec![vec![false; v.len() + 1]; p.len() + 1];
    table[p.len()][v.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=v.len()).rev() {
            table[i][j] = match p[i] {
                '*' => table[i + 1][j] || (j < v.len() && table[i][j + 1]),
                '?' => j < v.len() && table[i + 1][j + 1],
                c => j < v.len() && v[j] == c && table[i + 1][j + 1],
            };
        }
    }
    table[0][0]
}

fn principal_is(p: &Value, ctx: &Ctx) -> bool {
    if p.as_str() == Some("*") {
        return true;
    }
    strings(&p["AWS"]).iter().any(|x| {
        x == "*"
            || *x == ctx.account
            || *x == format!("arn:aws:iam::{}:root", ctx.account)
            || glob(x, &ctx.principal, false)
    })
}

fn applies(st: &Value, ctx: &Ctx, action: &str, resource: &str) -> bool {
    let principal = match (st.get("Principal"), st.get("NotPrincipal")) {
        (Some(p), _) => principal_is(p, ctx),
        (None, Some(np)) => !principal_is(np, ctx),
        (None, None) => true,
    };
    let action_ok = match (st.get("Action"), st.get("NotAction")) {
        (Some(a), _) => strings(a).iter().any(|p| glob(p, action, true)),
        (None, Some(na)) => !strings(na).iter().any(|p| glob(p, action, true)),
        _ => false,
    };
    let resource_ok = match (st.get("Resource"), st.get("NotResource")) {
        (Some(r), _) => strings(r).iter().any(|p| glob(p, resource, false)),
        (None, Some(nr)) => !strings(nr).iter().any(|p| glob(p, resource, false)),
        _ => false,
    };
    principal && action_ok && resource_ok && conditions_hold(st.get("Condition"), ctx)
}

/// Every operator and key of a Condition block holds for `ctx`.
pub fn conditions_hold(c: Option<&Value>, ctx: &Ctx) -> bool {
    let Some(Value::Object(ops)) = c else {
        return true;
    };
    ops.iter().all(|(op, keys)| {
        let Value::Object(keys) = keys else {
            return false;
        };
        keys.iter()
            .all(|(key, values)| clause(op, key, &strings(values), ctx))
    })
}

fn ip_in(cidr: &str, ip: [u8; 4]) -> bool {
    let (addr, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Ok(bits), parts) = (bits.parse::<u32>(), addr.split('.').collect::<Vec<_>>()) else {
        return false;
    };
    if parts.len() != 4 || bits > 32 {
        return false;
    }
    let Ok(net) = parts
        .iter()
        .map(|p| p.parse::<u8>())
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let a = u32::from_be_bytes([net[0], net[1], net[2], net[3]]);
    let b = u32::from_be_bytes(ip);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    a & mask == b & mask
}

fn clause(op: &str, key: &str, values: &[String], ctx: &Ctx) -> bool {
    let value = ctx.key(key);
    if op == "Null" {
        // "true": the key must be absent; "false": present.
        return values.iter().any(|v| (v == "true") == value.is_none());
    }
    let (qualifier, op) = match op.split_once(':') {
        Some((q, rest)) => (Some(q), rest),
        None => (None, op),
    };
    let (base, if_exists) = match op.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (op, false),
    };
    // One value matched against the policy's values; None: unknown operator.
    let test = |v: &str| -> Option<bool> {
        Some(match base {
            "StringEquals" | "ArnEquals" => values.iter().any(|p| p == v),
            "StringNotEquals" | "ArnNotEquals" => !values.iter().any(|p| p == v),
            "StringEqualsIgnoreCase" => values.iter().any(|p| p.eq_ignore_ascii_case(v)),
            "StringNotEqualsIgnoreCase" => !values.iter().any(|p| p.eq_ignore_ascii_case(v)),
            "StringLike" | "ArnLike" => values.iter().any(|p| glob(p, v, false)),
            "StringNotLike" | "ArnNotLike" => !values.iter().any(|p| glob(p, v, false)),
            "Bool" => values.iter().any(|p| p.eq_ignore_ascii_case(v)),
            "IpAddress" | "NotIpAddress" => {
                let parts: Vec<u8> = v.split('.').filter_map(|p| p.parse().ok()).collect();
                let hit = match parts[..] {
                    [a, b, c, d] => values.iter().any(|p| ip_in(p, [a, b, c, d])),
                    _ => false,
                };
                if base == "IpAddress" {
                    hit
                } else {
                    !hit
                }
            }
            _ => return None,
        })
    };
    let negated = base.contains("Not");
    match (qualifier, value) {
        // A single-valued key is a set of one value, or the empty set.
        (Some("ForAllValues"), None) => true,
        (Some("ForAnyValue"), None) => false,
        (Some(_), None) => false,
        (Some(_), Some(v)) => test(&v).unwrap_or(false),
        (None, None) => if_exists || negated,
        (None, Some(v)) => test(&v).unwrap_or(false),
    }
}
