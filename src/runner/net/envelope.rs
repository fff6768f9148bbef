//! Reading one line of a node's stdout: `{"src": ..., "dest": ..., "body": {...}}`.
//!
//! The router forwards the line as it was written, so only the envelope is looked at; the body
//! is checked to be a JSON object but not decoded.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Why a line is not a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EnvelopeError {
    /// Not JSON at all (the serde message).
    NotJson(String),
    /// JSON, but not a message: a field is missing or has the wrong type.
    Malformed(String),
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    dest: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    src: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

/// The `dest` of a message line (checked to have `src`, `dest` and an object `body`).
pub(crate) fn parse_line(line: &[u8]) -> Result<Cow<'_, str>, EnvelopeError> {
    let envelope: Envelope = match serde_json::from_slice(line) {
        Ok(e) => e,
        Err(e) if e.is_data() => {
            return Err(EnvelopeError::Malformed(format!(
                "expected an object with string fields src and dest and an object body ({e})"
            )))
        }
        Err(e) => return Err(EnvelopeError::NotJson(e.to_string())),
    };
    let missing = |field: &str| {
        Err(EnvelopeError::Malformed(format!(
            "the message has no {field}; expected {{\"src\": ..., \"dest\": ..., \"body\": {{...}}}}"
        )))
    };
    if envelope.src.is_none() {
        return missing("src");
    }
    let Some(body) = envelope.body else {
        return missing("body");
    };
    if !body.get().starts_with('{') {
        return Err(EnvelopeError::Malformed(
            "the body is not a JSON object".into(),
        ));
    }
    match envelope.dest {
        Some(dest) => Ok(dest),
        None => missing("dest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_give_their_destination() {
        let line = br#"{"src":"n1","dest":"c2","body":{"type":"echo_ok","in_reply_to":1}}"#;
        assert_eq!(parse_line(line).unwrap(), "c2");
        let escaped = br#"{"src":"n1","dest":"c\u0032","body":{}}"#;
        assert_eq!(parse_line(escaped).unwrap(), "c2");
    }

    #[test]
    fn garbage_and_incomplete_messages_are_told_apart() {
        assert!(matches!(
            parse_line(b"hello world"),
            Err(EnvelopeError::NotJson(_))
        ));
        assert!(matches!(
            parse_line(br#"{"src":"n1","body":{}}"#),
            Err(EnvelopeError::Malformed(m)) if m.contains("dest")
        ));
        assert!(matches!(
            parse_line(br#"{"src":"n1","dest":"n2","body":3}"#),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            parse_line(br#"[1,2]"#),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}
