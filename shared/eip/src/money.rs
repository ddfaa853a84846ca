//! Money and day counts as people read them: rounded to cents (hundredths),
//! never `146.0000000000001`, never `-0.00`.

use serde::Serializer;

/// `x` rounded to two decimals, with negative zero made zero.
pub fn cents(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Serializes money rounded to cents (`#[serde(serialize_with = …)]`).
pub fn ser_cents<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(cents(*x))
}

pub(crate) fn ser_hundredths_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(v) => s.serialize_f64(cents(*v)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::cents;

    #[test]
    fn rounds_to_cents_without_negative_zero() {
        assert_eq!(cents(146.0000000000001), 146.0);
        assert_eq!(cents(0.1 + 0.2), 0.3);
        assert_eq!(cents(-0.001).to_string(), "0");
        assert_eq!(cents(3.655), 3.66);
        assert_eq!(serde_json::to_string(&cents(0.1 + 0.2)).unwrap(), "0.3");
    }
}
