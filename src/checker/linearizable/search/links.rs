//! [`Links`]: the operations not yet linearized, as a doubly linked list of invocation and
//! completion nodes in history order (Porcupine's representation).
//!
//! Linearizing an operation unlinks its two nodes; undoing relinks them. Removed nodes keep their
//! own pointers, so relinking in the reverse order of unlinking restores the list exactly
//! (Knuth's dancing links); the search undoes in LIFO order, so that always holds.

use crate::checker::spec::Entry;

/// "No node" / "no operation".
pub const NONE: u32 = u32::MAX;
/// The head sentinel.
pub const HEAD: u32 = 0;

/// The list. Node 0 is the head; node k + 1 is the k-th event in history order.
pub struct Links {
    /// Next node, or [`NONE`].
    pub next: Vec<u32>,
    /// Previous node.
    pub prev: Vec<u32>,
    /// The operation a node belongs to.
    pub node_op: Vec<u32>,
    /// Whether a node is a completion (else an invocation).
    pub node_is_return: Vec<bool>,
    /// Each operation's invocation node.
    pub call_node: Vec<u32>,
    /// Each operation's completion node, [`NONE`] for optional operations (they never return).
    pub return_node: Vec<u32>,
}

impl Links {
    /// The list of every entry (sorted by invocation) in history order.
    pub fn new<O>(entries: &[Entry<O>]) -> Links {
        let n = entries.len();
        let mut events: Vec<(u64, u32, bool)> = Vec::with_capacity(2 * n);
        for (i, e) in entries.iter().enumerate() {
            events.push((e.call, i as u32, false));
            if !e.optional {
                events.push((e.ret, i as u32, true));
            }
        }
        events.sort_unstable();
        let nodes = events.len() + 1;
        let mut links = Links {
            next: (1..=nodes as u32).collect(),
            prev: (0..nodes as u32).map(|k| k.wrapping_sub(1)).collect(),
            node_op: vec![NONE; nodes],
            node_is_return: vec![false; nodes],
            call_node: vec![NONE; n],
            return_node: vec![NONE; n],
        };
        links.next[nodes - 1] = NONE;
        for (k, &(_, op, is_return)) in events.iter().enumerate() {
            let node = k as u32 + 1;
            links.node_op[node as usize] = op;
            links.node_is_return[node as usize] = is_return;
            if is_return {
                links.return_node[op as usize] = node;
            } else {
                links.call_node[op as usize] = node;
            }
        }
        links
    }

    /// Removes operation `op`'s nodes.
    pub fn lift(&mut self, op: usize) {
        self.unlink(self.call_node[op]);
        if self.return_node[op] != NONE {
            self.unlink(self.return_node[op]);
        }
    }

    /// Puts operation `op`'s nodes back (the reverse of [`Links::lift`]).
    pub fn unlift(&mut self, op: usize) {
        if self.return_node[op] != NONE {
            self.relink(self.return_node[op]);
        }
        self.relink(self.call_node[op]);
    }

    fn unlink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = n;
        if n != NONE {
            self.prev[n as usize] = p;
        }
    }

    fn relink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = node;
        if n != NONE {
            self.prev[n as usize] = node;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::NEVER;

    fn entry(call: u64, ret: u64) -> Entry<()> {
        Entry {
            op: (),
            call,
            ret,
            optional: ret == NEVER,
            origin: 0,
        }
    }

    fn walk(links: &Links) -> Vec<(u32, bool)> {
        let mut out = Vec::new();
        let mut node = links.next[HEAD as usize];
        while node != NONE {
            out.push((
                links.node_op[node as usize],
                links.node_is_return[node as usize],
            ));
            node = links.next[node as usize];
        }
        out
    }

    #[test]
    fn nodes_follow_history_order_and_optional_ops_have_no_completion() {
        let links = Links::new(&[entry(0, 3), entry(1, NEVER), entry(2, 4)]);
        assert_eq!(
            walk(&links),
            vec![(0, false), (1, false), (2, false), (0, true), (2, true)]
        );
    }

    #[test]
    fn unlifting_in_reverse_order_restores_the_list() {
        let mut links = Links::new(&[entry(0, 3), entry(1, 5), entry(2, 4)]);
        let before = walk(&links);
        links.lift(1);
        links.lift(0);
        assert_eq!(walk(&links), vec![(2, false), (2, true)]);
        links.unlift(0);
        links.unlift(1);
        assert_eq!(walk(&links), before);
    }
}
