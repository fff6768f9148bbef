//! [`ServedCrdt`], [`CrdtNode`]: a CRDT replica serving Maelstrom clients, for
//! `splitbrain node g-counter | pn-counter | g-set | or-set` (the runner's `g-counter`,
//! `pn-counter` and `g-set` workloads).
//!
//! The same merge and gossip as the model's [`super::Replica`], with the scripted updates
//! replaced by client requests: `{"type":"add","delta":N}` (counters) or
//! `{"type":"add","element":E}` (sets) → `add_ok`, `{"type":"read"}` →
//! `{"type":"read_ok","value":…}`. An update is applied locally and acknowledged at once (that is
//! what makes these types available under partitions); gossip spreads it.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Crdt, GCounter, Gossip, OrSet, PnCounter, ReplicaState, UpdateId, SUM_MERGE};
use crate::protocol::{Deployable, Effects, NodeId, Protocol};
use crate::ModelError;

/// What a client read returns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReadValue {
    /// A counter.
    Int(i64),
    /// A set.
    Set(BTreeSet<i64>),
}

/// The client-facing bodies of the counter and set workloads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientBody {
    /// Add `delta` (counters) or `element` (sets).
    Add {
        /// Request id.
        msg_id: u64,
        /// The counter increment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delta: Option<i64>,
        /// The set element.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        element: Option<i64>,
    },
    /// The add is applied here.
    AddOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
    },
    /// Read the value.
    Read {
        /// Request id.
        msg_id: u64,
    },
    /// The value.
    ReadOk {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// The value.
        value: ReadValue,
    },
    /// The request was refused.
    Error {
        /// The request's `msg_id`.
        in_reply_to: u64,
        /// Maelstrom's error code.
        code: u16,
        /// Why.
        text: String,
    },
}

/// Every message a served replica handles: client bodies, or peers' gossip.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged, bound = "")]
pub enum CrdtMsg<C: Crdt> {
    /// From or to a client.
    Client(ClientBody),
    /// Between replicas.
    Gossip(Gossip<C>),
}

/// A CRDT that can apply client requests.
pub trait ServedCrdt: Crdt {
    /// The name `splitbrain node` knows it by.
    const NODE_NAME: &'static str;
    /// Applies a client's add (`delta` for counters, `element` for sets) as update `tag` at
    /// `replica`; an `Err` is the text of a `malformed-request` error.
    fn client_add(
        &mut self,
        replica: usize,
        tag: UpdateId,
        delta: Option<i64>,
        element: Option<i64>,
    ) -> Result<Self::Op, String>;
    /// The value as a client reads it.
    fn read(&self) -> ReadValue;
}

impl ServedCrdt for GCounter {
    const NODE_NAME: &'static str = "g-counter";
    fn client_add(
        &mut self,
        replica: usize,
        _tag: UpdateId,
        delta: Option<i64>,
        _element: Option<i64>,
    ) -> Result<u64, String> {
        match delta {
            Some(d) if d >= 0 => {
                self.increment(replica, d.unsigned_abs());
                Ok(d.unsigned_abs())
            }
            Some(d) => Err(format!("a g-counter cannot add {d} (negative)")),
            None => Err("add needs an integer `delta`".into()),
        }
    }
    fn read(&self) -> ReadValue {
        ReadValue::Int(self.value() as i64)
    }
}

impl ServedCrdt for PnCounter {
    const NODE_NAME: &'static str = "pn-counter";
    fn client_add(
        &mut self,
        replica: usize,
        _tag: UpdateId,
        delta: Option<i64>,
        _element: Option<i64>,
    ) -> Result<i64, String> {
        let delta = delta.ok_or("add needs an integer `delta`")?;
        self.add(replica, delta);
        Ok(delta)
    }
    fn read(&self) -> ReadValue {
        ReadValue::Int(self.value())
    }
}

impl ServedCrdt for OrSet {
    const NODE_NAME: &'static str = "g-set";
    fn client_add(
        &mut self,
        replica: usize,
        _tag: UpdateId,
        _delta: Option<i64>,
        element: Option<i64>,
    ) -> Result<super::OrSetOp, String> {
        let element = element.ok_or("add needs an integer `element`")?;
        let element = u64::try_from(element).map_err(|_| format!("element {element} < 0"))?;
        // Fresh from the (durable) set itself, so a restarted replica never reuses a tag.
        let seq = self
            .adds
            .iter()
            .map(|(_, tag)| tag)
            .chain(&self.removed)
            .filter(|tag| tag.replica as usize == replica)
            .map(|tag| tag.seq + 1)
            .max()
            .unwrap_or(0);
        let tag = UpdateId {
            replica: replica as u32,
            seq,
        };
        self.add(element, tag);
        Ok(super::OrSetOp::Add { element, tag })
    }
    fn read(&self) -> ReadValue {
        ReadValue::Set(self.value().into_iter().map(|e| e as i64).collect())
    }
}

/// A replica serving clients (see the module docs).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CrdtNode<C> {
    replicas: usize,
    sum_merge: bool,
    crdt: PhantomData<fn() -> C>,
}

impl<C> Clone for CrdtNode<C> {
    fn clone(&self) -> Self {
        CrdtNode {
            crdt: PhantomData,
            ..*self
        }
    }
}

/// The served replica's one timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GossipTimer;

/// Maelstrom's `malformed-request` (definite).
const MALFORMED_REQUEST: u16 = 12;

const GOSSIP_EVERY: std::ops::Range<Duration> =
    Duration::from_millis(50)..Duration::from_millis(150);

impl<C: ServedCrdt> CrdtNode<C> {
    fn reply(out: &mut Effects<Self>, to: NodeId, body: ClientBody) {
        out.send(to, CrdtMsg::Client(body));
    }
}

impl<C: ServedCrdt> Protocol for CrdtNode<C> {
    type Msg = CrdtMsg<C>;
    type State = ReplicaState<C>;
    type Timer = GossipTimer;
    /// The CRDT state, persisted before an add is acknowledged: a killed replica comes back
    /// with every update it acknowledged (what it learned by gossip, peers still have).
    type Durable = C;

    fn on_start(&self, _me: NodeId, recovered: Option<&C>, out: &mut Effects<Self>) -> Self::State {
        out.set_timer(GossipTimer, GOSSIP_EVERY);
        ReplicaState {
            crdt: recovered
                .cloned()
                .unwrap_or_else(|| C::initial(self.replicas)),
            applied: BTreeSet::new(),
            issued: Vec::new(),
        }
    }

    fn on_msg(
        &self,
        me: NodeId,
        state: &mut Self::State,
        from: NodeId,
        msg: CrdtMsg<C>,
        out: &mut Effects<Self>,
    ) {
        match msg {
            CrdtMsg::Gossip(Gossip::Gossip {
                state: theirs,
                applied,
            }) => {
                if self.sum_merge {
                    state.crdt.sum_merge(&theirs);
                } else {
                    state.crdt.merge(&theirs);
                }
                state.applied.extend(applied);
            }
            CrdtMsg::Client(ClientBody::Add {
                msg_id,
                delta,
                element,
            }) => {
                let tag = UpdateId {
                    replica: me.index() as u32,
                    seq: state.issued.len() as u32,
                };
                let body = match state.crdt.client_add(me.index(), tag, delta, element) {
                    Ok(op) => {
                        state.issued.push(op);
                        state.applied.insert(tag);
                        out.persist(state.crdt.clone());
                        ClientBody::AddOk {
                            in_reply_to: msg_id,
                        }
                    }
                    Err(text) => ClientBody::Error {
                        in_reply_to: msg_id,
                        code: MALFORMED_REQUEST,
                        text,
                    },
                };
                Self::reply(out, from, body);
            }
            CrdtMsg::Client(ClientBody::Read { msg_id }) => Self::reply(
                out,
                from,
                ClientBody::ReadOk {
                    in_reply_to: msg_id,
                    value: state.crdt.read(),
                },
            ),
            // Replies are for clients; a replica receiving one ignores it.
            CrdtMsg::Client(_) => {}
        }
    }

    fn on_timer(
        &self,
        me: NodeId,
        state: &mut Self::State,
        _: GossipTimer,
        out: &mut Effects<Self>,
    ) {
        out.broadcast(
            me.peers(self.replicas),
            &CrdtMsg::Gossip(Gossip::Gossip {
                state: state.crdt.clone(),
                applied: BTreeSet::new(), // ghost data is for the model only
            }),
        );
        out.set_timer(GossipTimer, GOSSIP_EVERY);
    }

    fn role(&self) -> &'static str {
        "replica"
    }
}

impl<C: ServedCrdt> Deployable for CrdtNode<C> {
    const NODE_NAME: &'static str = C::NODE_NAME;

    fn deployable_bugs() -> Vec<&'static str> {
        if C::HAS_SUM_MERGE {
            vec![SUM_MERGE]
        } else {
            Vec::new()
        }
    }

    fn deploy(_me: NodeId, nodes: &[NodeId], bug: Option<&str>) -> Result<Self, ModelError> {
        if let Some(bug) = bug {
            if !Self::deployable_bugs().contains(&bug) {
                return Err(ModelError::UnknownBug {
                    spec: C::NODE_NAME,
                    bug: bug.to_owned(),
                    known: Self::deployable_bugs().join(", "),
                });
            }
        }
        Ok(CrdtNode {
            replicas: nodes.len(),
            sum_merge: bug == Some(SUM_MERGE),
            crdt: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_bodies_parse_as_the_runner_sends_them() {
        let add: CrdtMsg<GCounter> =
            serde_json::from_str(r#"{"type":"add","msg_id":3,"delta":2}"#).unwrap();
        assert_eq!(
            add,
            CrdtMsg::Client(ClientBody::Add {
                msg_id: 3,
                delta: Some(2),
                element: None
            })
        );
        let read: CrdtMsg<OrSet> = serde_json::from_str(r#"{"type":"read","msg_id":4}"#).unwrap();
        assert_eq!(read, CrdtMsg::Client(ClientBody::Read { msg_id: 4 }));
        let reply = serde_json::to_string(&CrdtMsg::<OrSet>::Client(ClientBody::ReadOk {
            in_reply_to: 4,
            value: ReadValue::Set(BTreeSet::from([1, 2])),
        }))
        .unwrap();
        assert_eq!(reply, r#"{"type":"read_ok","in_reply_to":4,"value":[1,2]}"#);
    }

    #[test]
    fn gossip_round_trips_through_json() {
        let gossip = CrdtMsg::<PnCounter>::Gossip(Gossip::Gossip {
            state: PnCounter::initial(2),
            applied: BTreeSet::new(),
        });
        let text = serde_json::to_string(&gossip).unwrap();
        assert_eq!(
            serde_json::from_str::<CrdtMsg<PnCounter>>(&text).unwrap(),
            gossip
        );
    }

    #[test]
    fn sum_merge_is_deployable_only_on_counters() {
        let nodes = [NodeId::node(0), NodeId::node(1)];
        assert!(CrdtNode::<GCounter>::deploy(nodes[0], &nodes, Some(SUM_MERGE)).is_ok());
        assert!(CrdtNode::<OrSet>::deploy(nodes[0], &nodes, Some(SUM_MERGE)).is_err());
    }
}
