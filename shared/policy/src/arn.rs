//! The syntactic check IAM applies to resource ARNs.

/// True when `s` is `*` or looks like `arn:partition:service:region:account:resource`
/// (wildcards allowed; region and account may be empty, as for S3 and IAM).
pub fn is_valid_resource(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::is_valid_resource;

    #[test]
    fn accepts_documented_shapes_and_rejects_others() {
        for ok in [
            "*",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "arn:aws:s3:::bucket/*",
            "arn:aws:sqs:*:*:airflow-celery-*",
        ] {
            assert!(is_valid_resource(ok), "{ok}");
        }
        for bad in [
            "",
            "sqs-queue",
            "arn:aws:sqs",
            "arn::sqs:r:a:q",
            "arn:aws:sqs:r:a:",
            "arn:aws:sqs:r:a:q q",
            "urn:aws:sqs:r:a:q",
        ] {
            assert!(!is_valid_resource(bad), "{bad}");
        }
    }
}
