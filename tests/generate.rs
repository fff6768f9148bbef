//! Seeded random histories, one family per spec plus families aimed at the engine's polynomial
//! paths. One `u64` seed determines a history completely.
//!
//! Map of this module, in reading order:
//! - [`Family`], [`generate`] (here): which kind of history, and the history for a seed;
//! - `sim.rs`: clients run operations on a true object (each takes effect at a random moment
//!   inside its interval, `info` ones maybe never), then the record is sometimes corrupted;
//! - `objects.rs`: true registers (plain, cas, etcd, kv), append-kv and mutex;
//! - `collections.rs`: true set, queue and counter;
//! - `multi_register.rs`: a true map of registers changed by transactions (Knossos');
//! - `unique.rs`: registers with unique written values, and cas chains;
//! - `tests.rs`: what the generators promise (determinism, shape, a mix of verdicts).
//!
//! Histories have at most 10 operations by at most 4 clients (a client whose operation ends
//! `info` continues under a fresh process id, as in Jepsen), with `ok`, `info` and `fail`
//! completions; 30–50 % of them are invalid (see `tests.rs`).

mod collections;
mod multi_register;
mod objects;
mod sim;
mod tests;
mod unique;

use rand::SeedableRng;
use splitbrain::history::Event;

use crate::reference::Spec;
use objects::{AppendKv, Flavour, Mutex, Register};
use sim::{simulate, Rng};

/// A kind of random history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A simulated object of the spec, over small value domains.
    Simulated(Spec),
    /// A register (`register`, `cas-register`, `etcd-register`) or kv whose writes all write
    /// distinct values.
    UniqueWrites(Spec),
    /// Compare-and-set chains over distinct values (`cas-register`, `etcd-register`, `kv`).
    CasChain(Spec),
}

impl Family {
    /// The spec the histories are meant for.
    pub fn spec(self) -> Spec {
        match self {
            Family::Simulated(spec) | Family::UniqueWrites(spec) | Family::CasChain(spec) => spec,
        }
    }

    /// A short name for messages: `simulated-queue`, `cas-chain-kv`.
    pub fn name(self) -> String {
        match self {
            Family::Simulated(spec) => format!("simulated-{}", spec.name()),
            Family::UniqueWrites(spec) => format!("unique-writes-{}", spec.name()),
            Family::CasChain(spec) => format!("cas-chain-{}", spec.name()),
        }
    }
}

/// The history of `family` for `seed`.
pub fn generate(family: Family, seed: u64) -> Vec<Event> {
    generate_with(family, seed, true)
}

/// The history of `family` for `seed`, never corrupted: linearizable by construction.
pub fn generate_uncorrupted(family: Family, seed: u64) -> Vec<Event> {
    generate_with(family, seed, false)
}

fn generate_with(family: Family, seed: u64, corrupt: bool) -> Vec<Event> {
    let mut rng = Rng::seed_from_u64(seed);
    let rng = &mut rng;
    let keyed = matches!(family.spec(), Spec::Kv | Spec::AppendKv);
    let keys = if keyed {
        objects::some_keys(rng)
    } else {
        Vec::new()
    };
    let flavour = match family.spec() {
        Spec::Register => Flavour::Plain,
        Spec::EtcdRegister => Flavour::Etcd,
        _ => Flavour::Cas,
    };
    match family {
        Family::Simulated(spec) => match spec {
            Spec::Register | Spec::CasRegister | Spec::EtcdRegister | Spec::Kv => {
                simulate(rng, Register::new(flavour, keys), corrupt)
            }
            Spec::AppendKv => simulate(rng, AppendKv::new(keys), corrupt),
            Spec::Mutex => simulate(rng, Mutex::default(), corrupt),
            Spec::Set => simulate(rng, collections::Set::default(), corrupt),
            Spec::Queue => simulate(rng, collections::Queue::default(), corrupt),
            Spec::Counter => simulate(rng, collections::Counter::default(), corrupt),
            Spec::MultiRegister => simulate(rng, multi_register::MultiRegister::default(), corrupt),
        },
        Family::UniqueWrites(_) => {
            let register = unique::UniqueRegister::new(rng, keys);
            simulate(rng, register, corrupt)
        }
        Family::CasChain(spec) => {
            let chain = unique::CasChain::new(rng, keys, spec == Spec::EtcdRegister);
            simulate(rng, chain, corrupt)
        }
    }
}

/// Every family the differential tests run, each with its spec.
pub fn families() -> Vec<Family> {
    let mut all: Vec<Family> = Spec::ALL.into_iter().map(Family::Simulated).collect();
    for spec in [
        Spec::Register,
        Spec::CasRegister,
        Spec::EtcdRegister,
        Spec::Kv,
    ] {
        all.push(Family::UniqueWrites(spec));
    }
    for spec in [Spec::CasRegister, Spec::EtcdRegister, Spec::Kv] {
        all.push(Family::CasChain(spec));
    }
    all
}
