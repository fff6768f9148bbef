//! Model-checked protocol specifications for splitbrain.
//!
//! This crate will hold the stateright actor systems (Paxos, Raft, a lease lock service, CRDTs,
//! vector clocks) and the I/O-free protocol state machines that `splitbrain node` also runs as
//! real processes. It is filled in by the models work; for now it only fixes the crate's place in
//! the workspace.
