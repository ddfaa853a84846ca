//! `s3://bucket/prefix` locations.

use std::fmt;

use crate::bucket::StoreError;

/// A bucket and a key prefix (no leading `/`; empty or ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix.
    pub prefix: String,
}

impl S3Uri {
    /// Parses `s3://bucket[/prefix]`, checking the bucket name rules.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let bad = |why: &str| StoreError::BadUri(text.to_string(), why.to_string());
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| bad("must start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let ok_len = (3..=63).contains(&bucket.len());
        let ok_chars = bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        let ok_ends = bucket
            .bytes()
            .next()
            .zip(bucket.bytes().last())
            .is_some_and(|(f, l)| f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric());
        if !(ok_len && ok_chars && ok_ends) {
            return Err(bad(
                "bucket names are 3-63 lower-case letters, digits, '-' and '.'",
            ));
        }
        let mut prefix = prefix.trim_start_matches('/').to_string();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(S3Uri {
            bucket: bucket.into(),
            prefix,
        })
    }
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let u = S3Uri::parse("s3://my-trail-bucket/org/logs").unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.prefix.as_str()),
            ("my-trail-bucket", "org/logs/")
        );
        assert_eq!(S3Uri::parse("s3://abc").unwrap().prefix, "");
        for bad in ["my-bucket", "s3://A_b", "s3://ab", "s3://-abc/x"] {
            assert!(S3Uri::parse(bad).is_err(), "{bad}");
        }
    }
}
