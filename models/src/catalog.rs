//! The registry of specs: [`catalog()`], [`check()`], [`explore()`] dispatch by name.
//!
//! Adding a spec is one line here (see `models/README.md`, "Adding a spec").

use crate::check::{self, CheckOutcome, CheckRequest};
use crate::crdt::{CrdtSpec, GCounter, LwwRegister, OrSet, PnCounter};
use crate::spec::{Spec, SpecInfo};
use crate::two_phase_commit;
use crate::{hash_ring, lease_lock, paxos, primary_backup, raft, vector_clock, ModelError};

/// One registered spec: its metadata and its monomorphized entry points.
struct Entry {
    info: fn() -> SpecInfo,
    check: fn(&CheckRequest) -> Result<CheckOutcome, ModelError>,
    explore: fn(&CheckRequest, &str) -> Result<(), ModelError>,
}

fn entry<S: Spec>() -> Entry {
    Entry {
        info: SpecInfo::of::<S>,
        check: check::run::<S>,
        explore: serve::<S>,
    }
}

/// Every spec, in the order `splitbrain model list` shows them.
fn entries() -> Vec<Entry> {
    vec![
        entry::<paxos::SingleDecree>(),
        entry::<paxos::Register>(),
        entry::<raft::Raft>(),
        entry::<lease_lock::LeaseLock>(),
        Entry {
            info: lease_lock::timed::check::info,
            check: lease_lock::timed::check::check,
            explore: lease_lock::timed::check::explore,
        },
        entry::<primary_backup::PrimaryBackup>(),
        entry::<two_phase_commit::TwoPhaseCommit>(),
        entry::<hash_ring::HashRing>(),
        entry::<CrdtSpec<GCounter>>(),
        entry::<CrdtSpec<PnCounter>>(),
        entry::<CrdtSpec<OrSet>>(),
        entry::<CrdtSpec<LwwRegister>>(),
        entry::<vector_clock::VectorClocks>(),
    ]
}

/// Every spec's metadata: name, description, parameters with defaults, properties with kind and
/// source, bug variants with the property each must violate.
pub fn catalog() -> Vec<SpecInfo> {
    entries().iter().map(|e| (e.info)()).collect()
}

fn find(name: &str) -> Result<Entry, ModelError> {
    let entries = entries();
    let known = entries
        .iter()
        .map(|e| (e.info)().name)
        .collect::<Vec<_>>()
        .join(", ");
    entries
        .into_iter()
        .find(|e| (e.info)().name == name)
        .ok_or_else(|| ModelError::UnknownSpec {
            name: name.to_owned(),
            known,
        })
}

/// Model-checks `request`. A property that fails is part of the `Ok` outcome; an `Err` means
/// the request could not be run (unknown spec, bad parameter, …).
pub fn check(request: &CheckRequest) -> Result<CheckOutcome, ModelError> {
    (find(&request.spec)?.check)(request)
}

/// Serves stateright's Explorer web UI for `request`'s system on `address` (for example
/// `127.0.0.1:3000`). Blocks for as long as the server runs.
pub fn explore(request: &CheckRequest, address: &str) -> Result<(), ModelError> {
    (find(&request.spec)?.explore)(request, address)
}

fn serve<S: Spec>(request: &CheckRequest, address: &str) -> Result<(), ModelError> {
    use stateright::Model;
    let (system, _) = check::build::<S>(request)?;
    // stateright panics when it cannot bind; find out first.
    drop(
        std::net::TcpListener::bind(address).map_err(|error| ModelError::Explorer {
            addr: address.to_owned(),
            error,
        })?,
    );
    system
        .checker()
        .threads(request.threads.max(1))
        .serve(address);
    Ok(())
}
