//! Positions and excerpts for error messages, shared by every reader.
//!
//! Columns are 1-based and counted in characters (a multi-byte UTF-8 character is one column),
//! even when the line is not valid UTF-8 (each byte that does not continue a character counts).
//! "Found" texts are short: a token of the input as written, or a word like `end of line`.

use crate::history::excerpt;

/// Longest token quoted in a message, in characters.
const MAX_TOKEN: usize = 40;

/// The 1-based character column of byte `offset` in `line`.
pub(super) fn char_column(line: &[u8], offset: usize) -> u32 {
    let offset = offset.min(line.len());
    let chars = line[..offset]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    saturate(chars + 1)
}

/// `n` as a `u32`, saturating (line and column numbers of absurdly large inputs).
pub(super) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `text` cut to its first few dozen characters, with `…` when something was cut.
pub(super) fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_TOKEN).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Whether `c` ends a bare token (a number, symbol, keyword or JSON literal).
pub(super) fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '"' | '[' | ']' | '{' | '}' | '(' | ')')
}

/// What the input holds at byte `offset` of `text`, for "found ...": a string literal, a bare
/// token, a single delimiter in backticks, or `end_name` (e.g. "end of line") at the end.
pub(super) fn token_at(text: &str, offset: usize, end_name: &str) -> String {
    let Some(rest) = text.get(offset..) else {
        return end_name.to_string();
    };
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return end_name.to_string();
    };
    let end = if first == '"' {
        let mut escaped = false;
        let close = chars.find(|&(_, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        close.map_or(rest.len(), |(i, _)| i + 1)
    } else if is_delimiter(first) {
        return format!("`{first}`")
            .replace("` `", "a space")
            .replace("`\t`", "a tab");
    } else {
        chars
            .find(|&(_, c)| is_delimiter(c))
            .map_or(rest.len(), |(i, _)| i)
    };
    shown(&rest[..end])
}

/// `token` as written when it is short and printable; otherwise a quoted, shortened excerpt.
pub(super) fn shown(token: &str) -> String {
    if token.chars().count() <= MAX_TOKEN && !token.chars().any(char::is_control) {
        token.to_string()
    } else {
        excerpt(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(char_column(b"abc", 0), 1);
        assert_eq!(char_column("é:x".as_bytes(), 3), 3);
        assert_eq!(char_column(b"\xff\xfex", 2), 3);
        assert_eq!(char_column(b"ab", 99), 3);
    }

    #[test]
    fn token_at_quotes_strings_and_bare_tokens_as_written() {
        assert_eq!(
            token_at(r#"{"type":"foo\"x", 1}"#, 8, "end of line"),
            r#""foo\"x""#
        );
        assert_eq!(token_at("[1 -12, 3]", 3, "end of line"), "-12");
        assert_eq!(token_at("[1 2}", 4, "end of line"), "`}`");
        assert_eq!(token_at("ab", 2, "end of line"), "end of line");
        assert_eq!(token_at("a b", 1, "end"), "a space");
    }

    #[test]
    fn long_or_unprintable_tokens_are_excerpted() {
        assert_eq!(shown("abc"), "abc");
        assert!(shown(&"x".repeat(100)).ends_with("…\""));
        assert_eq!(shown("a\u{1}"), "\"a\\u{1}\"");
    }
}
