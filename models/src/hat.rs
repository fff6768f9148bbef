//! [`HatNode`]: `splitbrain node hat`, a totally available, read-committed store for Maelstrom's
//! `txn-rw-register`, after Bailis et al., "Highly Available Transactions: Virtues and
//! Limitations" (VLDB 2014), §5.1.1 (read committed without coordination), and Maelstrom's
//! `demo/clojure/txn_rw_register_hat.clj`.
//!
//! A transaction runs entirely on the node that receives it, which answers at once, partition
//! or not (total availability): reads see the node's committed registers or the transaction's own
//! earlier writes; writes are buffered, and at commit only each key's final write is installed,
//! all together, stamped with a Lamport timestamp `(counter, node)` above every stamp the node has
//! seen. The same writes go to every peer in one `hat_txn` message, and every 100–200 ms the
//! whole store is gossiped (`hat_gossip`) to repair what partitions dropped; a replica keeps, per
//! key, the write with the highest stamp.
//!
//! Why read committed: nothing aborts (no G1a), only final writes are ever visible (no G1b),
//! and every ww and wr dependency goes from a lower stamp to a higher one (a transaction reads
//! only installed writes, whose stamps its node's clock has passed), so they make no cycle
//! (no G1c). Stale reads (rw anti-dependencies backwards) are allowed: the store is not
//! serializable.
//!
//! Bug variants:
//! - [`DIRTY_ABORTS`]: a transaction that writes one key twice is aborted with `txn-conflict`
//!   (30, a definite failure), but its writes are installed and gossiped anyway: other
//!   transactions read writes of failed transactions (G1a).
//! - [`FIRST_WRITE_WINS`]: the commit buffer keeps each key's *first* write (an `or_insert`
//!   where an `insert` belongs), so a transaction that writes one key twice installs and
//!   replicates the write it overwrote itself; its own later reads still see its last write.
//!   Other transactions read intermediate writes (G1b).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::maelstrom::{ErrorCode, KvBody, Mop, ReadValue};
use crate::protocol::{Deployable, Effects, NodeId, Protocol};
use crate::ModelError;

/// Bug variant: aborted transactions' writes stay (see the module docs).
pub const DIRTY_ABORTS: &str = "dirty-aborts";

/// Bug variant: a transaction installs each key's first write, not its last (see the module
/// docs).
pub const FIRST_WRITE_WINS: &str = "first-write-wins";

/// A Lamport timestamp: counter, then node index as the tie-break.
pub type Stamp = (u64, u64);

/// The HAT node (its configuration).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HatNode {
    replicas: usize,
    dirty_aborts: bool,
    first_write_wins: bool,
}

/// A replica's state: its Lamport clock and, per key, the write with the highest stamp.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HatState {
    /// The highest counter seen or issued.
    pub clock: u64,
    /// Per key: `(stamp, value)`.
    pub registers: BTreeMap<u64, (Stamp, u64)>,
}

impl HatState {
    /// Installs `value` at `key` if `stamp` is newer than what the key holds.
    fn install(&mut self, key: u64, stamp: Stamp, value: u64) {
        self.clock = self.clock.max(stamp.0);
        let slot = self.registers.entry(key).or_insert((stamp, value));
        if stamp > slot.0 {
            *slot = (stamp, value);
        }
    }
}

/// Everything a HAT node sends or receives: client bodies or replication messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HatMsg {
    /// A client request or reply.
    Kv(KvBody),
    /// Between replicas.
    Replica(HatReplica),
}

/// Messages between replicas.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HatReplica {
    /// One committed transaction's final writes, all with one stamp.
    HatTxn {
        /// The transaction's stamp.
        stamp: Stamp,
        /// `(key, value)` pairs.
        writes: Vec<(u64, u64)>,
    },
    /// The whole store (anti-entropy).
    HatGossip {
        /// `(key, stamp, value)` triples.
        registers: Vec<(u64, Stamp, u64)>,
    },
}

/// The anti-entropy timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GossipTimer;

const GOSSIP_EVERY: std::ops::Range<Duration> =
    Duration::from_millis(100)..Duration::from_millis(200);

const NOT_SUPPORTED: ErrorCode = ErrorCode::Other(10);
const TXN_CONFLICT: ErrorCode = ErrorCode::Other(30);

impl HatNode {
    /// Runs `txn` on `state` at node `me`: the reply, and the writes to replicate.
    fn run_txn(
        &self,
        me: NodeId,
        state: &mut HatState,
        msg_id: u64,
        txn: Vec<Mop>,
    ) -> (KvBody, Option<HatReplica>) {
        // What the transaction's own reads see, and what its commit installs (the same map,
        // but for the bug `first-write-wins`).
        let mut buffer: BTreeMap<u64, u64> = BTreeMap::new();
        let mut installs: BTreeMap<u64, u64> = BTreeMap::new();
        let mut written_twice = false;
        let mut done = Vec::with_capacity(txn.len());
        for mop in txn {
            match mop {
                Mop::Read { key, .. } => {
                    let value = buffer
                        .get(&key)
                        .or_else(|| state.registers.get(&key).map(|(_, v)| v))
                        .map(|&v| ReadValue::Int(v));
                    done.push(Mop::Read { key, value });
                }
                Mop::Write { key, value } => {
                    written_twice |= buffer.insert(key, value).is_some();
                    if self.first_write_wins {
                        installs.entry(key).or_insert(value);
                    } else {
                        installs.insert(key, value);
                    }
                    done.push(mop);
                }
                Mop::Append { .. } => {
                    let error = KvBody::Error {
                        in_reply_to: msg_id,
                        code: NOT_SUPPORTED,
                    };
                    return (error, None);
                }
            }
        }
        let aborted = self.dirty_aborts && written_twice;
        let replicate = if installs.is_empty() {
            None
        } else {
            state.clock += 1;
            let stamp = (state.clock, me.index() as u64);
            for (&key, &value) in &installs {
                state.install(key, stamp, value);
            }
            Some(HatReplica::HatTxn {
                stamp,
                writes: installs.into_iter().collect(),
            })
        };
        let reply = if aborted {
            KvBody::Error {
                in_reply_to: msg_id,
                code: TXN_CONFLICT,
            }
        } else {
            KvBody::TxnOk {
                in_reply_to: msg_id,
                txn: done,
            }
        };
        (reply, replicate)
    }
}

impl Protocol for HatNode {
    type Msg = HatMsg;
    type State = HatState;
    type Timer = GossipTimer;
    type Durable = HatState;

    fn on_start(
        &self,
        _me: NodeId,
        recovered: Option<&HatState>,
        out: &mut Effects<Self>,
    ) -> HatState {
        out.set_timer(GossipTimer, GOSSIP_EVERY);
        recovered.cloned().unwrap_or_default()
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut HatState,
        from: NodeId,
        msg: HatMsg,
        out: &mut Effects<Self>,
    ) {
        match msg {
            HatMsg::Replica(HatReplica::HatTxn { stamp, writes }) => {
                for (key, value) in writes {
                    state.install(key, stamp, value);
                }
                out.persist(state.clone());
            }
            HatMsg::Replica(HatReplica::HatGossip { registers }) => {
                for (key, stamp, value) in registers {
                    state.install(key, stamp, value);
                }
                out.persist(state.clone());
            }
            HatMsg::Kv(KvBody::Txn { msg_id, txn }) => {
                let (reply, replicate) = self.run_txn(me, state, msg_id, txn);
                if let Some(replicate) = replicate {
                    // Durable before anyone hears of the commit.
                    out.persist(state.clone());
                    out.broadcast(me.peers(self.replicas), &HatMsg::Replica(replicate));
                }
                out.send(from, HatMsg::Kv(reply));
            }
            HatMsg::Kv(body) => {
                if let Some(msg_id) = body.msg_id() {
                    let error = KvBody::Error {
                        in_reply_to: msg_id,
                        code: NOT_SUPPORTED,
                    };
                    out.send(from, HatMsg::Kv(error));
                }
            }
        }
    }

    fn on_timer(&self, me: NodeId, state: &mut HatState, _: GossipTimer, out: &mut Effects<Self>) {
        let registers = state
            .registers
            .iter()
            .map(|(&key, &(stamp, value))| (key, stamp, value))
            .collect();
        out.broadcast(
            me.peers(self.replicas),
            &HatMsg::Replica(HatReplica::HatGossip { registers }),
        );
        out.set_timer(GossipTimer, GOSSIP_EVERY);
    }

    fn role(&self) -> &'static str {
        "hat replica"
    }
}

impl Deployable for HatNode {
    const NODE_NAME: &'static str = "hat";

    fn deployable_bugs() -> Vec<&'static str> {
        vec![DIRTY_ABORTS, FIRST_WRITE_WINS]
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(other) = bug.filter(|b| !Self::deployable_bugs().contains(b)) {
            return Err(ModelError::UnknownBug {
                spec: Self::NODE_NAME,
                bug: other.to_string(),
                known: Self::deployable_bugs().join(", "),
            });
        }
        Ok(HatNode {
            replicas: nodes.len(),
            dirty_aborts: bug == Some(DIRTY_ABORTS),
            first_write_wins: bug == Some(FIRST_WRITE_WINS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Effect;

    fn replies(out: &mut Effects<HatNode>) -> Vec<String> {
        out.drain()
            .filter_map(|e| match e {
                Effect::Send { msg, .. } => Some(serde_json::to_string(&msg).unwrap()),
                _ => None,
            })
            .collect()
    }

    fn txn(json: &str) -> HatMsg {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_transaction_reads_its_own_writes_and_replicates_only_final_values() {
        let nodes: Vec<NodeId> = NodeId::nodes(2).collect();
        let node = HatNode::deploy(nodes[0], &nodes, None).unwrap();
        let mut state = HatState::default();
        let mut out = Effects::new();
        let t = txn(r#"{"type":"txn","msg_id":1,"txn":[["w",1,1],["r",1,null],["w",1,2]]}"#);
        node.on_msg(nodes[0], &mut state, NodeId::client(0), t, &mut out);
        let sent = replies(&mut out);
        assert!(
            sent.contains(&r#"{"type":"hat_txn","stamp":[1,0],"writes":[[1,2]]}"#.to_string()),
            "{sent:?}"
        );
        assert!(
            sent.contains(
                &r#"{"type":"txn_ok","in_reply_to":1,"txn":[["w",1,1],["r",1,1],["w",1,2]]}"#
                    .to_string()
            ),
            "{sent:?}"
        );
    }

    #[test]
    fn the_dirty_aborts_bug_fails_a_transaction_but_keeps_its_writes() {
        let nodes: Vec<NodeId> = NodeId::nodes(1).collect();
        let node = HatNode::deploy(nodes[0], &nodes, Some(DIRTY_ABORTS)).unwrap();
        let mut state = HatState::default();
        let mut out = Effects::new();
        let t = txn(r#"{"type":"txn","msg_id":1,"txn":[["w",1,1],["w",1,2]]}"#);
        node.on_msg(nodes[0], &mut state, NodeId::client(0), t, &mut out);
        let sent = replies(&mut out);
        assert!(sent.iter().any(|s| s.contains(r#""code":30"#)), "{sent:?}");
        let r = txn(r#"{"type":"txn","msg_id":2,"txn":[["r",1,null]]}"#);
        node.on_msg(nodes[0], &mut state, NodeId::client(0), r, &mut out);
        let sent = replies(&mut out);
        assert!(
            sent.iter().any(|s| s.contains(r#"[["r",1,2]]"#)),
            "{sent:?}"
        );
    }

    #[test]
    fn the_first_write_wins_bug_installs_a_write_its_own_transaction_overwrote() {
        let nodes: Vec<NodeId> = NodeId::nodes(2).collect();
        let node = HatNode::deploy(nodes[0], &nodes, Some(FIRST_WRITE_WINS)).unwrap();
        let mut state = HatState::default();
        let mut out = Effects::new();
        let t = txn(r#"{"type":"txn","msg_id":1,"txn":[["w",1,1],["w",1,2],["r",1,null]]}"#);
        node.on_msg(nodes[0], &mut state, NodeId::client(0), t, &mut out);
        let sent = replies(&mut out);
        assert!(
            sent.contains(&r#"{"type":"hat_txn","stamp":[1,0],"writes":[[1,1]]}"#.to_string()),
            "{sent:?}"
        );
        assert!(
            sent.iter().any(|s| s.contains(r#"["r",1,2]]"#)),
            "its own read sees its last write: {sent:?}"
        );
        let r = txn(r#"{"type":"txn","msg_id":2,"txn":[["r",1,null]]}"#);
        node.on_msg(nodes[0], &mut state, NodeId::client(0), r, &mut out);
        let sent = replies(&mut out);
        assert!(
            sent.iter().any(|s| s.contains(r#"[["r",1,1]]"#)),
            "another reads the intermediate write: {sent:?}"
        );
    }
}
