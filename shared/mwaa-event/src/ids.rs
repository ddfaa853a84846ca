//! Identifiers that are checked once, at the edge, so the rest of the code
//! cannot hold a malformed one.

use std::fmt;

use crate::error::EventError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An MWAA environment name: a letter, then letters, digits, `-` or `_`; at most 80.
    EnvironmentName
);
id_type!(
    /// `subnet-` followed by hex digits.
    SubnetId
);
id_type!(
    /// `sg-` followed by hex digits.
    SecurityGroupId
);
id_type!(
    /// An SQS queue ARN: `arn:<partition>:sqs:<region>:<account>:<queue>`.
    QueueArn
);
id_type!(
    /// A VPC endpoint service name, e.g. `com.amazonaws.vpce.us-east-1.vpce-svc-0123abcd`.
    ServiceName
);

fn invalid(field: &str, value: &str, why: &str) -> EventError {
    EventError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    }
}

fn prefixed_hex(value: &str, prefix: &str) -> bool {
    value.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 17 && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

impl EnvironmentName {
    /// Checks the MWAA naming rule.
    pub fn parse(field: &str, value: &str) -> Result<Self, EventError> {
        let mut chars = value.chars();
        let ok = value.len() <= 80
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid(field, value, "an MWAA environment name starts with a letter and has at most 80 letters, digits, '-' or '_'"))
        }
    }
}

impl SubnetId {
    /// Checks `subnet-<hex>`.
    pub fn parse(field: &str, value: &str) -> Result<Self, EventError> {
        if prefixed_hex(value, "subnet-") {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid(
                field,
                value,
                "expected a subnet id such as subnet-0123456789abcdef0",
            ))
        }
    }
}

impl SecurityGroupId {
    /// Checks `sg-<hex>`.
    pub fn parse(field: &str, value: &str) -> Result<Self, EventError> {
        if prefixed_hex(value, "sg-") {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid(
                field,
                value,
                "expected a security group id such as sg-0123456789abcdef0",
            ))
        }
    }
}

impl QueueArn {
    /// Checks the SQS ARN layout; wildcards are refused (MWAA names one queue).
    pub fn parse(field: &str, value: &str) -> Result<Self, EventError> {
        let parts: Vec<&str> = value.split(':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "sqs"
            && !parts[3].is_empty()
            && parts[4].len() == 12
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && !parts[5].is_empty()
            && parts[5].len() <= 80
            && parts[5]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid(
                field,
                value,
                "expected an SQS queue ARN arn:aws:sqs:<region>:<12-digit account>:<queue name>",
            ))
        }
    }

    /// The queue's region.
    pub fn region(&self) -> &str {
        self.0.split(':').nth(3).unwrap_or_default()
    }
}

impl ServiceName {
    /// Checks a dotted endpoint service name without spaces.
    pub fn parse(field: &str, value: &str) -> Result<Self, EventError> {
        let ok = value.starts_with("com.amazonaws.")
            && value.len() <= 255
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
        if ok {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid(field, value, "expected a VPC endpoint service name such as com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_aws_shapes_and_reject_others() {
        assert!(SubnetId::parse("f", "subnet-0a1b2c3d4e5f60718").is_ok());
        assert!(SubnetId::parse("f", "subnet-").is_err());
        assert!(SubnetId::parse("f", "sg-0a1b").is_err());
        assert!(SecurityGroupId::parse("f", "sg-0a1b").is_ok());
        assert!(EnvironmentName::parse("f", "my-env_1").is_ok());
        assert!(EnvironmentName::parse("f", "1env").is_err());
        assert!(EnvironmentName::parse("f", &"a".repeat(81)).is_err());
        assert!(
            QueueArn::parse("f", "arn:aws:sqs:us-east-1:123456789012:airflow-celery-x").is_ok()
        );
        assert!(QueueArn::parse("f", "arn:aws:sqs:*:*:airflow-celery-*").is_err());
        assert!(QueueArn::parse("f", "arn:aws:sns:us-east-1:123456789012:x").is_err());
    }
}
