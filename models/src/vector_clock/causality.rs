//! [`Causality`]: Lamport's happens-before relation over recorded events, as a petgraph DAG.
//!
//! Built only from each event's direct causes — the previous event on the same process
//! (program order) and, for a receive, the send it delivers — never from the clocks: this is the
//! independent reference the clock condition is checked against.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use super::{EventId, EventKind};

/// Happens-before over a set of events (Lamport, "Time, Clocks, and the Ordering of Events in a
/// Distributed System", CACM 1978, §2): the transitive closure of program order and
/// send → receive.
#[derive(Debug)]
pub struct Causality {
    graph: DiGraph<EventId, ()>,
    index: HashMap<EventId, NodeIndex>,
    /// `reach[i]`: the events reachable from event `i` by a non-empty path.
    reach: Vec<Vec<bool>>,
}

impl Causality {
    /// The relation over `events`: every event with what it was. Each process's events must be
    /// complete from `seq` 0 (program order links `seq - 1` to `seq`); a receive's send must be
    /// among them.
    pub fn new<'a>(events: impl IntoIterator<Item = (EventId, &'a EventKind)>) -> Causality {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        let mut causes = Vec::new();
        for (id, kind) in events {
            index.insert(id, graph.add_node(id));
            if id.seq > 0 {
                causes.push((
                    EventId {
                        process: id.process,
                        seq: id.seq - 1,
                    },
                    id,
                ));
            }
            if let EventKind::Receive { send } = kind {
                causes.push((*send, id));
            }
        }
        for (cause, effect) in causes {
            let (Some(&from), Some(&to)) = (index.get(&cause), index.get(&effect)) else {
                panic!("event {effect:?} names a cause {cause:?} that was not recorded");
            };
            graph.add_edge(from, to, ());
        }
        let reach = graph
            .node_indices()
            .map(|start| {
                let mut reached = vec![false; graph.node_count()];
                let mut dfs = Dfs::new(&graph, start);
                dfs.next(&graph); // `start` itself: only non-empty paths count
                while let Some(node) = dfs.next(&graph) {
                    reached[node.index()] = true;
                }
                reached
            })
            .collect();
        Causality {
            graph,
            index,
            reach,
        }
    }

    /// Whether `a` happens before `b` (irreflexive).
    pub fn happens_before(&self, a: EventId, b: EventId) -> bool {
        match (self.index.get(&a), self.index.get(&b)) {
            (Some(a), Some(b)) => self.reach[a.index()][b.index()],
            _ => false,
        }
    }

    /// Every recorded event.
    pub fn events(&self) -> impl Iterator<Item = EventId> + '_ {
        self.graph.node_weights().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::NodeId;

    fn id(process: usize, seq: u32) -> EventId {
        EventId {
            process: NodeId::node(process),
            seq,
        }
    }

    #[test]
    fn happens_before_follows_program_order_and_messages_transitively() {
        // n0: a0 local, a1 send→n1 ; n1: b0 local, b1 receive(a1), b2 local ; n2: c0 local
        let kinds = [
            (id(0, 0), EventKind::Local),
            (
                id(0, 1),
                EventKind::Send {
                    to: NodeId::node(1),
                },
            ),
            (id(1, 0), EventKind::Local),
            (id(1, 1), EventKind::Receive { send: id(0, 1) }),
            (id(1, 2), EventKind::Local),
            (id(2, 0), EventKind::Local),
        ];
        let hb = Causality::new(kinds.iter().map(|(i, k)| (*i, k)));
        assert!(hb.happens_before(id(0, 0), id(1, 2)));
        assert!(hb.happens_before(id(1, 0), id(1, 1)));
        assert!(!hb.happens_before(id(1, 0), id(0, 1)));
        assert!(!hb.happens_before(id(0, 1), id(0, 1)));
        assert!(!hb.happens_before(id(2, 0), id(1, 2)));
        assert!(!hb.happens_before(id(1, 2), id(2, 0)));
        assert_eq!(hb.events().count(), 6);
    }
}
