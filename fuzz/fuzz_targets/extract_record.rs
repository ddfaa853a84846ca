//! Any input: the CloudTrail record extractor never panics, and the raw-text
//! pre-filters (which skip whole files and records before any JSON parse)
//! never drop a record the extractor would turn into an event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcwarden_eip::extract::{extract, may_be_relevant, text_may_be_relevant};

fuzz_target!(|data: &[u8]| {
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(Some(event)) = extract(&record) else { return };
    // CloudTrail writes event names as plain ASCII; a `\u` escape spelling one
    // is outside what the filters promise (they read the bytes as delivered).
    if memchr_u(data) {
        return;
    }
    assert!(
        may_be_relevant(data) && text_may_be_relevant(data),
        "the pre-filter would drop event {} ({:?})",
        event.event_id,
        event.kind
    );
});

fn memchr_u(data: &[u8]) -> bool {
    data.windows(2).any(|w| w == b"\\u")
}
