//! A stray en-dash: `–-nemesis partition`, as pasted from a web page (the Gossip Glomers 6c
//! command line has one). Maelstrom passes such words to the node as arguments, and the test
//! silently runs without faults; splitbrain refuses the command line and names the word.

use std::ffi::OsString;

/// Dashes that look like `-` but are not.
const LOOKALIKES: [(char, &str); 4] = [
    ('\u{2013}', "an en-dash (U+2013)"),
    ('\u{2014}', "an em-dash (U+2014)"),
    ('\u{2212}', "a minus sign (U+2212)"),
    ('\u{2010}', "a Unicode hyphen (U+2010)"),
];

/// The error for the first argument (before a literal `--`) that starts with a dash lookalike,
/// if any.
pub fn stray_dash(args: &[OsString]) -> Option<String> {
    for arg in args.iter().skip(1) {
        let text = arg.to_string_lossy();
        if text == "--" {
            return None;
        }
        let Some(first) = text.chars().next() else {
            continue;
        };
        if let Some((_, name)) = LOOKALIKES.iter().find(|(c, _)| *c == first) {
            let fixed: String = text
                .chars()
                .map(|c| {
                    if LOOKALIKES.iter().any(|(l, _)| *l == c) {
                        '-'
                    } else {
                        c
                    }
                })
                .collect();
            let fixed = if fixed.starts_with("--") || fixed.len() <= 2 {
                fixed
            } else {
                format!("-{fixed}")
            };
            return Some(format!(
                "the argument {text:?} starts with {name}, not `-` (pasted from a web page?); \
                 did you mean {fixed:?}? Nothing was run."
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(Into::into).collect()
    }

    #[test]
    fn an_en_dash_option_is_named_with_its_fix() {
        let e = stray_dash(&args(&[
            "sb",
            "run",
            "--availability",
            "total",
            "\u{2013}-nemesis",
            "partition",
        ]))
        .unwrap();
        assert!(e.contains("en-dash"), "{e}");
        assert!(e.contains("\"--nemesis\""), "{e}");
    }

    #[test]
    fn plain_hyphens_and_words_after_a_double_dash_pass() {
        assert!(stray_dash(&args(&["sb", "run", "--nemesis", "partition"])).is_none());
        assert!(stray_dash(&args(&["sb", "run", "--bin", "x", "--", "\u{2013}y"])).is_none());
    }
}
