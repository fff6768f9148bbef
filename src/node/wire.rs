//! Maelstrom's wire format as a node sees it: one JSON envelope per line,
//! `{"src":…,"dest":…,"body":{"type":…,…}}`, and the `init` handshake.

use serde::Deserialize;
use serde_json::{json, Value as Json};
use splitbrain_models::NodeId;

/// One incoming message.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    /// The sender (`n*`, `c*`, or a service name).
    pub src: String,
    /// The body, parsed later by whoever handles it.
    pub body: Json,
}

/// What `init` tells a node.
#[derive(Debug, PartialEq)]
pub(super) struct Init {
    /// The request's `msg_id`, for `init_ok`.
    pub msg_id: Option<u64>,
    /// This node.
    pub me: NodeId,
    /// Every node, in Maelstrom's order.
    pub nodes: Vec<NodeId>,
}

impl Envelope {
    /// Parses one line.
    pub(super) fn parse(line: &str) -> Result<Envelope, String> {
        serde_json::from_str(line).map_err(|e| format!("not a Maelstrom message ({e}): {line}"))
    }

    /// The body's `type`.
    pub(super) fn kind(&self) -> Option<&str> {
        self.body.get("type").and_then(Json::as_str)
    }

    /// The body's `msg_id`.
    pub(super) fn msg_id(&self) -> Option<u64> {
        self.body.get("msg_id").and_then(Json::as_u64)
    }

    /// The body of an `init` message.
    pub(super) fn init(&self) -> Result<Init, String> {
        let node = |v: &Json| -> Result<NodeId, String> {
            serde_json::from_value(v.clone()).map_err(|_| format!("{v} is not a node id like n0"))
        };
        let me = node(self.body.get("node_id").ok_or("no node_id")?)?;
        let nodes = self
            .body
            .get("node_ids")
            .and_then(Json::as_array)
            .ok_or("no node_ids array")?
            .iter()
            .map(node)
            .collect::<Result<Vec<_>, _>>()?;
        if !nodes.contains(&me) {
            return Err(format!("node_ids does not contain node_id {me}"));
        }
        Ok(Init {
            msg_id: self.msg_id(),
            me,
            nodes,
        })
    }
}

/// The line that sends `body` from `src` to `dest`.
pub(super) fn line(src: &str, dest: &str, body: Json) -> String {
    let mut text = json!({"src": src, "dest": dest, "body": body}).to_string();
    text.push('\n');
    text
}

/// A Maelstrom `error` body replying to `msg_id`.
pub(super) fn error_body(msg_id: Option<u64>, code: u16, text: &str) -> Json {
    json!({"type": "error", "in_reply_to": msg_id, "code": code, "text": text})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_names_the_node_and_its_peers() {
        let envelope = Envelope::parse(
            r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1","n2"]}}"#,
        )
        .unwrap();
        assert_eq!(envelope.kind(), Some("init"));
        let init = envelope.init().unwrap();
        assert_eq!(init.me, NodeId::node(1));
        assert_eq!(init.nodes.len(), 3);
        assert_eq!(init.msg_id, Some(1));
    }

    #[test]
    fn an_init_without_this_node_among_node_ids_is_refused() {
        let envelope = Envelope::parse(
            r#"{"src":"c0","dest":"n5","body":{"type":"init","msg_id":1,"node_id":"n5","node_ids":["n0"]}}"#,
        )
        .unwrap();
        assert!(envelope.init().unwrap_err().contains("n5"));
    }

    #[test]
    fn a_non_json_line_is_reported_with_its_text() {
        let err = Envelope::parse("hello").unwrap_err();
        assert!(err.contains("hello"), "{err}");
    }
}
