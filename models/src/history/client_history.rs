//! [`ClientHistory`]: the clients' operations recorded along a path of the model.

use std::sync::Arc;

use super::{Completion, EventKind, HistoryEvent, Observed, VerdictCache};

/// The client events so far, in the order they happened, and whether they are linearizable.
///
/// Part of the model state (and of its fingerprint): two states whose nodes agree but whose
/// clients have seen different things are different states. The verdict is a function of the
/// events, so carrying it adds no states.
///
/// The events are shared (`Arc`): the checker clones a state for every transition, and most
/// transitions leave the history alone, so a clone is a reference count rather than a copy, and
/// the states a breadth-first search keeps share one allocation per distinct history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientHistory {
    events: Arc<[HistoryEvent]>,
    linearizable: bool,
}

impl Default for ClientHistory {
    fn default() -> Self {
        ClientHistory {
            events: Arc::from([]),
            linearizable: true,
        }
    }
}

impl ClientHistory {
    /// The events, in order.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// Whether the history is linearizable (always `true` for specs that do not check
    /// linearizability).
    pub fn is_linearizable(&self) -> bool {
        self.linearizable
    }

    /// The operation `process` has in flight: its invocation.
    pub fn in_flight(&self, process: u32) -> Option<&HistoryEvent> {
        self.events
            .iter()
            .rev()
            .find(|e| e.process == process)
            .filter(|e| e.kind == EventKind::Invoke)
    }

    /// The completed operations that took effect: `(invocation, ok completion)` pairs.
    pub fn ok_ops(&self) -> impl Iterator<Item = (&HistoryEvent, &HistoryEvent)> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EventKind::Ok)
            .filter_map(|(i, ok)| {
                self.events[..i]
                    .iter()
                    .rev()
                    .find(|e| e.process == ok.process && e.msg_id == ok.msg_id)
                    .map(|invoke| (invoke, ok))
            })
    }

    /// The history after `process` sent (`Invoke`) or received (`Complete`) the observed
    /// message, or `None` if it does not change: a request while an operation is in flight, a
    /// reply to nothing in flight (a duplicate, a stray), or no client traffic at all.
    ///
    /// With a `verdicts` cache, a completion that took effect updates the verdict.
    pub fn record(
        &self,
        process: u32,
        observed: Observed,
        verdicts: Option<&VerdictCache>,
    ) -> Option<ClientHistory> {
        let event = match observed {
            Observed::Nothing => return None,
            Observed::Invoke { msg_id, f, value } => {
                if self.in_flight(process).is_some() {
                    return None;
                }
                HistoryEvent {
                    process,
                    kind: EventKind::Invoke,
                    f,
                    value,
                    error: None,
                    msg_id,
                }
            }
            Observed::Complete {
                in_reply_to,
                completion,
            } => {
                let invoke = self.in_flight(process)?;
                if invoke.msg_id != in_reply_to {
                    return None;
                }
                let (kind, value, error) = match completion {
                    Completion::Ok(result) => (EventKind::Ok, result.unwrap_or(invoke.value), None),
                    Completion::Error(code) if code.is_definite() => {
                        (EventKind::Fail, invoke.value, Some(code))
                    }
                    Completion::Error(code) => (EventKind::Info, invoke.value, Some(code)),
                };
                HistoryEvent {
                    process,
                    kind,
                    f: invoke.f,
                    value,
                    error,
                    msg_id: invoke.msg_id,
                }
            }
        };
        let took_effect = event.kind == EventKind::Ok;
        let events: Arc<[HistoryEvent]> = self
            .events
            .iter()
            .cloned()
            .chain(std::iter::once(event))
            .collect();
        let linearizable = match (took_effect, verdicts) {
            (true, Some(verdicts)) => verdicts.verdict(&events),
            _ => self.linearizable,
        };
        Some(ClientHistory {
            events,
            linearizable,
        })
    }

    /// The history with processes renamed by `rename` (for symmetry reduction).
    pub(crate) fn rename_processes(&self, rename: impl Fn(u32) -> u32) -> ClientHistory {
        ClientHistory {
            events: self
                .events
                .iter()
                .map(|e| HistoryEvent {
                    process: rename(e.process),
                    ..e.clone()
                })
                .collect(),
            linearizable: self.linearizable,
        }
    }
}
