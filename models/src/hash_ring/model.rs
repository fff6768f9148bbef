//! [`HashRing`]: the `hash-ring` spec: servers, a scripted membership change, scripted clients.
//!
//! Ring 0 holds every server but the last; the coordinator's script makes `n{servers-1}` join
//! (and, with `changes = 2`, leave again). Every client works on one key: the smallest key that
//! the join moves (so each operation meets the handoff one way or the other). Client `c{i}` runs
//! the first `ops` operations of the `raft` spec's script — `write i+1`, `read`,
//! `cas i+1 → i+11`, odd clients reading first — operation `j` through server
//! `n{(i+j) mod servers}`, owner or not. The `Membership` timer may fire at any moment, so the
//! change lands at every point of the scripts.
//!
//! At the default size the coordinator `n0` is the only server the join takes keys from (ring 0's
//! tokens fall that way), and `n0` adopts the new epoch the moment it orders it, so with
//! `serve-before-handoff` no two servers ever serve one key at once: the bug shows as a stale
//! read. With `--bound servers=4` `n1` and `n2` lose keys too, and `one server per key` fails as
//! well.
//!
//! Symmetry does not apply: servers own different tokens and play different parts (the
//! coordinator, the joiner), and clients run different scripts.

use super::{key_point, properties, Change, Msg, RingNode, RingServer, SERVE_BEFORE_HANDOFF};
use crate::history::{Observed, SequentialSpecKind};
use crate::maelstrom::{KvClient, KvMsg};
use crate::protocol::{NodeId, NodeSet};
use crate::raft::Raft;
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{linearizable, Topology};
use crate::ModelError;

/// Virtual nodes per server on a deployed ring.
pub const DEPLOYED_VNODES: u32 = 8;

/// A hash-ring store: `servers` servers, `n{servers-1}` joining by script (`changes` = 2:
/// then leaving), `clients` scripted `lin-kv` clients of `ops` operations on the moved key.
#[derive(Clone, Debug)]
pub struct HashRing {
    server: RingServer,
    clients: usize,
    ops: usize,
    key: u64,
}

impl HashRing {
    /// The spec judging a deployed cluster of `servers` (`splitbrain validate`): every server
    /// in ring 0, [`DEPLOYED_VNODES`] tokens each, no script (the harness sends the changes),
    /// one idle client; `bug` as the nodes are judged.
    pub(crate) fn deployed(servers: usize, bug: Option<&str>) -> HashRing {
        HashRing {
            server: RingServer {
                servers,
                initial: NodeId::nodes(servers).collect(),
                vnodes: DEPLOYED_VNODES,
                script: Vec::new(),
                serve_before_handoff: bug == Some(SERVE_BEFORE_HANDOFF),
            },
            clients: 1,
            ops: 1,
            key: 0,
        }
    }

    /// The server configuration.
    pub fn server(&self) -> &RingServer {
        &self.server
    }

    /// The key every client works on.
    pub fn key(&self) -> u64 {
        self.key
    }
}

/// The smallest key whose owner changes when `joiner` joins `initial`.
fn moved_key(initial: NodeSet, joiner: NodeId, vnodes: u32) -> Option<u64> {
    let before = RingServer::ring_of(initial, vnodes);
    let after = RingServer::ring_of(initial.iter().chain([joiner]).collect(), vnodes);
    (0..100_000).find(|&k| before.owner(key_point(k, 0)) != after.owner(key_point(k, 0)))
}

impl Spec for HashRing {
    type Node = RingNode;

    const NAME: &'static str = "hash-ring";
    const DESCRIPTION: &'static str =
        "a lin-kv store on a consistent-hash ring; a server joins (and leaves), handing keys off";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new(
                "servers",
                "servers (n0 coordinates; the last is not in ring 0 and joins)",
                3,
                2,
                4,
            ),
            ParameterInfo::new(
                "clients",
                "clients on the moved key (operation j of c{i} goes to n{(i+j) mod servers})",
                2,
                1,
                3,
            ),
            ParameterInfo::new(
                "ops",
                "operations per client: write, read, cas; odd clients read first",
                2,
                1,
                3,
            ),
            ParameterInfo::new(
                "changes",
                "membership changes: 1 = the last server joins, 2 = it joins then leaves",
                1,
                1,
                2,
            ),
            ParameterInfo::new("vnodes", "virtual nodes (tokens) per server", 2, 1, 8),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![BugInfo {
            name: SERVE_BEFORE_HANDOFF,
            description: "the new owner answers requests for a key before the old owner's \
                          handoff arrives: a stale read (and, once a server other than the \
                          coordinator loses keys, as with --bound servers=4, two servers serve \
                          one key)",
            violates: "linearizable",
            defaults: &[],
        }]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::one_server_per_key(),
            properties::keys_stay_with_their_owner(),
            linearizable(),
            properties::handoff_completes(),
            properties::new_owner_serves_a_read(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        let servers = config.count("servers");
        let vnodes = config.get("vnodes") as u32;
        let joiner = NodeId::node(servers - 1);
        let initial: NodeSet = NodeId::nodes(servers - 1).collect();
        let mut script = vec![Change::Join(joiner)];
        if config.count("changes") > 1 {
            script.push(Change::Leave(joiner));
        }
        Ok(HashRing {
            key: moved_key(initial, joiner, vnodes).unwrap_or(0),
            server: RingServer {
                servers,
                initial,
                vnodes,
                script,
                serve_before_handoff: config.bug() == Some(SERVE_BEFORE_HANDOFF),
            },
            clients: config.count("clients"),
            ops: config.count("ops"),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.server.servers, self.clients)
    }

    fn nodes(&self) -> Vec<RingNode> {
        let servers = (0..self.server.servers).map(|_| RingNode::Server(self.server.clone()));
        let clients = (0..self.clients).map(|i| {
            let mut client = KvClient::new(Raft::script(i, self.server.servers, self.ops));
            client.key = self.key;
            RingNode::Client(client)
        });
        servers.chain(clients).collect()
    }

    fn observe(&self, msg: &Msg) -> Observed {
        msg.as_kv().map_or(Observed::Nothing, |body| body.observe())
    }

    fn sequential_spec(&self) -> Option<SequentialSpecKind> {
        Some(SequentialSpecKind::CasRegister)
    }
}
