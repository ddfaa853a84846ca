//! Any input: the MWAA event detail parser and the intent it yields never
//! panic; an accepted provisioning intent always has what the provisioner
//! needs (subnets, a queue ARN, a database service).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcwarden_mwaa_event::{Desired, MwaaStatusChange};

fuzz_target!(|data: &[u8]| {
    let Ok(detail) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(change) = MwaaStatusChange::from_value(&detail) else { return };
    if let Ok(Desired::Present(p)) = change.environment(None).desired() {
        assert!(!p.subnets.is_empty(), "a provision intent without subnets");
        assert!(p.queue.as_str().starts_with("arn:"), "queue {:?}", p.queue.as_str());
    }
});
