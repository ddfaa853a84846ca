//! Finding the records that may matter without splitting a whole file.
//!
//! Splitting every record of a file as raw JSON costs about as much as
//! inflating it, yet a lifecycle event is well under 1% of a trail's records.
//! So the file's text is searched once for `eventName` keys naming a lifecycle
//! event (the same SIMD search as the whole-file pre-filter) and only the
//! records around those positions are delimited. A record is found from a position by the start
//! CloudTrail writes every record with (`{"eventVersion"`) and its matching
//! brace. Whenever that does not hold — keys in another order, a position
//! outside the record found — the caller splits the whole file instead, so a
//! record is never missed, only found the slow way.

use memchr::memmem::FinderRev;
use vpcwarden_eip::extract::name_positions;

const RECORD_START: &[u8] = br#"{"eventVersion""#;

/// The records of `text` (a CloudTrail file's `{"Records":[...]}`) that
/// contain a lifecycle event name, in order, each once; `None` when the file
/// is not laid out as CloudTrail writes it and must be split whole.
pub fn records_naming_events(text: &[u8]) -> Option<Vec<&[u8]>> {
    static START: std::sync::OnceLock<FinderRev<'static>> = std::sync::OnceLock::new();
    let start = START.get_or_init(|| FinderRev::new(RECORD_START));
    let mut out = Vec::new();
    let mut done = 0usize;
    for at in name_positions(text) {
        if at < done {
            // Another name in a record already taken.
            continue;
        }
        let s = done + start.rfind(&text[done..at])?;
        let e = object_end(text, s)?;
        // The name must lie inside, and the object must be an element of the
        // Records array (after `[` or `,`), not an object nested in a record.
        let before = text[..s].trim_ascii_end().last();
        if e <= at || !matches!(before, Some(b'[' | b',')) {
            return None;
        }
        out.push(&text[s..e]);
        done = e;
    }
    Some(out)
}

/// Records of a file laid out as CloudTrail writes it (each starts with [`RECORD_START`]).
pub(crate) fn count_records(text: &[u8]) -> u64 {
    static START: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    START
        .get_or_init(|| memchr::memmem::Finder::new(RECORD_START))
        .find_iter(text)
        .count() as u64
}

/// The end (exclusive) of the JSON object starting at `start`, skipping
/// strings and their escapes; `None` when it does not close.
fn object_end(text: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        i += memchr::memchr3(b'"', b'{', b'}', text.get(i..)?)?;
        match text[i] {
            b'"' => {
                let mut j = i + 1;
                loop {
                    j += memchr::memchr2(b'"', b'\\', text.get(j..)?)?;
                    if text[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    break;
                }
                i = j + 1;
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            _ => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_around_names_or_none() {
        let rec = |name: &str, extra: &str| {
            format!(
                r#"{{"eventVersion":"1.09","eventName":"{name}","requestParameters":{{"s":"a}}\"{{","n":[{{"x":1}}]{extra}}}}}"#
            )
        };
        let a = rec("AllocateAddress", "");
        let b = rec("PutObject", "");
        let c = rec("TerminateInstances", r#","again":"StopInstances""#);
        let text = format!(r#"{{"Records":[{a},{b}, {c}]}}"#);
        let got = records_naming_events(text.as_bytes()).unwrap();
        assert_eq!(
            got,
            vec![a.as_bytes(), c.as_bytes()],
            "each record once, braces in strings skipped"
        );
        assert_eq!(records_naming_events(br#"{"Records":[]}"#), Some(vec![]));
        // Keys in another order: no record start before the name.
        let sorted = r#"{"Records":[{"awsRegion":"r","eventName":"AllocateAddress","eventVersion":"1.08"}]}"#;
        assert_eq!(records_naming_events(sorted.as_bytes()), None);
        // A name in a record whose predecessor starts as CloudTrail's do: that record ends before the name.
        let mixed =
            format!(r#"{{"Records":[{b},{{"awsRegion":"r","eventName":"AllocateAddress"}}]}}"#);
        assert_eq!(records_naming_events(mixed.as_bytes()), None);
        // A record-like object nested inside a record's value.
        let nested = r#"{"Records":[{"x":{"eventVersion":"1","eventName":"ReleaseAddress"}}]}"#;
        assert_eq!(records_naming_events(nested.as_bytes()), None);
        // Cut short: the record does not close.
        let cut = &text[..text.len() - 40];
        assert_eq!(records_naming_events(cut.as_bytes()), None);
    }
}
