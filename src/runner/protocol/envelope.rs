//! Message lines, `{"src": ..., "dest": ..., "body": {...}}`: reading one's envelope without
//! decoding its body (a router forwards the line as it was written), and a client's side of a
//! call: writing a request, and matching a reply to it.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value as Json;

/// Why a line is not a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvelopeError {
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
pub fn parse_line(line: &[u8]) -> Result<Cow<'_, str>, EnvelopeError> {
    let envelope: Envelope = match serde_json::from_slice(line) {
        Ok(e) => e,
        Err(e) if e.is_data() => {
            return Err(EnvelopeError::Malformed(format!(
                "expected an object with string fields src and dest and an object body ({e})"
            )))
        }
        Err(e) => return Err(EnvelopeError::NotJson(e.to_string())),
    };
    // serde reads `"src": null` as absent; say "no src (missing or null)" so a node that
    // printed `null` (a node that did not know its own id yet) recognises itself.
    let missing = |field: &str| {
        Err(EnvelopeError::Malformed(format!(
            "the message has no {field} (missing or null); expected {{\"src\": ..., \"dest\": ..., \"body\": {{...}}}}"
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

/// A client's request line: `body` (a JSON object) with its `msg_id` set, from `src` to `dest`,
/// newline-terminated.
pub fn request_line(src: &str, dest: &str, mut body: Json, msg_id: u64) -> Vec<u8> {
    if let Json::Object(map) = &mut body {
        map.insert("msg_id".into(), Json::from(msg_id));
    }
    let message = serde_json::json!({"src": src, "dest": dest, "body": body});
    let mut line = serde_json::to_vec(&message).expect("JSON values serialize");
    line.push(b'\n');
    line
}

/// The body of `line` if it is the reply to request `msg_id`. Replies are matched by
/// `in_reply_to` only: a reply's own `msg_id` may repeat the request's (several node libraries
/// copy the request body), and anything else on the connection (a late reply to a request
/// already given up on) is not it.
pub fn reply_to(line: &[u8], msg_id: u64) -> Option<Json> {
    let mut reply = serde_json::from_slice::<Json>(line).ok()?;
    let body = reply.get_mut("body")?;
    (body.get("in_reply_to").and_then(Json::as_u64) == Some(msg_id)).then(|| body.take())
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
    fn a_reply_is_matched_by_in_reply_to_only() {
        let line = request_line("c3", "n1", serde_json::json!({"type": "read"}), 7);
        let sent: Json = serde_json::from_slice(&line).unwrap();
        assert_eq!(sent["body"]["msg_id"], 7);
        assert_eq!(sent["dest"], "n1");
        let reply =
            br#"{"src":"n1","dest":"c3","body":{"type":"read_ok","msg_id":7,"in_reply_to":7}}"#;
        assert_eq!(reply_to(reply, 7).unwrap()["type"], "read_ok");
        let copied =
            br#"{"src":"n1","dest":"c3","body":{"type":"read_ok","msg_id":8,"in_reply_to":6}}"#;
        assert!(reply_to(copied, 8).is_none());
        assert!(reply_to(b"not json", 7).is_none());
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
