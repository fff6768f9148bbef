//! Client-facing message bodies shaped like Maelstrom's, shared by every specification.
//!
//! The model's clients speak the same JSON bodies a Maelstrom client (or splitbrain's runner)
//! sends to a real node, so a node that passes the model also answers real clients. Map:
//! - [`ERROR_TABLE`], [`ErrorCode`] (`error_code.rs`): Maelstrom's error table, with
//!   definiteness (the one copy: the runner judges replies by it too);
//! - [`KvBody`] (`kv.rs`): the `lin-kv` workload: `read`/`read_ok`, `write`/`write_ok`,
//!   `cas`/`cas_ok`, `error`; the `txn` workloads' `txn`/`txn_ok`; and the `kafka` workload's
//!   `send`, `poll`, `commit_offsets`, `list_committed_offsets` and their `_ok`s;
//! - [`KafkaStore`] (`kafka.rs`): per-key logs and committed offsets, the `kafka` state
//!   machine;
//! - [`Mop`], [`TxnStore`] (`txn.rs`): a `txn` micro-op as Maelstrom's array, and a store that
//!   applies transactions atomically;
//! - [`KvClient`] (`kv_client.rs`): a scripted model client that issues `lin-kv` operations one
//!   at a time and waits for each reply;
//! - [`KvSystemNode`] (`kv_system.rs`): a server of any protocol or a scripted client, as one
//!   node type for specs with `lin-kv` clients.

mod error_code;
mod kafka;
mod kv;
mod kv_client;
mod kv_system;
mod txn;

pub use error_code::{ErrorCode, ErrorRow, ERROR_TABLE};
pub use kafka::{KafkaStore, PolledMsgs, POLL_LIMIT};
pub use kv::{KvBody, KvMsg};
pub use kv_client::{KvCall, KvClient, KvClientState, KvOp};
pub use kv_system::{KvSystemNode, KvSystemState};
pub use txn::{Mop, ReadValue, TxnStore};
