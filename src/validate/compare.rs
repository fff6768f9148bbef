//! Comparing one handler call's effects, as the model's code requests them, with the effects the
//! real node's host journaled.
//!
//! Sends compare recipient and body text byte for byte (the expected body is rendered with the
//! host's own function, [`body_text`]); timers compare the timer and check that the drawn delay
//! lies in the requested range; choices compare key and options; the durable write compares the
//! [`durable_digest`] of the last `Persist` with the digest the host wrote: a 128-bit digest of
//! the value computed from its `Hash` on both sides (why that is sound: see
//! [`splitbrain_models::digest`]), so the model's value is never serialized to compare it.

use std::ops::Range;
use std::time::Duration;

use splitbrain_models::protocol::Effect;
use splitbrain_models::Deployable;

use splitbrain_models::digest::{digest_text, durable_digest, Digest};

use super::journal::Fx;
use crate::node::body_text;

/// One effect the model's code requested, rendered for comparison.
pub(crate) enum Expected<P: Deployable> {
    /// A message and its body text.
    Send {
        to: String,
        body: String,
        msg: P::Msg,
    },
    /// A timer (JSON text) armed within `after`.
    Set {
        timer: String,
        after: Range<Duration>,
    },
    /// A timer (JSON text) disarmed.
    Cancel { timer: String },
    /// A choice: key and options (JSON text).
    Choose { key: String, options: String },
}

/// The rendered effects of one call, the hash of its last `Persist`, and its disk steps.
pub(crate) struct Rendered<P: Deployable> {
    pub(crate) effects: Vec<Expected<P>>,
    pub(crate) persist: Option<Digest>,
    /// `None`: no `Sync`; `Some(Some(h))`: the last `Sync` made this call's write `h`
    /// durable; `Some(None)`: it synced an earlier call's write.
    pub(crate) sync: Option<Option<Digest>>,
    /// The writes and syncs, in order.
    pub(crate) disk: Vec<DiskStep>,
}

/// A disk effect of the model's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DiskStep {
    /// A `Persist` of the value with this hash.
    Write(Digest),
    /// A `Sync`.
    Sync,
}

/// What the node's host journaled for one call.
pub(crate) struct Journaled<'j, 'a> {
    pub(crate) fx: &'j [Fx<'a>],
    /// The hash of the last value it wrote.
    pub(crate) persisted: Option<Digest>,
    /// The hash of what it synced.
    pub(crate) synced: Option<Digest>,
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Renders `effects` (the model's, in order).
pub(crate) fn render<P: Deployable>(effects: Vec<Effect<P>>) -> Rendered<P> {
    let mut out = Rendered {
        effects: Vec::with_capacity(effects.len()),
        persist: None,
        sync: None,
        disk: Vec::new(),
    };
    let mut written_here = None;
    for effect in effects {
        match effect {
            Effect::Send { to, msg } => out.effects.push(Expected::Send {
                to: to.to_string(),
                body: body_text(&msg),
                msg,
            }),
            Effect::SetTimer { timer, after } => out.effects.push(Expected::Set {
                timer: json(&timer),
                after,
            }),
            Effect::CancelTimer(timer) => out.effects.push(Expected::Cancel {
                timer: json(&timer),
            }),
            Effect::Choose { key, options } => out.effects.push(Expected::Choose {
                key: key.to_string(),
                options: json(&options),
            }),
            Effect::Persist(durable) => {
                let hash = durable_digest(&durable);
                out.persist = Some(hash);
                written_here = Some(hash);
                out.disk.push(DiskStep::Write(hash));
            }
            Effect::Sync => {
                out.sync = Some(written_here.take().or(out.sync.flatten()));
                out.disk.push(DiskStep::Sync);
            }
        }
    }
    out
}

/// Where the two lists first differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// One sentence.
    pub(crate) what: String,
    /// The model's effects, one line each.
    pub(crate) expected: Vec<String>,
    /// The node's effects, one line each.
    pub(crate) actual: Vec<String>,
}

fn in_range(ns: u64, after: &Range<Duration>) -> bool {
    let (start, end) = (after.start.as_nanos(), after.end.as_nanos());
    let ns = u128::from(ns);
    if end <= start {
        ns == start
    } else {
        start <= ns && ns < end
    }
}

fn same<P: Deployable>(expected: &Expected<P>, actual: &Fx<'_>) -> bool {
    match (expected, actual) {
        (Expected::Send { to, body, .. }, Fx::Send { to: t, body: b }) => to == t && body == b,
        (Expected::Set { timer, after }, Fx::Set { timer: t, ns }) => {
            timer == t && in_range(*ns, after)
        }
        (Expected::Cancel { timer }, Fx::Cancel { timer: t }) => timer == t,
        (Expected::Choose { key, options }, Fx::Choose { key: k, options: o }) => {
            key == k && options == o
        }
        _ => false,
    }
}

fn millis(d: Duration) -> String {
    format!("{:.0}ms", d.as_secs_f64() * 1e3)
}

/// One expected effect as a line.
pub(crate) fn show_expected<P: Deployable>(e: &Expected<P>) -> String {
    match e {
        Expected::Send { to, body, .. } => format!("send to {to}: {body}"),
        Expected::Set { timer, after } => format!(
            "set timer {timer} within {}..{}",
            millis(after.start),
            millis(after.end)
        ),
        Expected::Cancel { timer } => format!("cancel timer {timer}"),
        Expected::Choose { key, options } => format!("choose {key:?} among {options}"),
    }
}

/// One journaled effect as a line.
pub(crate) fn show_actual(f: &Fx<'_>) -> String {
    match f {
        Fx::Send { to, body } => format!("send to {to}: {body}"),
        Fx::Set { timer, ns } => format!("set timer {timer} after {:.1}ms", *ns as f64 / 1e6),
        Fx::Cancel { timer } => format!("cancel timer {timer}"),
        Fx::Choose { key, options } => format!("choose {key:?} among {options}"),
    }
}

fn show_persist(hash: Option<Digest>) -> Option<String> {
    hash.map(|h| format!("persist (durable value digest {})", digest_text(h)))
}

fn show_sync(hash: Option<Digest>) -> Option<String> {
    hash.map(|h| format!("sync (durable value digest {})", digest_text(h)))
}

/// Compares the model's effects (`expected_sync`: the digest its sync makes durable) with the
/// journaled ones; `None` when they agree.
pub(crate) fn compare<P: Deployable>(
    expected: &Rendered<P>,
    expected_sync: Option<Digest>,
    journaled: &Journaled<'_, '_>,
) -> Option<Mismatch> {
    let (actual, persisted, synced) = (journaled.fx, journaled.persisted, journaled.synced);
    let agree = expected.effects.len() == actual.len()
        && expected.effects.iter().zip(actual).all(|(e, a)| same(e, a))
        && expected.persist == persisted
        && expected_sync == synced;
    if agree {
        return None;
    }
    let mut e: Vec<String> = expected.effects.iter().map(show_expected).collect();
    let mut a: Vec<String> = actual.iter().map(show_actual).collect();
    let first = expected
        .effects
        .iter()
        .zip(actual)
        .position(|(e, a)| !same(e, a));
    let what = match first {
        Some(i) => format!(
            "effect {}: the model does `{}`, the node did `{}`",
            i + 1,
            e[i],
            a[i]
        ),
        None if expected.effects.len() > actual.len() => format!(
            "the model also does `{}`, which the node did not",
            e[actual.len()]
        ),
        None if expected.effects.len() < actual.len() => format!(
            "the node also did `{}`, which the model does not",
            a[expected.effects.len()]
        ),
        None if expected.persist != persisted => match (expected.persist, persisted) {
            (Some(_), None) => "the model persists its durable state; the node did not".into(),
            (None, Some(_)) => "the node persisted durable state; the model does not".into(),
            _ => "the node persisted a different durable value than the model".into(),
        },
        None => match (expected_sync, synced) {
            (Some(_), None) => "the model syncs its durable state; the node did not".into(),
            (None, Some(_)) => "the node synced durable state; the model does not".into(),
            _ => "the node synced a different durable value than the model".into(),
        },
    };
    e.extend(show_persist(expected.persist));
    a.extend(show_persist(persisted));
    e.extend(show_sync(expected_sync));
    a.extend(show_sync(synced));
    Some(Mismatch {
        what,
        expected: e,
        actual: a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use splitbrain_models::raft::{RaftMsg, RaftServer, Timer};
    use splitbrain_models::NodeId;

    fn journaled<'j, 'a>(fx: &'j [Fx<'a>], persisted: Option<Digest>) -> Journaled<'j, 'a> {
        Journaled {
            fx,
            persisted,
            synced: persisted,
        }
    }

    fn vote(granted: bool) -> Effect<RaftServer> {
        Effect::Send {
            to: NodeId::node(1),
            msg: RaftMsg::RequestVoteRes {
                term: 2,
                vote_granted: granted,
            }
            .into(),
        }
    }

    #[test]
    fn equal_effects_agree_and_a_changed_vote_is_named() {
        let expected = render::<RaftServer>(vec![
            Effect::SetTimer {
                timer: Timer::Election,
                after: Duration::from_millis(150)..Duration::from_millis(300),
            },
            vote(true),
        ]);
        let body = r#"{"term":2,"type":"request_vote_res","vote_granted":true}"#;
        let good = [
            Fx::Set {
                timer: "\"Election\"",
                ns: 200_000_000,
            },
            Fx::Send {
                to: "n1".into(),
                body,
            },
        ];
        assert_eq!(compare(&expected, None, &journaled(&good, None)), None);
        let flipped = body.replace("true", "false");
        let bad = [
            good[0].clone(),
            Fx::Send {
                to: "n1".into(),
                body: &flipped,
            },
        ];
        let m = compare(&expected, None, &journaled(&bad, None)).unwrap();
        assert!(m.what.starts_with("effect 2:"), "{}", m.what);
        assert!(m.actual[1].contains("\"vote_granted\":false"));
    }

    #[test]
    fn a_drawn_delay_outside_the_range_and_a_missing_persist_disagree() {
        let expected = render::<RaftServer>(vec![Effect::SetTimer {
            timer: Timer::Election,
            after: Duration::from_millis(150)..Duration::from_millis(300),
        }]);
        let early = [Fx::Set {
            timer: "\"Election\"",
            ns: 1,
        }];
        assert!(compare(&expected, None, &journaled(&early, None)).is_some());
        let persisting = render::<RaftServer>(vec![Effect::Persist(Default::default())]);
        let m = compare(&persisting, None, &journaled(&[], None)).unwrap();
        assert!(m.what.contains("persists"), "{}", m.what);
    }

    #[test]
    fn a_write_the_node_did_not_sync_disagrees_with_a_model_that_syncs_it() {
        let durable = splitbrain_models::raft::Persistent::default();
        let hash = durable_digest(&durable);
        let synced = render::<RaftServer>(vec![Effect::Persist(durable), Effect::Sync]);
        assert_eq!(synced.sync, Some(Some(hash)));
        let unsynced = Journaled {
            fx: &[],
            persisted: Some(hash),
            synced: None,
        };
        let m = compare(&synced, Some(hash), &unsynced).unwrap();
        assert!(m.what.contains("syncs"), "{}", m.what);
        assert_eq!(
            compare(&synced, Some(hash), &journaled(&[], Some(hash))),
            None
        );
    }
}
