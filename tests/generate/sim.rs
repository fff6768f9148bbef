//! The simulator: clients run operations against a true object, each taking effect atomically at
//! a random moment inside its interval; then, sometimes, the record is corrupted.
//!
//! Without corruption a history is linearizable by construction (the moments of effect are a
//! witness). Corruptions make many of them invalid:
//! - *lost*: an update answers as if it took effect, but the object never changes;
//! - *wrong output*: a read-like result replaced by a plausible wrong one (see
//!   [`Object::corrupt`]);
//! - *shrink*: an `ok` operation's interval is narrowed, so its moment may fall outside;
//! - *flip*: an outcome changed (`ok` → `fail`, `fail` → `ok`, `info` → `ok`);
//! - *jitter*: adjacent events of different processes swapped.
//!
//! Some histories also carry nemesis events, which take a position but are no operation.

use rand::seq::SliceRandom;
use rand::Rng as _;
use rand_chacha::ChaCha8Rng;
use splitbrain::history::{Event, EventKind, Process, Value};

/// The random source: everything a history is made of comes from one seed.
pub type Rng = ChaCha8Rng;

/// An operation as a client invokes it.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The function.
    pub f: &'static str,
    /// The object, for keyed models.
    pub key: Option<Value>,
    /// The argument.
    pub input: Value,
}

/// What an operation did when it ran on the true object.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Took effect, with this result.
    Ok(Value),
    /// Definitely had no effect (a cas that did not match, a lock already held).
    Fail,
}

/// A true object: chooses what clients invoke and runs it.
pub trait Object: Clone {
    /// The next operation a client invokes.
    fn invoke(&mut self, rng: &mut Rng) -> Invocation;
    /// Runs `invocation` atomically, now.
    fn apply(&mut self, rng: &mut Rng, invocation: &Invocation) -> Effect;
    /// Whether the result of `f` carries information (reads, dequeues): such results are never
    /// echoed, and only they are corrupted by [`Object::corrupt`].
    fn read_like(&self, f: &str) -> bool;
    /// A plausible wrong result in place of `output`, if there is one.
    fn corrupt(&self, rng: &mut Rng, invocation: &Invocation, output: &Value) -> Option<Value>;
    /// Whether the network may make `invocation` fail without effect. (Not an etcd cas: there a
    /// failure is a claim about the value.)
    fn may_fail(&self, _invocation: &Invocation) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Normal,
    Lost,
    InjectedFail,
    Info { takes_effect: bool, reported: bool },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Corruption {
    Lost,
    WrongOutput,
    Shrink,
    Flip,
    Jitter,
}

struct Completion {
    kind: EventKind,
    value: Value,
    time: f64,
}

struct SimOp {
    client: usize,
    process: u64,
    invocation: Invocation,
    fate: Fate,
    invoked: f64,
    effect: Option<Effect>,
    completion: Option<Completion>,
    finished: bool,
}

impl SimOp {
    fn takes_effect(&self) -> bool {
        matches!(
            self.fate,
            Fate::Normal
                | Fate::Lost
                | Fate::Info {
                    takes_effect: true,
                    ..
                }
        )
    }

    fn ready_to_finish(&self) -> bool {
        !self.finished && (self.effect.is_some() || !matches!(self.fate, Fate::Normal | Fate::Lost))
    }
}

enum Action {
    Invoke(usize),
    Apply(usize),
    Finish(usize),
}

/// A random history of at most 10 operations by at most 4 clients on `object`; corrupted
/// (sometimes) when `corrupt` is set, linearizable by construction otherwise.
pub fn simulate<O: Object>(rng: &mut Rng, mut object: O, corrupt: bool) -> Vec<Event> {
    let op_count = if rng.gen_bool(0.1) {
        rng.gen_range(1..=2)
    } else {
        rng.gen_range(3..=10)
    };
    let clients = rng.gen_range(1..=4);
    let corruption_count = if corrupt {
        [0, 1, 1, 2, 2, 3][rng.gen_range(0..6)]
    } else {
        0
    };
    let corruptions: Vec<Corruption> = (0..corruption_count)
        .map(|_| {
            *[
                Corruption::Lost,
                Corruption::WrongOutput,
                Corruption::WrongOutput,
                Corruption::WrongOutput,
                Corruption::Shrink,
                Corruption::Flip,
                Corruption::Jitter,
            ]
            .choose(rng)
            .expect("non-empty")
        })
        .collect();
    let lost = corruptions
        .contains(&Corruption::Lost)
        .then(|| rng.gen_range(0..op_count));

    let mut ops: Vec<SimOp> = Vec::new();
    let mut busy = vec![false; clients];
    let mut process_of: Vec<u64> = (0..clients as u64).collect();
    let mut next_process = clients as u64;
    let mut time = 0.0;
    loop {
        let mut actions = Vec::new();
        if ops.len() < op_count {
            actions.extend((0..clients).filter(|&c| !busy[c]).map(Action::Invoke));
        }
        for (i, op) in ops.iter().enumerate() {
            if op.takes_effect() && op.effect.is_none() {
                actions.push(Action::Apply(i));
            }
            if op.ready_to_finish() {
                actions.push(Action::Finish(i));
            }
        }
        let Some(action) = actions.choose(rng) else {
            break;
        };
        time += 1.0;
        match *action {
            Action::Invoke(client) => {
                let invocation = object.invoke(rng);
                let fate = if lost == Some(ops.len()) {
                    Fate::Lost
                } else if rng.gen_bool(0.15) {
                    Fate::Info {
                        takes_effect: rng.gen_bool(0.5),
                        reported: rng.gen_bool(0.7),
                    }
                } else if rng.gen_bool(0.07) && object.may_fail(&invocation) {
                    Fate::InjectedFail
                } else {
                    Fate::Normal
                };
                busy[client] = true;
                ops.push(SimOp {
                    client,
                    process: process_of[client],
                    invocation,
                    fate,
                    invoked: time,
                    effect: None,
                    completion: None,
                    finished: false,
                });
            }
            Action::Apply(i) => {
                let op = &mut ops[i];
                op.effect = Some(if op.fate == Fate::Lost {
                    object.clone().apply(rng, &op.invocation)
                } else {
                    object.apply(rng, &op.invocation)
                });
            }
            Action::Finish(i) => {
                let op = &mut ops[i];
                op.finished = true;
                busy[op.client] = false;
                let echo = op.invocation.input.clone();
                op.completion = match (&op.fate, &op.effect) {
                    (Fate::Info { reported, .. }, _) => {
                        // A process with an unknown outcome never issues again.
                        process_of[op.client] = next_process;
                        next_process += 1;
                        reported.then_some((EventKind::Info, echo))
                    }
                    (Fate::InjectedFail, _) | (_, Some(Effect::Fail)) => {
                        Some((EventKind::Fail, echo))
                    }
                    (_, Some(Effect::Ok(output))) => Some((EventKind::Ok, output.clone())),
                    (_, None) => unreachable!("normal operations finish after their effect"),
                }
                .map(|(kind, value)| Completion { kind, value, time });
            }
        }
    }
    for &corruption in &corruptions {
        // A corruption with nothing to act on (no read to falsify) falls back to another.
        for kind in [corruption, Corruption::Flip, Corruption::Shrink] {
            if apply_corruption(rng, &object, &mut ops, kind, time) {
                break;
            }
        }
    }
    let mut events = to_events(&ops);
    if corruptions.contains(&Corruption::Jitter) {
        jitter(rng, &mut events);
    }
    add_nemesis(rng, &mut events);
    events
}

/// Sometimes inserts nemesis events (which take a position but are no operation).
fn add_nemesis(rng: &mut Rng, events: &mut Vec<Event>) {
    if !rng.gen_bool(0.2) {
        return;
    }
    for f in ["start-partition", "stop-partition"] {
        let mut event = Event::new(0, EventKind::Info, f, Value::Nil);
        event.process = Process::Nemesis;
        events.insert(rng.gen_range(0..=events.len()), event);
    }
}

fn apply_corruption<O: Object>(
    rng: &mut Rng,
    object: &O,
    ops: &mut [SimOp],
    kind: Corruption,
    end: f64,
) -> bool {
    if matches!(kind, Corruption::Lost | Corruption::Jitter) {
        return true; // applied during and after the simulation
    }
    let ok = |op: &SimOp| matches!(&op.completion, Some(c) if c.kind == EventKind::Ok);
    let candidates: Vec<usize> = (0..ops.len())
        .filter(|&i| {
            let op = &ops[i];
            let read_like = object.read_like(op.invocation.f);
            match kind {
                Corruption::WrongOutput => ok(op) && read_like,
                Corruption::Shrink => ok(op),
                Corruption::Flip => !read_like && (op.completion.is_some() || op.finished),
                Corruption::Lost | Corruption::Jitter => false,
            }
        })
        .collect();
    let Some(&i) = candidates.choose(rng) else {
        return false;
    };
    let op = &mut ops[i];
    let invoked = op.invoked;
    match kind {
        Corruption::WrongOutput => {
            let completion = op.completion.as_mut().expect("ok");
            if let Some(wrong) = object.corrupt(rng, &op.invocation, &completion.value) {
                completion.value = wrong;
            }
        }
        Corruption::Shrink => {
            let completion = op.completion.as_mut().expect("ok");
            let inside = invoked + (completion.time - invoked) * rng.gen_range(0.05..0.95);
            if rng.gen_bool(0.5) {
                completion.time = inside;
            } else {
                op.invoked = inside;
            }
        }
        Corruption::Flip => {
            let echo = op.invocation.input.clone();
            match op.completion.as_mut() {
                Some(c) if c.kind == EventKind::Ok => c.kind = EventKind::Fail,
                Some(c) => {
                    c.kind = EventKind::Ok;
                    c.value = echo;
                }
                None => {
                    let time = rng.gen_range(invoked..end + 1.0);
                    op.completion = Some(Completion {
                        kind: EventKind::Ok,
                        value: echo,
                        time,
                    });
                }
            }
        }
        Corruption::Lost | Corruption::Jitter => {}
    }
    true
}

fn to_events(ops: &[SimOp]) -> Vec<Event> {
    let event = |op: &SimOp, kind, value: &Value| {
        let event = Event::new(op.process, kind, op.invocation.f, value.clone());
        match &op.invocation.key {
            Some(key) => event.with_key(key.clone()),
            None => event,
        }
    };
    let mut timed: Vec<(f64, Event)> = Vec::new();
    for op in ops {
        timed.push((
            op.invoked,
            event(op, EventKind::Invoke, &op.invocation.input),
        ));
        if let Some(c) = &op.completion {
            timed.push((c.time, event(op, c.kind, &c.value)));
        }
    }
    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
    timed.into_iter().map(|(_, e)| e).collect()
}

fn jitter(rng: &mut Rng, events: &mut [Event]) {
    if events.len() < 2 {
        return;
    }
    for _ in 0..rng.gen_range(1..=3) {
        let i = rng.gen_range(0..events.len() - 1);
        if events[i].process != events[i + 1].process {
            events.swap(i, i + 1);
        }
    }
}
