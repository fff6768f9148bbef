//! Maelstrom lines in and out: `{"src": .., "dest": .., "body": {..}}`, one JSON object a line.
//!
//! `canonical.rs`: a body's text as a `serde_json::Value` renders it, written without one.

mod canonical;

use serde::Deserialize;
use serde_json::{json, Value};
use splitbrain_models::NodeId;

/// One input line, parsed as far as the host needs before it knows the protocol.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    /// The router's message id (Maelstrom's top-level `id`), when the line has one.
    #[serde(default)]
    pub id: Option<u64>,
    pub src: NodeId,
    #[allow(dead_code)]
    pub dest: NodeId,
    pub body: Value,
}

/// Parses an input line, or says what was wrong with it.
pub(super) fn parse_line(line: &str) -> Result<Envelope, String> {
    serde_json::from_str(line).map_err(|e| {
        format!("expected a Maelstrom message {{\"src\",\"dest\",\"body\"}} with node ids like n0/c1: {e}")
    })
}

/// The body's `type`, if it has one.
pub(super) fn body_type(body: &Value) -> Option<&str> {
    body.get("type").and_then(Value::as_str)
}

/// The body's `msg_id`, if it has one.
pub(super) fn msg_id(body: &Value) -> Option<u64> {
    body.get("msg_id").and_then(Value::as_u64)
}

/// Renders one output line.
pub(super) fn line(src: NodeId, dest: NodeId, body: Value) -> String {
    line_text(src, dest, &body.to_string())
}

/// A protocol message as the body text the host writes: exactly what `serde_json::Value`
/// renders (compact, keys sorted), written straight from the message where it can be
/// (`canonical.rs`), else through a `Value`. The validator renders expected messages with this
/// same function.
pub fn body_text<M: serde::Serialize>(msg: &M) -> String {
    canonical::to_string(msg).unwrap_or_else(|_| body_text_through_value(msg))
}

/// `msg`'s body text through a `serde_json::Value` (`null` if it cannot be serialized).
fn body_text_through_value<M: serde::Serialize>(msg: &M) -> String {
    serde_json::to_value(msg).unwrap_or(Value::Null).to_string()
}

/// Renders one output line around a body already rendered: exactly what
/// `json!({"src","dest","body"}).to_string()` writes (keys sorted).
pub(super) fn line_text(src: NodeId, dest: NodeId, body: &str) -> String {
    format!("{{\"body\":{body},\"dest\":\"{dest}\",\"src\":\"{src}\"}}")
}

/// An `error` reply body.
pub(super) fn error_body(in_reply_to: u64, code: u16, text: &str) -> Value {
    json!({ "type": "error", "in_reply_to": in_reply_to, "code": code, "text": text })
}
