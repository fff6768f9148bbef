//! `mutex`: a lock, initially free.
//!
//! - `acquire`: legal iff free; then held. `release`: legal iff held; then free.
//! - `ok` required, `info` optional, `fail` ignored (the lock was not taken or given back).

use splitbrain::history::{Op, Outcome};

use super::{Role, SeqSpec};

/// The mutex spec. The state is "held".
pub struct MutexSpec;

impl SeqSpec for MutexSpec {
    type State = bool;

    fn init(&self) -> bool {
        false
    }

    fn role(&self, op: &Op) -> Role {
        match (&*op.f, op.outcome) {
            ("acquire" | "release", Outcome::Ok) => Role::Required,
            ("acquire" | "release", Outcome::Info) => Role::Optional,
            ("acquire" | "release", Outcome::Fail) => Role::Ignored,
            _ => panic!("reference: a mutex does not understand {op}"),
        }
    }

    fn step(&self, held: &bool, op: &Op) -> Option<bool> {
        match &*op.f {
            "acquire" => (!*held).then_some(true),
            "release" => (*held).then_some(false),
            _ => unreachable!("role() rejected {op}"),
        }
    }
}
