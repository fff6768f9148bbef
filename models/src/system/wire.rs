//! [`Wire`]: the messages in flight, stored as one sorted, exactly sized array.
//!
//! stateright's `Network` keeps an unordered network in a hash table: an envelope slot is 32
//! bytes (two 8-byte actor ids, the message pointer, a count), the table is a power of two at
//! most 7/8 full plus a control byte per slot, and a successor that sends grows its copy by
//! doubling. A breadth-first search stores one network per frontier state, so heap profiles
//! (`heaptrack`) put the network at about a third of a Paxos search's memory. Here an envelope
//! is 16 bytes (2-byte actor ids, the `Arc` message, a 4-byte count) in a boxed slice with no
//! spare room, kept sorted so that equal multisets are equal arrays (`Eq` and `Hash` are the
//! slice's).
//!
//! The three semantics are stateright's:
//! - **unordered** (non-duplicating): a multiset sorted by (source, destination, message);
//!   delivering or dropping takes one copy;
//! - **duplicating**: a set (every count is 1); delivering leaves the message and remembers it as
//!   the last one delivered (so that a delivery that changes nothing else still makes a
//!   different state); dropping removes it;
//! - **ordered**: per (source, destination) flow, messages in sending order (slots sorted by
//!   flow only, stably); only a flow's head is deliverable; delivering or dropping removes the
//!   first equal message of the flow.

use std::fmt;
use std::hash::Hash;

use stateright::actor::{Envelope, Id, Network};

use crate::spec::NetworkKind;

/// One envelope and how many copies of it are in flight.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Slot<M> {
    msg: M,
    src: u16,
    dst: u16,
    count: u32,
}

impl<M> Slot<M> {
    fn flow(&self) -> (u16, u16) {
        (self.src, self.dst)
    }
}

/// The messages in flight (see the [module docs](self)).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Wire<M> {
    slots: Box<[Slot<M>]>,
    /// The last message delivered, on a duplicating network.
    last: Option<Box<(u16, u16, M)>>,
}

fn actor(id: Id) -> u16 {
    u16::try_from(usize::from(id)).expect("at most 65,536 actors")
}

/// The kind of `network`.
pub(crate) fn kind_of<M: Eq + Hash>(network: &Network<M>) -> NetworkKind {
    match network {
        Network::Ordered(_) => NetworkKind::Ordered,
        Network::UnorderedNonDuplicating(_) => NetworkKind::Unordered,
        Network::UnorderedDuplicating(..) => NetworkKind::Duplicating,
    }
}

impl<M: Clone + Ord> Wire<M> {
    /// An empty network.
    pub(crate) fn empty() -> Wire<M> {
        Wire {
            slots: Box::new([]),
            last: None,
        }
    }

    /// `envelopes` in flight on a network of `kind` (in sending order, for an ordered one), and
    /// `last` delivered.
    pub(crate) fn from_envelopes(
        kind: NetworkKind,
        envelopes: impl IntoIterator<Item = Envelope<M>>,
        last: Option<Envelope<M>>,
    ) -> Wire<M> {
        let mut edit = Wire::empty().edit(kind, 0);
        for envelope in envelopes {
            edit.send(envelope);
        }
        edit.last = last.map(|e| Box::new((actor(e.src), actor(e.dst), e.msg)));
        edit.finish()
    }

    /// stateright's `network`, converted.
    pub(crate) fn from_network(network: &Network<M>) -> Wire<M>
    where
        M: Hash,
    {
        let last = match network {
            Network::UnorderedDuplicating(_, last) => last.clone(),
            _ => None,
        };
        let envelopes = envelopes(network)
            .into_iter()
            .map(|(src, dst, msg)| Envelope {
                src,
                dst,
                msg: msg.clone(),
            });
        Wire::from_envelopes(kind_of(network), envelopes, last)
    }

    /// The number of messages in flight.
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().map(|s| s.count as usize).sum()
    }

    /// Every message in flight as `(src, dst, msg)`, each copy once, flows in sending order.
    pub(crate) fn envelopes(&self) -> Vec<(Id, Id, &M)> {
        self.slots
            .iter()
            .flat_map(|s| {
                std::iter::repeat_n(
                    (
                        Id::from(usize::from(s.src)),
                        Id::from(usize::from(s.dst)),
                        &s.msg,
                    ),
                    s.count as usize,
                )
            })
            .collect()
    }

    /// The messages that may be delivered next, each distinct envelope once: every one on an
    /// unordered network, each flow's head on an ordered one.
    pub(crate) fn deliverable(&self, kind: NetworkKind) -> impl Iterator<Item = Envelope<&M>> {
        let ordered = kind == NetworkKind::Ordered;
        self.slots
            .iter()
            .enumerate()
            .filter(move |(i, s)| !ordered || *i == 0 || self.slots[i - 1].flow() != s.flow())
            .map(|(_, s)| Envelope {
                src: Id::from(usize::from(s.src)),
                dst: Id::from(usize::from(s.dst)),
                msg: &s.msg,
            })
    }

    /// The last message delivered (duplicating networks).
    pub(crate) fn last(&self) -> Option<Envelope<&M>> {
        self.last.as_deref().map(|(src, dst, msg)| Envelope {
            src: Id::from(usize::from(*src)),
            dst: Id::from(usize::from(*dst)),
            msg,
        })
    }

    /// A copy of this network to change, with room for `spare` more envelopes; see
    /// [`Edit::finish`].
    pub(crate) fn edit(&self, kind: NetworkKind, spare: usize) -> Edit<M> {
        let mut slots = Vec::with_capacity(self.slots.len() + spare);
        slots.extend_from_slice(&self.slots);
        Edit {
            kind,
            slots,
            last: self.last.clone(),
        }
    }
}

/// A [`Wire`] being changed: sends, deliveries and drops.
pub(crate) struct Edit<M> {
    kind: NetworkKind,
    slots: Vec<Slot<M>>,
    last: Option<Box<(u16, u16, M)>>,
}

impl<M: Clone + Ord> Edit<M> {
    /// The changed network, exactly sized.
    pub(crate) fn finish(self) -> Wire<M> {
        Wire {
            slots: self.slots.into_boxed_slice(),
            last: self.last,
        }
    }

    /// Where the slot of (`src`, `dst`, `msg`) is or would go (unordered networks).
    fn find(&self, src: u16, dst: u16, msg: &M) -> Result<usize, usize> {
        self.slots
            .binary_search_by(|s| (s.src, s.dst, &s.msg).cmp(&(src, dst, msg)))
    }

    /// Puts `envelope` in flight.
    pub(crate) fn send(&mut self, envelope: Envelope<M>) {
        let (src, dst) = (actor(envelope.src), actor(envelope.dst));
        match self.kind {
            NetworkKind::Ordered => {
                let end = self.slots.partition_point(|s| s.flow() <= (src, dst));
                self.slots.insert(
                    end,
                    Slot {
                        msg: envelope.msg,
                        src,
                        dst,
                        count: 1,
                    },
                );
            }
            NetworkKind::Unordered | NetworkKind::Duplicating => {
                match self.find(src, dst, &envelope.msg) {
                    Ok(at) if self.kind == NetworkKind::Unordered => self.slots[at].count += 1,
                    Ok(_) => {}
                    Err(at) => self.slots.insert(
                        at,
                        Slot {
                            msg: envelope.msg,
                            src,
                            dst,
                            count: 1,
                        },
                    ),
                }
            }
        }
    }

    /// Takes a delivered `envelope` out of the network; a duplicating network keeps it and
    /// remembers it as the last one delivered.
    pub(crate) fn deliver(&mut self, envelope: Envelope<M>) {
        if self.kind == NetworkKind::Duplicating {
            let (src, dst) = (actor(envelope.src), actor(envelope.dst));
            self.last = Some(Box::new((src, dst, envelope.msg)));
        } else {
            self.remove(envelope);
        }
    }

    /// Loses one copy of `envelope`.
    pub(crate) fn remove(&mut self, envelope: Envelope<M>) {
        let (src, dst) = (actor(envelope.src), actor(envelope.dst));
        let at = match self.kind {
            NetworkKind::Ordered => {
                let start = self.slots.partition_point(|s| s.flow() < (src, dst));
                self.slots[start..]
                    .iter()
                    .take_while(|s| s.flow() == (src, dst))
                    .position(|s| s.msg == envelope.msg)
                    .map(|i| start + i)
            }
            NetworkKind::Unordered | NetworkKind::Duplicating => {
                self.find(src, dst, &envelope.msg).ok()
            }
        }
        .expect("an action names a message in flight");
        if self.slots[at].count > 1 {
            self.slots[at].count -= 1;
        } else {
            self.slots.remove(at);
        }
    }
}

/// Every message in stateright's `network` as `(src, dst, msg)`, each copy once (duplicating
/// networks hold one copy of each message). Written against the variants directly: stateright
/// 0.31's `Network::iter_all` never advances past the first message of an ordered channel.
pub(crate) fn envelopes<M: Eq + Hash>(network: &Network<M>) -> Vec<(Id, Id, &M)> {
    match network {
        Network::UnorderedDuplicating(set, _) => {
            set.iter().map(|e| (e.src, e.dst, &e.msg)).collect()
        }
        Network::UnorderedNonDuplicating(multiset) => multiset
            .iter()
            .flat_map(|(e, &count)| std::iter::repeat_n((e.src, e.dst, &e.msg), count))
            .collect(),
        Network::Ordered(channels) => channels
            .iter()
            .flat_map(|(&(src, dst), queue)| queue.iter().map(move |m| (src, dst, m)))
            .collect(),
    }
}

impl<M: fmt::Debug> fmt::Debug for Wire<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for s in self.slots.iter() {
            for _ in 0..s.count {
                list.entry(&format_args!("{} → {:?} → {}", s.src, s.msg, s.dst));
            }
        }
        list.finish()?;
        if let Some((src, dst, msg)) = self.last.as_deref() {
            write!(f, " (last delivered: {src} → {msg:?} → {dst})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(src: usize, dst: usize, msg: u32) -> Envelope<u32> {
        Envelope {
            src: Id::from(src),
            dst: Id::from(dst),
            msg,
        }
    }

    fn wire(kind: NetworkKind, sends: &[(usize, usize, u32)]) -> Wire<u32> {
        Wire::from_envelopes(kind, sends.iter().map(|&(s, d, m)| env(s, d, m)), None)
    }

    #[test]
    fn unordered_networks_equal_whatever_the_sending_order() {
        let a = wire(NetworkKind::Unordered, &[(0, 1, 7), (2, 1, 3), (0, 1, 7)]);
        let b = wire(NetworkKind::Unordered, &[(2, 1, 3), (0, 1, 7), (0, 1, 7)]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert_eq!(a.deliverable(NetworkKind::Unordered).count(), 2);
    }

    #[test]
    fn ordered_flows_deliver_their_head_only_and_removing_undoes_sending() {
        let kind = NetworkKind::Ordered;
        let w = wire(kind, &[(0, 1, 5), (0, 1, 2), (1, 0, 9)]);
        let heads: Vec<_> = w.deliverable(kind).map(|e| *e.msg).collect();
        assert_eq!(heads, [5, 9]);
        let mut edit = w.edit(kind, 0);
        edit.deliver(env(0, 1, 5));
        let after = edit.finish();
        assert_eq!(after, wire(kind, &[(0, 1, 2), (1, 0, 9)]));
        assert_ne!(w, wire(kind, &[(0, 1, 2), (0, 1, 5), (1, 0, 9)]));
    }

    #[test]
    fn duplicating_networks_keep_a_delivered_message_and_remember_it() {
        let kind = NetworkKind::Duplicating;
        let w = wire(kind, &[(0, 1, 4), (0, 1, 4)]);
        assert_eq!(w.len(), 1);
        let mut edit = w.edit(kind, 0);
        edit.deliver(env(0, 1, 4));
        let after = edit.finish();
        assert_eq!(after.len(), 1);
        assert_ne!(after, w);
        assert_eq!(after.last().map(|e| *e.msg), Some(4));
    }
}
