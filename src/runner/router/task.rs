//! The router task: receives every message, shows it to the targeted nemesis if one is installed
//! (which may drop it), decides its fate ([`Links`]), holds delayed messages in a deadline heap,
//! delivers them (or drops them on a partition), answers service requests, and journals
//! everything.
//!
//! Everything reaches the router through one unbounded channel, so the order in which it sees
//! messages and control commands is the order they were sent; the network RNG is drawn in that
//! order. Delivery to a node goes into that node's writer channel (never blocks: a paused node
//! only makes its own queue grow).
//!
//! With `stamp_ids` (the run's nodes are splitbrain's reference nodes), a line delivered to a
//! node carries the message's id in `messages.jsonl` as Maelstrom's top-level `"id"`
//! (`{"id":7,"src":..}`), so the node's input journal names what it consumed; other nodes get
//! every line exactly as it was sent.

use std::collections::HashMap;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::delay::{Delayed, Message};
use super::journal::{DropReason, Journal};
use super::links::{Fate, Links};
use super::services::Services;
use super::Line;
use crate::runner::clock::Clock;
use crate::runner::nemesis::targeted::{Sent, Step};
use crate::runner::nemesis::{Grudge, TargetedNemesis};
use crate::runner::net_stats::NetStats;
use crate::runner::protocol::{node_id, Endpoint};

/// A message as sent: the true sender, the destination (`None`: names nothing on this network),
/// and the line as written.
pub(crate) struct Outgoing {
    pub(crate) from: Endpoint,
    pub(crate) dest: Option<Endpoint>,
    pub(crate) line: Line,
}

/// Commands that change the network.
pub(crate) enum Control {
    /// A node process started: deliver to it through `writer`. Until [`Control::NodeReady`],
    /// client messages other than from `init_client` are held back.
    NodeStarting {
        node: usize,
        writer: mpsc::UnboundedSender<Line>,
        init_client: u32,
    },
    /// The node answered `init`: release held client messages.
    NodeReady { node: usize },
    /// The node is down: drop what is sent to it.
    NodeDown { node: usize },
    /// Register (Some) or remove (None) a client's inbox.
    Client {
        id: u32,
        inbox: Option<mpsc::UnboundedSender<Line>>,
    },
    /// Start (Some) or heal (None) a partition.
    Partition(Option<Grudge>),
    /// Start or stop a loss fault.
    Loss(Option<(Vec<usize>, f64)>),
    /// Start or stop a latency fault.
    Slow(Option<(Vec<usize>, Duration)>),
    /// Install (Some) or remove (None) a targeted nemesis, which reports its steps to the
    /// sender. Removing it heals its partition and drops the sender.
    Targeted(Option<Targeted>),
    /// Report the counters so far (the evidence that a fault took effect).
    Stats(oneshot::Sender<NetStats>),
    /// Flush the journal, report the counters, stop.
    Finish(oneshot::Sender<NetStats>),
}

/// A targeted nemesis and where its steps go.
pub(crate) struct Targeted {
    pub(crate) nemesis: Box<dyn TargetedNemesis>,
    pub(crate) steps: mpsc::UnboundedSender<Step>,
}

enum Input {
    Message(Outgoing),
    Control(Control),
}

/// Sends messages and commands to the router.
#[derive(Clone)]
pub(crate) struct RouterHandle {
    tx: mpsc::UnboundedSender<Input>,
}

impl RouterHandle {
    /// Sends a message (silently dropped when the router has stopped).
    pub(crate) fn send(&self, message: Outgoing) {
        let _ = self.tx.send(Input::Message(message));
    }

    /// Sends a command.
    pub(crate) fn control(&self, control: Control) {
        let _ = self.tx.send(Input::Control(control));
    }

    /// The counters so far.
    pub(crate) async fn stats(&self) -> NetStats {
        let (tx, rx) = oneshot::channel();
        self.control(Control::Stats(tx));
        rx.await.unwrap_or_default()
    }

    /// Stops the router; returns its counters.
    pub(crate) async fn finish(&self) -> NetStats {
        let (tx, rx) = oneshot::channel();
        self.control(Control::Finish(tx));
        rx.await.unwrap_or_default()
    }
}

/// Starts the router task on the current runtime; `stamp_ids`: see the module docs.
pub(crate) fn start(
    node_count: usize,
    links: Links,
    rng: ChaCha8Rng,
    journal: Journal,
    clock: Clock,
    stamp_ids: bool,
) -> RouterHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let router = Router {
        stamp_ids,
        links,
        rng,
        journal,
        clock,
        next_id: 0,
        delayed: Delayed::default(),
        nodes: (0..node_count).map(|_| NodeSlot::Down).collect(),
        node_names: (0..node_count).map(node_id).collect(),
        clients: HashMap::new(),
        services: Services::new(),
        stats: NetStats::default(),
        targeted: None,
    };
    tokio::spawn(router.run(rx));
    RouterHandle { tx }
}

enum NodeSlot {
    Down,
    Starting {
        writer: mpsc::UnboundedSender<Line>,
        init_client: u32,
        held: Vec<Message>,
    },
    Ready(mpsc::UnboundedSender<Line>),
}

struct Router {
    stamp_ids: bool,
    links: Links,
    rng: ChaCha8Rng,
    journal: Journal,
    clock: Clock,
    next_id: u64,
    delayed: Delayed,
    nodes: Vec<NodeSlot>,
    node_names: Vec<String>,
    clients: HashMap<u32, mpsc::UnboundedSender<Line>>,
    services: Services,
    stats: NetStats,
    targeted: Option<Targeted>,
}

impl Router {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>) {
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        loop {
            self.deliver_due();
            let deadline = self.delayed.next_deadline();
            if let Some(at) = deadline {
                if sleep.deadline() != at {
                    sleep.as_mut().reset(at);
                }
            }
            let input = tokio::select! {
                biased;
                input = rx.recv() => input,
                _ = &mut sleep, if deadline.is_some() => continue,
            };
            let Some(mut input) = input else { break };
            // Drain what is already queued before looking at the clock again.
            for _ in 0..1024 {
                if let Some(reply) = self.handle(input) {
                    self.finish(reply);
                    return;
                }
                match rx.try_recv() {
                    Ok(next) => input = next,
                    Err(_) => break,
                }
            }
        }
        let _ = self.journal.flush();
    }

    fn finish(&mut self, reply: oneshot::Sender<NetStats>) {
        let _ = self.journal.flush();
        let _ = reply.send(self.stats.clone());
    }

    /// Handles one input; returns the reply channel when told to finish.
    fn handle(&mut self, input: Input) -> Option<oneshot::Sender<NetStats>> {
        match input {
            Input::Message(m) => self.send(m),
            Input::Control(c) => return self.control(c),
        }
        None
    }

    fn control(&mut self, control: Control) -> Option<oneshot::Sender<NetStats>> {
        match control {
            Control::NodeStarting {
                node,
                writer,
                init_client,
            } => {
                self.nodes[node] = NodeSlot::Starting {
                    writer,
                    init_client,
                    held: Vec::new(),
                };
            }
            Control::NodeReady { node } => {
                let slot = std::mem::replace(&mut self.nodes[node], NodeSlot::Down);
                if let NodeSlot::Starting { writer, held, .. } = slot {
                    self.nodes[node] = NodeSlot::Ready(writer);
                    for m in held {
                        self.deliver(m);
                    }
                }
            }
            Control::NodeDown { node } => {
                let slot = std::mem::replace(&mut self.nodes[node], NodeSlot::Down);
                if let NodeSlot::Starting { held, .. } = slot {
                    for m in held {
                        self.dropped(m.id, DropReason::NodeDown);
                    }
                }
            }
            Control::Client { id, inbox } => match inbox {
                Some(tx) => {
                    self.clients.insert(id, tx);
                }
                None => {
                    self.clients.remove(&id);
                }
            },
            Control::Partition(g) => self.links.set_grudge(g),
            Control::Loss(l) => self.links.set_loss(l),
            Control::Slow(s) => self.links.set_slow(s),
            Control::Targeted(t) => self.targeted = t,
            Control::Stats(reply) => {
                let _ = reply.send(self.stats.clone());
            }
            Control::Finish(reply) => return Some(reply),
        }
        None
    }

    fn endpoint_name(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Node(i) => self.node_names[i].clone(),
            other => other.name(),
        }
    }

    fn send(&mut self, out: Outgoing) {
        let now = self.clock.now();
        let id = self.next_id;
        self.next_id += 1;
        let from_name = match out.from {
            Endpoint::Node(i) => std::borrow::Cow::Borrowed(self.node_names[i].as_str()),
            other => std::borrow::Cow::Owned(self.endpoint_name(other)),
        };
        self.journal.send(now, id, &from_name, &out.line);
        self.stats.sent += 1;
        let Some(dest) = out.dest else {
            self.journal.drop(now, id, DropReason::UnknownDest);
            self.stats.undeliverable += 1;
            return;
        };
        match (out.from, dest) {
            (Endpoint::Client(_), _) | (_, Endpoint::Client(_)) => self.stats.client += 1,
            (Endpoint::Service(_), _) | (_, Endpoint::Service(_)) => self.stats.service += 1,
            _ => self.stats.node_to_node += 1,
        }
        if self.targeted_drops(now, out.from, dest, &out.line) {
            return self.dropped(id, DropReason::Partition);
        }
        let message = Message {
            id,
            from: out.from,
            dest,
            line: out.line,
        };
        let (lossy, slowed) = self.links.faulted(message.from, dest);
        let fate = self.links.on_send(message.from, dest, &mut self.rng);
        if slowed && !matches!(fate, Fate::Lost) {
            self.stats.slowed += 1;
        }
        match fate {
            Fate::Lost => {
                self.journal.drop(now, id, DropReason::Lost);
                self.stats.lost += 1;
                if lossy {
                    self.stats.lost_by_fault += 1;
                }
            }
            Fate::Deliver(delay) => self.schedule(message, delay),
            Fate::Duplicate(first, second) => {
                let copy = Message {
                    id: self.next_id,
                    from: message.from,
                    dest,
                    line: message.line.clone(),
                };
                self.next_id += 1;
                self.journal.duplicate(now, copy.id, id);
                self.stats.duplicated += 1;
                self.schedule(message, first);
                self.schedule(copy, second);
            }
        }
    }

    /// Shows a message to the targeted nemesis, if any: whether it drops it.
    fn targeted_drops(&mut self, now: i64, from: Endpoint, dest: Endpoint, line: &[u8]) -> bool {
        let Some(targeted) = &mut self.targeted else {
            return false;
        };
        let sent = Sent {
            at: Duration::from_nanos(u64::try_from(now).unwrap_or(0)),
            from,
            dest,
            line,
        };
        let mut steps = Vec::new();
        let dropped = targeted.nemesis.on_send(sent, &mut steps);
        for step in steps {
            let _ = targeted.steps.send(step);
        }
        dropped
    }

    fn schedule(&mut self, message: Message, delay: Duration) {
        if delay.is_zero() {
            self.deliver(message);
        } else {
            self.delayed.push(Instant::now() + delay, message);
        }
    }

    fn deliver_due(&mut self) {
        if self.delayed.is_empty() {
            return;
        }
        let now = Instant::now();
        while let Some(message) = self.delayed.pop_due(now) {
            self.deliver(message);
        }
    }

    fn dropped(&mut self, id: u64, reason: DropReason) {
        self.journal.drop(self.clock.now(), id, reason);
        match reason {
            DropReason::Partition => self.stats.partitioned += 1,
            DropReason::Lost => self.stats.lost += 1,
            _ => self.stats.undeliverable += 1,
        }
    }

    fn delivered(&mut self, id: u64) {
        self.journal.deliver(self.clock.now(), id);
        self.stats.delivered += 1;
    }

    fn deliver(&mut self, m: Message) {
        let targeted = self.targeted.as_ref();
        if self.links.blocked(m.from, m.dest)
            || targeted.is_some_and(|t| t.nemesis.blocks(m.from, m.dest))
        {
            return self.dropped(m.id, DropReason::Partition);
        }
        match m.dest {
            Endpoint::Node(i) => {
                let writer = match &mut self.nodes[i] {
                    NodeSlot::Down => None,
                    NodeSlot::Starting {
                        init_client, held, ..
                    } if matches!(m.from, Endpoint::Client(c) if c != *init_client) => {
                        held.push(m);
                        return;
                    }
                    NodeSlot::Starting { writer, .. } | NodeSlot::Ready(writer) => {
                        Some(writer.clone())
                    }
                };
                let line = if self.stamp_ids {
                    stamp(m.id, &m.line)
                } else {
                    m.line
                };
                match writer {
                    Some(w) if w.send(line).is_ok() => self.delivered(m.id),
                    _ => self.dropped(m.id, DropReason::NodeDown),
                }
            }
            Endpoint::Client(c) => match self.clients.get(&c) {
                Some(inbox) if inbox.send(m.line).is_ok() => self.delivered(m.id),
                _ => self.dropped(m.id, DropReason::NoClient),
            },
            Endpoint::Service(s) => {
                self.delivered(m.id);
                if let Some(reply) = self.services.handle(s, &m.line, &mut self.rng) {
                    self.send(Outgoing {
                        from: m.dest,
                        dest: Some(m.from),
                        line: reply.into(),
                    });
                }
            }
        }
    }
}

/// `line` with `"id":id` as its first field (unchanged if it is not a JSON object).
fn stamp(id: u64, line: &Line) -> Line {
    let Some(open) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
        return line.clone();
    };
    if line[open] != b'{' {
        return line.clone();
    }
    let rest = &line[open + 1..];
    let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    let mut out = Vec::with_capacity(line.len() + 24);
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_stamped_line_carries_the_id_first_and_stays_json() {
        let line: Line = Arc::from(&br#"{"src":"c1","dest":"n0","body":{}}"#[..]);
        let stamped = stamp(7, &line);
        assert_eq!(
            &stamped[..],
            &br#"{"id":7,"src":"c1","dest":"n0","body":{}}"#[..]
        );
        assert_eq!(
            &stamp(1, &Arc::from(&b" { }"[..]))[..],
            &br#"{"id":1 }"#[..]
        );
        assert_eq!(&stamp(1, &Arc::from(&b"[1]"[..]))[..], &b"[1]"[..]);
    }
}
