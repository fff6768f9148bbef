//! Parsing the blocks of a large input on several cores, results handed over in input order.
//!
//! Parser threads (one per core, at most [`MAX_THREADS`]) take blocks (`blocks.rs`) from the
//! input in turn, parse them with the format's parser, and send the results to the calling
//! thread, which hands them to the format's consumer in block order while the next blocks are
//! parsed. At most [`WINDOW`] blocks per thread are taken and not yet consumed, so memory stays
//! bounded whatever the input size, and no thread ever waits on another block's parse except the
//! consumer waiting for the next block in order (so a thread descheduled on a busy machine delays
//! only its own block). An input that fits in one block is parsed on the calling thread, without
//! starting anything.
//!
//! The consumer may stop the read at a block and take that block and all the input after it as
//! one buffer ([`Step::Rest`]): EDN does when a block's parse cannot be trusted and it reads the
//! rest on one thread.
//!
//! Plain scoped threads, not rayon: the caller may itself be a rayon worker (files read in
//! parallel), and blocking a worker on jobs queued behind it could deadlock the pool.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::blocks::{Block, Blocks, Cut};
use super::lines::io_error;
use crate::history::{Event, HistoryError};

/// Most parser threads one read starts.
const MAX_THREADS: usize = 8;

/// Blocks in flight (taken, not yet consumed) per parser thread.
const WINDOW: usize = 2;

/// A format's parse of one block, run on any thread; the vector is an emptied one to reuse.
pub(super) type Parse<'a, O> = dyn Fn(&Block, Vec<Event>) -> O + Sync + 'a;

/// What the consumer wants after a block.
pub(super) enum Step {
    /// The next block; the (emptied) vector is reused for a later one.
    Next(Vec<Event>),
    /// No more parsing: this block and all the input after it, as one [`Rest`].
    Rest,
}

/// The input from the start of a block to its end.
pub(super) struct Rest {
    pub(super) bytes: Vec<u8>,
    /// 1-based number of its first line.
    pub(super) first_line: usize,
}

/// A block taken and parsed, or the failed read that ended the input.
type Parsed<O> = Result<(Block, O), HistoryError>;

/// What the parser threads and the consumer share.
struct State<R> {
    blocks: Blocks<R>,
    /// Sequence number of the next block taken.
    next: usize,
    /// Blocks taken and not yet consumed.
    in_flight: usize,
    /// Set after an error or when the consumer stopped: take no more blocks.
    stop: bool,
    /// Emptied event vectors, for reuse.
    spare: Vec<Vec<Event>>,
}

struct Shared<R> {
    state: Mutex<State<R>>,
    room: Condvar,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Cuts `reader` into blocks of about `size` bytes where `cut` allows, parses them with `parse`
/// on several cores and hands each result to `consume` in input order. Returns the rest of the
/// input when `consume` asked for it; errors (of `consume`, or reading) stop the read.
pub(super) fn run<R: Read + Send, O: Send>(
    reader: R,
    cut: Cut,
    size: usize,
    file: Option<&Arc<Path>>,
    parse: &Parse<'_, O>,
    consume: &mut dyn FnMut(&Block, O) -> Result<Step, HistoryError>,
) -> Result<Option<Rest>, HistoryError> {
    let mut blocks = Blocks::new(reader, cut, size);
    let Some(first) = blocks.next().map_err(|e| io_error(file, e))? else {
        return Ok(None);
    };
    if blocks.finished() {
        let parsed = parse(&first, Vec::new());
        return Ok(match consume(&first, parsed)? {
            Step::Next(_) => None,
            Step::Rest => Some(Rest {
                bytes: first.bytes,
                first_line: first.first_line,
            }),
        });
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS));
    // The first block is parsed here while the threads start on the next ones.
    let shared = Shared {
        state: Mutex::new(State {
            blocks,
            next: 1,
            in_flight: 1,
            stop: false,
            spare: Vec::new(),
        }),
        room: Condvar::new(),
    };
    let window = WINDOW * threads + 1;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Parsed<O>)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let shared = &shared;
            scope.spawn(move || parse_blocks(shared, window, file, parse, &tx));
        }
        drop(tx);
        let parsed = parse(&first, Vec::new());
        let mut pending = BTreeMap::from([(0, Ok((first, parsed)))]);
        let mut next = 0;
        loop {
            while let Some(item) = pending.remove(&next) {
                next += 1;
                let step = item.and_then(|(block, out)| Ok((consume(&block, out)?, block)));
                let mut state = shared.lock();
                state.in_flight -= 1;
                match step {
                    Ok((Step::Next(events), block)) => {
                        state.blocks.recycle(block);
                        state.spare.push(events);
                        shared.room.notify_all();
                    }
                    Ok((Step::Rest, block)) => {
                        state.stop = true;
                        shared.room.notify_all();
                        drop(state);
                        return rest(block, pending, &rx, &shared, file).map(Some);
                    }
                    Err(err) => {
                        state.stop = true;
                        shared.room.notify_all();
                        return Err(err);
                    }
                }
            }
            match rx.recv() {
                Ok((seq, parsed)) => {
                    pending.insert(seq, parsed);
                }
                // Every parser thread is done, and every block was consumed.
                Err(_) => return Ok(None),
            }
        }
    })
}

/// `block`, every block taken after it (the threads are stopping), and the unread input.
fn rest<R: Read, O>(
    block: Block,
    mut pending: BTreeMap<usize, Parsed<O>>,
    rx: &mpsc::Receiver<(usize, Parsed<O>)>,
    shared: &Shared<R>,
    file: Option<&Arc<Path>>,
) -> Result<Rest, HistoryError> {
    // The channel closes when every thread has seen the stop.
    pending.extend(rx.iter());
    let first_line = block.first_line;
    let mut bytes = block.bytes;
    for (_, parsed) in pending {
        bytes.extend_from_slice(&parsed?.0.bytes);
    }
    shared
        .lock()
        .blocks
        .read_rest(&mut bytes)
        .map_err(|e| io_error(file, e))?;
    Ok(Rest { bytes, first_line })
}

/// A parser thread: takes the next block while the window has room, parses it, sends it.
fn parse_blocks<R: Read, O>(
    shared: &Shared<R>,
    window: usize,
    file: Option<&Arc<Path>>,
    parse: &Parse<'_, O>,
    tx: &mpsc::Sender<(usize, Parsed<O>)>,
) {
    loop {
        let (seq, block, events) = {
            let mut state = shared.lock();
            while state.in_flight >= window && !state.stop {
                state = shared
                    .room
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.stop {
                return;
            }
            let seq = state.next;
            let block = match state.blocks.next() {
                Ok(None) => return,
                Ok(Some(block)) => block,
                Err(e) => {
                    // Consumed in order like a block, then the read ends.
                    state.next += 1;
                    state.in_flight += 1;
                    state.stop = true;
                    shared.room.notify_all();
                    let _ = tx.send((seq, Err(io_error(file, e))));
                    return;
                }
            };
            state.next += 1;
            state.in_flight += 1;
            (seq, block, state.spare.pop().unwrap_or_default())
        };
        let parsed = parse(&block, events);
        if tx.send((seq, Ok((block, parsed)))).is_err() {
            return;
        }
    }
}
