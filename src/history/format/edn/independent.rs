//! Jepsen's independent-key histories: `:value [k v]` tuples (`jepsen.independent`).
//!
//! A history is read as independent iff it has at least one client event, no client event has an
//! explicit `:key`, every client event's value is a two-element list, and every `cas` event's
//! value has a two-element list or nil as its second element (`[k [old new]]`, or `[k nil]` on a
//! crashed cas). Then each client event gets `key = k` and `value = v`. A plain cas-register
//! history has scalar write values, so it never passes; nor does a transaction of two micro-ops
//! (`[[:append :x 1] [:r :x nil]]` is a transaction, not a `[k v]` tuple, and so is Knossos'
//! `:f :txn` of `[[:write :x 1] [:read :y nil]]`).
//!
//! Deciding needs the whole history, but it usually fails on the first write: events are held
//! back only while the history still looks independent, and flushed unchanged the moment it does
//! not. Only a history that really is independent is held whole (to be rewritten at the end).

use crate::history::{Event, HistoryError, Process, Value};

/// Whether `event` keeps a history independent (nemesis events always do).
fn fits(event: &Event) -> bool {
    if event.process == Process::Nemesis {
        return true;
    }
    if event.key.is_some() {
        return false;
    }
    let Value::List(items) = &event.value else {
        return false;
    };
    let [_, v] = &**items else {
        return false;
    };
    if super::super::implied::function(Some(&event.value)).is_some() {
        return false;
    }
    if &*event.f == "txn" && items.iter().all(is_knossos_micro_op) {
        return false;
    }
    &*event.f != "cas" || is_cas_value(v)
}

/// `[:read k v]` or `[:write k v]`: a micro-op of Knossos' multi-register transactions, so a
/// `txn` of two of them is a transaction, not a `[k v]` tuple.
fn is_knossos_micro_op(item: &Value) -> bool {
    matches!(item, Value::List(p) if p.len() == 3 && matches!(p[0].as_text(), Some("read" | "write")))
}

/// `[old new]`, or nil (a crashed cas).
fn is_cas_value(v: &Value) -> bool {
    v.is_nil() || matches!(v, Value::List(items) if items.len() == 2)
}

/// Whether writing `events` with `[k v]` tuples reads back as the same keys: there is a client
/// event, every client event has a key, and every client `cas` value is `[old new]` or nil.
pub(super) fn tuples_read_back(events: &[Event]) -> bool {
    let mut clients = events
        .iter()
        .filter(|e| e.process != Process::Nemesis)
        .peekable();
    clients.peek().is_some()
        && clients.all(|e| e.key.is_some() && (&*e.f != "cas" || is_cas_value(&e.value)))
}

/// Holds events back while the history may be independent.
#[derive(Default)]
pub(super) struct Independent {
    held: Vec<Event>,
    clients: usize,
    decided_not: bool,
}

impl Independent {
    /// Takes the next event, passing events to `sink` as soon as the history is known not to be
    /// independent.
    pub(super) fn push(
        &mut self,
        event: Event,
        sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
    ) -> Result<(), HistoryError> {
        if self.decided_not {
            return sink(event);
        }
        if !fits(&event) {
            self.decided_not = true;
            for held in self.held.drain(..) {
                sink(held)?;
            }
            return sink(event);
        }
        if event.process != Process::Nemesis {
            self.clients += 1;
        }
        self.held.push(event);
        Ok(())
    }

    /// Passes the held events to `sink`, split into key and value if the history is independent.
    pub(super) fn finish(
        self,
        sink: &mut dyn FnMut(Event) -> Result<(), HistoryError>,
    ) -> Result<(), HistoryError> {
        let independent = self.clients > 0;
        for mut event in self.held {
            if independent && event.process != Process::Nemesis {
                if let Value::List(items) = std::mem::replace(&mut event.value, Value::Nil) {
                    // `fits` made sure there are exactly two items.
                    let mut items = items.into_vec().into_iter();
                    event.key = items.next();
                    event.value = items.next().unwrap_or(Value::Nil);
                }
            }
            sink(event)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;

    fn run(events: Vec<Event>) -> Vec<Event> {
        let mut out = Vec::new();
        let mut independent = Independent::default();
        let mut sink = |e| {
            out.push(e);
            Ok(())
        };
        for e in events {
            independent.push(e, &mut sink).unwrap();
        }
        independent.finish(&mut sink).unwrap();
        out
    }

    fn ev(kind: EventKind, f: &str, value: Value) -> Event {
        Event::new(0, kind, f, value)
    }

    fn pair(a: Value, b: Value) -> Value {
        Value::list(vec![a, b])
    }

    #[test]
    fn a_transaction_of_two_micro_ops_is_not_a_key_value_tuple() {
        let mop = |f: &str, v: Value| {
            Value::list(vec![
                Value::Keyword(f.into()),
                Value::Keyword("x".into()),
                v,
            ])
        };
        let txn = pair(mop("append", 1.into()), mop("r", Value::Nil));
        let out = run(vec![ev(EventKind::Invoke, "txn", txn.clone())]);
        assert_eq!((out[0].key.clone(), &out[0].value), (None, &txn));
    }

    #[test]
    fn tuples_become_key_and_value() {
        let out = run(vec![
            ev(
                EventKind::Invoke,
                "cas",
                pair(1.into(), pair(2.into(), 3.into())),
            ),
            ev(
                EventKind::Ok,
                "cas",
                pair(1.into(), pair(2.into(), 3.into())),
            ),
            ev(EventKind::Invoke, "read", pair(7.into(), Value::Nil)),
        ]);
        assert_eq!(out[0].key, Some(1.into()));
        assert_eq!(out[0].value, pair(2.into(), 3.into()));
        assert_eq!(
            (out[2].key.clone(), out[2].value.clone()),
            (Some(7.into()), Value::Nil)
        );
    }

    #[test]
    fn a_plain_cas_register_is_not_mistaken_for_tuples() {
        let events = vec![
            ev(EventKind::Invoke, "cas", pair(1.into(), 2.into())),
            ev(EventKind::Fail, "cas", pair(1.into(), 2.into())),
        ];
        assert_eq!(run(events.clone()), events);
    }

    #[test]
    fn one_scalar_value_anywhere_keeps_every_event_unchanged_and_in_order() {
        let events = vec![
            ev(EventKind::Invoke, "write", pair(1.into(), 2.into())),
            ev(EventKind::Ok, "write", pair(1.into(), 2.into())),
            ev(EventKind::Invoke, "write", 5.into()),
            ev(EventKind::Ok, "write", pair(1.into(), 2.into())),
        ];
        assert_eq!(run(events.clone()), events);
    }

    #[test]
    fn nemesis_only_history_is_not_independent() {
        let mut e = ev(EventKind::Info, "start", pair(1.into(), 2.into()));
        e.process = Process::Nemesis;
        assert_eq!(run(vec![e.clone()]), vec![e]);
    }
}
