//! `queue`: a FIFO queue. `enqueue v` appends; `dequeue` returns the oldest element, or `nil`
//! when the queue is empty. A dequeue with unknown outcome may have removed the oldest element.

use std::collections::VecDeque;

use super::{Entry, Lifted, Spec, Violation};
use crate::history::{Op, Outcome, Value};

/// A queue operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueOp {
    /// Append this element.
    Enqueue(Value),
    /// A dequeue that returned this element (`None`: the queue was empty).
    Dequeue(Option<Value>),
    /// A dequeue whose result is unknown: removes the oldest element, if any.
    DequeueUnknown,
}

/// The queue spec; starts empty.
#[derive(Clone, Copy, Debug, Default)]
pub struct Queue;

impl Spec for Queue {
    type State = VecDeque<Value>;
    type Op = QueueOp;

    fn init(&self) -> VecDeque<Value> {
        VecDeque::new()
    }

    fn lift(&self, op: &Op) -> Result<Lifted<QueueOp>, String> {
        Ok(match (&*op.f, op.outcome) {
            (_, Outcome::Fail) if matches!(&*op.f, "enqueue" | "dequeue") => Lifted::Ignore,
            ("enqueue", Outcome::Ok) => Lifted::Required(QueueOp::Enqueue(op.input.clone())),
            ("enqueue", _) => Lifted::Optional(QueueOp::Enqueue(op.input.clone())),
            ("dequeue", Outcome::Ok) => Lifted::Required(QueueOp::Dequeue(
                (!op.output.is_nil()).then(|| op.output.clone()),
            )),
            ("dequeue", _) => Lifted::Optional(QueueOp::DequeueUnknown),
            (f, _) => return Err(super::unknown_function("queue", f, &["enqueue", "dequeue"])),
        })
    }

    fn step(&self, queue: &VecDeque<Value>, op: &QueueOp) -> Option<VecDeque<Value>> {
        match op {
            QueueOp::Enqueue(v) => {
                let mut next = queue.clone();
                next.push_back(v.clone());
                Some(next)
            }
            QueueOp::Dequeue(None) => queue.is_empty().then(|| queue.clone()),
            QueueOp::Dequeue(Some(v)) => (queue.front() == Some(v)).then(|| {
                let mut next = queue.clone();
                next.pop_front();
                next
            }),
            QueueOp::DequeueUnknown => (!queue.is_empty()).then(|| {
                let mut next = queue.clone();
                next.pop_front();
                next
            }),
        }
    }

    fn is_read_only(&self, op: &QueueOp) -> bool {
        matches!(op, QueueOp::Dequeue(None))
    }

    fn state_heap_bytes(&self, queue: &VecDeque<Value>) -> usize {
        queue.len() * std::mem::size_of::<Value>()
    }

    fn describe_state(&self, queue: &VecDeque<Value>) -> String {
        let items: Vec<String> = queue.iter().map(|v| v.to_string()).collect();
        format!("[{}]", items.join(", "))
    }

    /// A dequeued element must have been enqueued, by an enqueue invoked before the dequeue
    /// returned.
    fn precheck(&self, entries: &[Entry<QueueOp>]) -> Option<Violation> {
        let first_enqueue = super::earliest_producers(entries, |op| match op {
            QueueOp::Enqueue(v) => Some(v),
            _ => None,
        });
        for (i, e) in entries.iter().enumerate() {
            let QueueOp::Dequeue(Some(v)) = &e.op else {
                continue;
            };
            if e.optional {
                continue;
            }
            match first_enqueue.get(v) {
                None => {
                    return Some(Violation {
                        entries: vec![i],
                        reason: format!("dequeue of {v}, which no operation enqueued"),
                    })
                }
                Some(&(call, enq)) if call > e.ret => {
                    return Some(Violation {
                        entries: vec![i, enq],
                        reason: format!("dequeue of {v} returned before any enqueue of {v} began"),
                    })
                }
                _ => {}
            }
        }
        None
    }
}
