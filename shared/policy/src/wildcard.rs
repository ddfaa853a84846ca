//! IAM wildcard patterns: `*` matches any run of characters (also across `:`
//! and `/`), `?` matches exactly one. ARNs compare case-sensitively, action
//! names case-insensitively.

/// How letters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// ARNs, resource names, principals.
    Sensitive,
    /// Action names (`sqs:sendmessage` is `sqs:SendMessage`).
    Insensitive,
}

fn chars(s: &str, case: Case) -> Vec<char> {
    match case {
        Case::Sensitive => s.chars().collect(),
        Case::Insensitive => s.chars().flat_map(char::to_lowercase).collect(),
    }
}

/// Does `pattern` match the concrete `value`?
pub fn matches(pattern: &str, value: &str, case: Case) -> bool {
    let p = chars(pattern, case);
    let v = chars(value, case);
    // Classic greedy matcher with one backtrack point: linear for IAM's
    // patterns, no recursion, no allocation beyond the char vectors.
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == v[vi])) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Does `general` match every string that `specific` matches?
///
/// Unlike an overlap test, this is containment: `arn:aws:sqs:*:*:airflow-*`
/// covers `arn:aws:sqs:us-east-1:*:airflow-celery-*` but not `arn:aws:sqs:*:*:*`.
pub fn covers(general: &str, specific: &str, case: Case) -> bool {
    let g = chars(general, case);
    let s = chars(specific, case);
    // table[i][j]: g[i..] covers s[j..].
    let mut table = vec![vec![false; s.len() + 1]; g.len() + 1];
    table[g.len()][s.len()] = true;
    for i in (0..g.len()).rev() {
        for j in (0..=s.len()).rev() {
            table[i][j] = match g[i] {
                // `*` in general absorbs any token of specific, wildcards included.
                '*' => table[i + 1][j] || (j < s.len() && table[i][j + 1]),
                // `?` covers one literal or one `?`, never a `*` (which may be empty or long).
                '?' => j < s.len() && s[j] != '*' && table[i + 1][j + 1],
                c => j < s.len() && s[j] == c && table[i + 1][j + 1],
            };
        }
    }
    table[0][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_is_not_overlap() {
        // These two overlap (both match "ab") but neither contains the other.
        assert!(!covers("a*", "*b", Case::Sensitive));
        assert!(!covers("*b", "a*", Case::Sensitive));
        assert!(covers("*", "a*", Case::Sensitive));
    }
}
