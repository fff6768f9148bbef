//! [`PrimaryBackup`]: the `primary-backup` spec: servers, scripted clients, sizes and bugs.
//!
//! Client `c{i}` runs the first `ops` operations of its script, one at a time, operation `j`
//! through server `n{(i+j) mod servers}`: `write i+1`, then `read`, then `cas i+1 → i+11` (odd
//! clients read first), the scripts of the `raft` spec. A backup forwards a request to the
//! primary it knows; so the model explores requests reaching the old primary, the new one, and
//! backups in between, at every moment of a failover. `epochs` bounds the failovers (no epoch
//! beyond it starts); symmetry does not apply: clients run different scripts and servers lead
//! different epochs.

use super::{properties, PbNode, PbServer, ASYNC_ACK, NO_EPOCH};
use crate::history::{Observed, SequentialSpecKind};
use crate::maelstrom::{KvClient, KvMsg};
use crate::primary_backup::Msg;
use crate::raft::Raft;
use crate::spec::{BugInfo, ParameterInfo, Spec, SpecConfig, SpecProperty};
use crate::system::{linearizable, Topology};
use crate::ModelError;

/// Primary-backup replication with failover: `servers` servers, `clients` scripted `lin-kv`
/// clients of `ops` operations each, epochs up to `epochs`.
#[derive(Clone, Debug)]
pub struct PrimaryBackup {
    servers: usize,
    clients: usize,
    ops: usize,
    epochs: u64,
    no_epoch: bool,
    async_ack: bool,
}

impl PrimaryBackup {
    /// The spec judging a deployed cluster of `servers` (`splitbrain validate`): unbounded
    /// epochs, one idle client; `bug` as the nodes are judged.
    pub(crate) fn deployed(servers: usize, bug: Option<&str>) -> PrimaryBackup {
        PrimaryBackup {
            servers,
            clients: 1,
            ops: 1,
            epochs: u64::MAX,
            no_epoch: bug == Some(NO_EPOCH),
            async_ack: bug == Some(ASYNC_ACK),
        }
    }
}

impl Spec for PrimaryBackup {
    type Node = PbNode;

    const NAME: &'static str = "primary-backup";
    const DESCRIPTION: &'static str =
        "primary-backup replication with epochs and failover; clients read, write, cas";

    fn parameters() -> Vec<ParameterInfo> {
        vec![
            ParameterInfo::new("servers", "servers (n0 is the first primary)", 3, 2, 5),
            ParameterInfo::new(
                "clients",
                "clients (operation j of c{i} goes to n{(i+j) mod servers})",
                1,
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
                "epochs",
                "the highest epoch a failover may start (epoch e is led by n{e mod servers})",
                1,
                1,
                4,
            ),
            ParameterInfo::crashes(0),
            ParameterInfo::partitions(0),
        ]
    }

    fn bugs() -> Vec<BugInfo> {
        vec![
            BugInfo {
                name: NO_EPOCH,
                description: "epochs are not enforced: the old primary keeps accepting writes \
                              after a failover and backups follow either primary (split brain)",
                violates: "one primary per epoch",
                defaults: &[],
            },
            BugInfo {
                name: ASYNC_ACK,
                description: "the primary acknowledges a write before any backup holds it \
                              (asynchronous replication)",
                violates: "no acknowledged write lost",
                defaults: &[],
            },
        ]
    }

    fn properties() -> Vec<SpecProperty<Self>> {
        vec![
            properties::one_primary_per_epoch(),
            properties::no_acknowledged_write_lost(),
            linearizable(),
            properties::failover_completes(),
            properties::acknowledged_write_survives_failover(),
        ]
    }

    fn new(config: &SpecConfig) -> Result<Self, ModelError> {
        Ok(PrimaryBackup {
            servers: config.count("servers"),
            clients: config.count("clients"),
            ops: config.count("ops"),
            epochs: config.get("epochs"),
            no_epoch: config.bug() == Some(NO_EPOCH),
            async_ack: config.bug() == Some(ASYNC_ACK),
        })
    }

    fn topology(&self) -> Topology {
        Topology::new(self.servers, self.clients)
    }

    fn nodes(&self) -> Vec<PbNode> {
        let server = PbServer {
            servers: self.servers,
            max_epoch: self.epochs,
            heartbeats: false,
            no_epoch: self.no_epoch,
            async_ack: self.async_ack,
        };
        let servers = (0..self.servers).map(|_| PbNode::Server(server.clone()));
        let clients = (0..self.clients)
            .map(|i| PbNode::Client(KvClient::new(Raft::script(i, self.servers, self.ops))));
        servers.chain(clients).collect()
    }

    fn observe(&self, msg: &Msg) -> Observed {
        msg.as_kv().map_or(Observed::Nothing, |body| body.observe())
    }

    fn sequential_spec(&self) -> Option<SequentialSpecKind> {
        Some(SequentialSpecKind::CasRegister)
    }
}
