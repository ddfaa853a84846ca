//! Any input: the CloudTrail record extractor never panics, and the raw-text
//! pre-filters (which skip whole files and records before any JSON parse)
//! never drop a record the extractor would turn into an event, nor does the
//! local engine's record locator: in a file holding the record, it finds that
//! record, or it says to split the file whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcwarden_eip::extract::{extract, may_be_relevant, text_may_be_relevant};
use vpcwarden_trail::records_naming_events;

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
    let mut file = br#"{"Records":["#.to_vec();
    file.extend_from_slice(data);
    file.extend_from_slice(b"]}");
    if let Some(found) = records_naming_events(&file) {
        assert!(
            found.iter().any(|r| *r == data.trim_ascii()),
            "the locator missed event {} ({:?})",
            event.event_id,
            event.kind
        );
    }
});

fn memchr_u(data: &[u8]) -> bool {
    data.windows(2).any(|w| w == b"\\u")
}
