//! Identifiers checked at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An identifier that does not have its documented shape.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{value:?} is not a valid {kind} (expected {prefix}<hex>)")]
pub struct IdError {
    /// What was expected.
    pub kind: &'static str,
    /// Its prefix.
    pub prefix: &'static str,
    /// The value.
    pub value: String,
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `prefix` + hex digits.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                let ok = value
                    .strip_prefix($prefix)
                    .is_some_and(|h| !h.is_empty() && h.len() <= 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                if ok {
                    Ok(Self(value.to_string()))
                } else {
                    Err(IdError { kind: $kind, prefix: $prefix, value: value.to_string() })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// `eipalloc-…`: identifies an Elastic IP for its whole life.
    AllocationId, "allocation id", "eipalloc-"
);
prefixed_id!(
    /// `eipassoc-…`: identifies one attachment of an Elastic IP.
    AssociationId, "association id", "eipassoc-"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_documented_shape() {
        assert!(AllocationId::parse("eipalloc-0123abcd").is_ok());
        assert!(AllocationId::parse("eipassoc-0123abcd").is_err());
        assert!(AllocationId::parse("eipalloc-").is_err());
        assert!(AssociationId::parse("eipassoc-0f").is_ok());
        assert_eq!(
            AllocationId::parse("x").unwrap_err().to_string(),
            "\"x\" is not a valid allocation id (expected eipalloc-<hex>)"
        );
    }
}
