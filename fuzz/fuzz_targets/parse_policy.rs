//! Any input: the parser, the validator and the edits never panic; what
//! parses round-trips; canonicalisation is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcwarden_policy::{validate, AllowSpec, Policy, ValidateOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = validate(text, &ValidateOptions::default());
    let Ok(policy) = Policy::parse(text) else { return };
    let again = Policy::parse(&policy.to_json()).expect("serialised policy must parse");
    assert_eq!(again, policy);
    let canonical = policy.canonical();
    assert_eq!(canonical.canonical(), canonical);
    // Unscoped, and scoped to one account's principals (the provisioner's edit).
    for account in [None, Some("111122223333")] {
        let mut edited = policy.clone();
        let spec = AllowSpec { actions: &["sqs:SendMessage"], sid: "Fuzz", condition: None, account };
        if edited.allow_resource("arn:aws:sqs:us-east-1:123456789012:q", &spec).is_ok() {
            edited.remove_resource("arn:aws:sqs:us-east-1:123456789012:q", Some("Fuzz"));
        }
    }
});
