//! [`Delayed`]: messages waiting for their delivery time, earliest first (ties in send order).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tokio::time::Instant;

use super::Line;
use crate::runner::protocol::Endpoint;

/// A message in flight: its journal id, its true sender, where it goes, the line as written.
pub(super) struct Message {
    pub(super) id: u64,
    pub(super) from: Endpoint,
    pub(super) dest: Endpoint,
    pub(super) line: Line,
}

struct Pending {
    at: Instant,
    seq: u64,
    message: Message,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed: the heap's top is the earliest deadline.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The delay heap.
#[derive(Default)]
pub(super) struct Delayed {
    heap: BinaryHeap<Pending>,
    seq: u64,
}

impl Delayed {
    /// Holds `message` until `at`.
    pub(super) fn push(&mut self, at: Instant, message: Message) {
        self.seq += 1;
        self.heap.push(Pending {
            at,
            seq: self.seq,
            message,
        });
    }

    /// The earliest delivery time.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|p| p.at)
    }

    /// The next message due at `now`.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Message> {
        if self.heap.peek()?.at <= now {
            self.heap.pop().map(|p| p.message)
        } else {
            None
        }
    }

    /// Whether nothing is waiting.
    pub(super) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn message(id: u64) -> Message {
        Message {
            id,
            from: Endpoint::Node(0),
            dest: Endpoint::Node(1),
            line: std::sync::Arc::from(&b"{}"[..]),
        }
    }

    #[test]
    fn messages_come_out_by_deadline_then_in_send_order() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        let mut d = Delayed::default();
        d.push(t + ms(5), message(1));
        d.push(t + ms(1), message(2));
        d.push(t + ms(5), message(3));
        assert_eq!(d.next_deadline(), Some(t + ms(1)));
        assert!(d.pop_due(t).is_none());
        let order: Vec<u64> = std::iter::from_fn(|| d.pop_due(t + ms(9)).map(|m| m.id)).collect();
        assert_eq!(order, [2, 1, 3]);
        assert!(d.is_empty());
    }
}
