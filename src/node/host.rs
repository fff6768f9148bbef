//! The event loop of a real node: `init`, then messages and timers into the protocol's handlers,
//! and their effects out into the world.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value as Json};
use splitbrain_models::protocol::{Effect, Effects};
use splitbrain_models::{Deployable, NodeId};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::durable::DurableFile;
use super::wire::{self, Envelope};
use super::{NodeError, NodeOptions};

/// Maelstrom's `not-supported` (definite): a request this node does not understand.
const NOT_SUPPORTED: u16 = 10;

/// Runs protocol `P` until `input` ends.
pub(super) async fn serve<P, R, W>(
    options: NodeOptions,
    input: R,
    output: W,
) -> Result<(), NodeError>
where
    P: Deployable,
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = input.lines();
    let mut line_number = 0u64;
    let mut output = output;
    let init = loop {
        line_number += 1;
        let Some(line) = lines
            .next_line()
            .await
            .map_err(NodeError::io("reading stdin"))?
        else {
            return Err(NodeError::NoInit);
        };
        match Envelope::parse(&line) {
            Ok(envelope) if envelope.kind() == Some("init") => {
                let init = envelope.init().map_err(|reason| NodeError::BadInit {
                    line: line_number,
                    reason,
                })?;
                let reply = json!({"type": "init_ok", "in_reply_to": init.msg_id});
                write(
                    &mut output,
                    &wire::line(&init.me.to_string(), &envelope.src, reply),
                )
                .await?;
                break init;
            }
            Ok(_) => eprintln!("line {line_number}: ignored: a message before init"),
            Err(reason) => eprintln!("line {line_number}: {reason}"),
        }
    };
    let protocol = P::deploy(init.me, &init.nodes, options.bug.as_deref())?;
    let durable = options
        .data_dir
        .as_deref()
        .map(DurableFile::open)
        .transpose()?;
    let recovered = match &durable {
        Some(file) => file.load::<P::Durable>()?,
        None => None,
    };
    if recovered.is_some() {
        eprintln!("{}: recovered durable state", init.me);
    }
    let mut node = Node {
        protocol,
        me: init.me,
        rng: ChaCha8Rng::seed_from_u64(mix(options.seed, init.me)),
        timers: BTreeMap::new(),
        choices: HashMap::new(),
        durable,
        output,
        state: None,
    };
    let mut out = Effects::new();
    node.state = Some(
        node.protocol
            .on_start(node.me, recovered.as_ref(), &mut out),
    );
    node.execute(out).await?;

    loop {
        let deadline = node.next_deadline();
        tokio::select! {
            line = lines.next_line() => {
                line_number += 1;
                match line.map_err(NodeError::io("reading stdin"))? {
                    Some(line) => node.receive(line_number, &line).await?,
                    None => return Ok(()),
                }
            }
            _ = sleep_until(deadline) => node.fire_due().await?,
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The seed of node `me`'s RNG: the run's seed mixed with the node id, so nodes differ.
fn mix(seed: u64, me: NodeId) -> u64 {
    let mut hasher = DefaultHasher::new();
    (seed, me.to_string()).hash(&mut hasher);
    hasher.finish()
}

async fn write<W: AsyncWrite + Unpin>(output: &mut W, text: &str) -> Result<(), NodeError> {
    output
        .write_all(text.as_bytes())
        .await
        .map_err(NodeError::io("writing stdout"))?;
    output
        .flush()
        .await
        .map_err(NodeError::io("writing stdout"))
}

/// A running node: the protocol, its state, and what the host keeps for it.
struct Node<P: Deployable, W> {
    protocol: P,
    me: NodeId,
    rng: ChaCha8Rng,
    /// Armed timers and when they fire.
    timers: BTreeMap<P::Timer, Instant>,
    /// Pending choices, by key: the option drawn, delivered at the next turn of the loop.
    choices: HashMap<&'static str, P::Timer>,
    durable: Option<DurableFile>,
    output: W,
    /// `None` only before `on_start` returns.
    state: Option<P::State>,
}

impl<P: Deployable, W: AsyncWrite + Unpin> Node<P, W> {
    fn state(&mut self) -> &mut P::State {
        self.state.as_mut().expect("on_start ran")
    }

    fn next_deadline(&self) -> Option<Instant> {
        if !self.choices.is_empty() {
            return Some(Instant::now());
        }
        self.timers.values().min().copied()
    }

    /// One input line: a message for the protocol, or something to report.
    async fn receive(&mut self, line_number: u64, line: &str) -> Result<(), NodeError> {
        let envelope = match Envelope::parse(line) {
            Ok(envelope) => envelope,
            Err(reason) => {
                eprintln!("line {line_number}: {reason}");
                return Ok(());
            }
        };
        let from: Option<NodeId> = serde_json::from_value(Json::String(envelope.src.clone())).ok();
        let msg = serde_json::from_value::<P::Msg>(envelope.body.clone());
        match (from, msg) {
            (Some(from), Ok(msg)) => {
                let mut out = Effects::new();
                let me = self.me;
                let protocol = self.protocol.clone();
                protocol.on_msg(me, self.state(), from, msg, &mut out);
                self.execute(out).await
            }
            (_, Err(e)) if envelope.msg_id().is_some() => {
                let text = format!("{} cannot handle this request: {e}", P::NODE_NAME);
                eprintln!("line {line_number}: {text}");
                let body = wire::error_body(envelope.msg_id(), NOT_SUPPORTED, &text);
                let reply = wire::line(&self.me.to_string(), &envelope.src, body);
                write(&mut self.output, &reply).await
            }
            (_, Err(e)) => {
                eprintln!(
                    "line {line_number}: ignored message from {}: {e}",
                    envelope.src
                );
                Ok(())
            }
            (None, Ok(_)) => {
                eprintln!(
                    "line {line_number}: ignored message from unknown sender {}",
                    envelope.src
                );
                Ok(())
            }
        }
    }

    /// Delivers every pending choice and every timer that is due.
    async fn fire_due(&mut self) -> Result<(), NodeError> {
        let mut due: Vec<P::Timer> = self.choices.drain().map(|(_, timer)| timer).collect();
        let now = Instant::now();
        let expired: Vec<P::Timer> = self
            .timers
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(timer, _)| timer.clone())
            .collect();
        for timer in &expired {
            self.timers.remove(timer);
        }
        due.extend(expired);
        for timer in due {
            let mut out = Effects::new();
            let me = self.me;
            let protocol = self.protocol.clone();
            protocol.on_timer(me, self.state(), timer, &mut out);
            self.execute(out).await?;
        }
        Ok(())
    }

    /// Carries out a handler's effects, in order. A `Persist` is written and fsynced on the
    /// spot; messages are written after the whole batch, so none leaves before a `Persist` of
    /// the same handler is on disk.
    async fn execute(&mut self, mut out: Effects<P>) -> Result<(), NodeError> {
        let me = self.me.to_string();
        let mut pending = String::new();
        for effect in out.drain() {
            match effect {
                Effect::Send { to, msg } => {
                    let body = serde_json::to_value(&msg).expect("messages serialize");
                    pending.push_str(&wire::line(&me, &to.to_string(), body));
                }
                Effect::SetTimer { timer, after } => {
                    let delay = if after.is_empty() {
                        after.start
                    } else {
                        self.rng.gen_range(after)
                    };
                    self.timers.insert(timer, Instant::now() + delay);
                }
                Effect::CancelTimer(timer) => {
                    self.timers.remove(&timer);
                }
                Effect::Persist(durable) => {
                    if let Some(file) = &self.durable {
                        file.store(&durable)?;
                    }
                }
                Effect::Choose { key, options } => {
                    if options.is_empty() {
                        self.choices.remove(key);
                    } else {
                        let pick = options[self.rng.gen_range(0..options.len())].clone();
                        self.choices.insert(key, pick);
                    }
                }
            }
        }
        if !pending.is_empty() {
            write(&mut self.output, &pending).await?;
        }
        Ok(())
    }
}
