//! `splitbrain node NAME`: runs a models-crate protocol as a real Maelstrom node.
//!
//! The node reads Maelstrom JSON lines (`{"src","dest","body"}`) on stdin, answers `init` with
//! `init_ok`, builds its configuration with [`Deployable::deploy`](splitbrain_models::Deployable::deploy) and then drives the
//! [`Protocol`](splitbrain_models::Protocol) handlers, executing their effects for real:
//! `Send` is a JSON line on stdout, `Persist` a write and `Sync` an fsync of the durable state
//! in `--data-dir` (both done before any send of the same handler call leaves; what was
//! written and not synced is kept apart, for `--nemesis lose-unsynced` to discard), `SetTimer` a deadline drawn uniformly from
//! the range with the seeded RNG, `Choose` a seeded pick delivered right after the handler.
//! A restart with the same `--data-dir` hands the last persisted value to `on_start`.
//!
//! Map:
//! - `error.rs`: [`NodeError`];
//! - `durable.rs`: [`DurableStore`], write and sync as separate steps (the unsynced file,
//!   [`UNSYNCED_FILE`]), the atomic synced write and the read-back;
//! - `journal.rs`: [`InputJournal`], `journal.jsonl`: every input the host executes and the
//!   effects it produced (what `splitbrain validate` replays);
//! - `wire.rs`: parsing input lines and rendering output lines;
//! - `virtual_clock.rs`: [`VirtualClock`], the node's own clock its timers run on, and
//!   [`ClockSetting`], what the harness sets it to (`--clock FILE`);
//! - `clock_file.rs`: [`ClockFile`], the file the harness sets the clock through, polled by
//!   the event loop, and the read-back the host writes beside it;
//! - `host.rs`: [`Host`], the pure-ish core: one input line or fired timer in, output lines out;
//! - `event_loop.rs`: [`serve`], the tokio loop joining stdin, timers and stdout;
//! - `registry.rs`: [`NODE_NAMES`] and [`serve_named`], the node names `splitbrain node` knows.

mod clock_file;
mod durable;
mod error;
mod event_loop;
mod host;
mod journal;
mod registry;
mod virtual_clock;
mod wire;

pub use clock_file::ClockFile;
pub use durable::{DurableStore, UNSYNCED_FILE};
pub use error::NodeError;
pub use event_loop::serve;
pub use host::{Host, NodeOptions};
pub use journal::{InputJournal, JOURNAL_FILE};
pub use registry::{serve_named, NODE_NAMES};
pub use virtual_clock::{ClockSetting, VirtualClock, VirtualNanos, RATE_RANGE};
pub use wire::body_text;
