//! `mutex`: a lock (Knossos' `mutex` model). `acquire` succeeds only when the lock is free,
//! `release` only when it is held. The holder's identity is not tracked, as in Knossos.

use super::{Lifted, Spec};
use crate::history::{Op, Outcome};

/// A lock operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MutexOp {
    /// Take the lock.
    Acquire,
    /// Give it back.
    Release,
}

/// The mutex spec; the state is whether the lock is held.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mutex;

impl Spec for Mutex {
    type State = bool;
    type Op = MutexOp;

    fn init(&self) -> bool {
        false
    }

    fn lift(&self, op: &Op) -> Result<Lifted<MutexOp>, String> {
        let m = match &*op.f {
            "acquire" => MutexOp::Acquire,
            "release" => MutexOp::Release,
            f => return Err(super::unknown_function("mutex", f, &["acquire", "release"])),
        };
        Ok(match op.outcome {
            Outcome::Ok => Lifted::Required(m),
            Outcome::Info => Lifted::Optional(m),
            Outcome::Fail => Lifted::Ignore,
        })
    }

    fn step(&self, held: &bool, op: &MutexOp) -> Option<bool> {
        match op {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
        }
    }

    fn is_read_only(&self, _op: &MutexOp) -> bool {
        false
    }

    fn describe_state(&self, held: &bool) -> String {
        if *held { "held" } else { "free" }.to_string()
    }
}
