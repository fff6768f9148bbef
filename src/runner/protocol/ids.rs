//! Maelstrom's names: node ids `n<i>`, client ids `c<k>`, and the `init` message.

use serde_json::{json, Value as Json};

/// How long a node has to answer `init` with `init_ok` (Maelstrom: 10 000 ms).
pub const INIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The id of the node in slot `index`: `n0`, `n1`, ...
pub fn node_id(index: usize) -> String {
    format!("n{index}")
}

/// The slot of a node id (`"n3"` → 3), if it is one of the first `count` nodes.
pub fn node_index(id: &str, count: usize) -> Option<usize> {
    let digits = id.strip_prefix('n')?;
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    let i: usize = digits.parse().ok()?;
    (i < count).then_some(i)
}

/// The id of client number `k`: `c0`, `c1`, ...
pub fn client_id(k: u32) -> String {
    format!("c{k}")
}

/// The number of a client id (`"c12"` → 12).
pub fn client_index(id: &str) -> Option<u32> {
    let digits = id.strip_prefix('c')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The `init` body sent to `node` (msg_id 1), exactly as Maelstrom sends it.
pub fn init_body(node: &str, nodes: &[String]) -> Json {
    json!({"type": "init", "msg_id": 1, "node_id": node, "node_ids": nodes})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_and_client_ids_round_trip() {
        assert_eq!(node_id(3), "n3");
        assert_eq!(node_index("n3", 5), Some(3));
        assert_eq!(node_index("n5", 5), None);
        assert_eq!(node_index("n03", 5), None);
        assert_eq!(node_index("c1", 5), None);
        assert_eq!(client_index(&client_id(12)), Some(12));
        assert_eq!(client_index("c"), None);
        assert_eq!(client_index("c-1"), None);
    }
}
