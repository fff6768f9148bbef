//! Faults on the real network: a partition or loss is a set of iptables rules written into
//! each node's namespace (atomically, with `iptables-restore --noflush`); latency is the delay
//! of the userspace proxies on the node-to-node links. The rules themselves are
//! [`real::rules`](crate::runner::real::rules).

use std::net::Ipv4Addr;
use std::time::Duration;

use super::proxy::Delays;
use super::topology::{chains, Topology};
use crate::runner::effect::Effect;
use crate::runner::nemesis::Grudge;
use crate::runner::real::cluster_file::ClusterFile;
use crate::runner::RunError;

/// Node `j`'s traffic arrives from its own address, or from its alias when proxied.
fn sources(cluster: &ClusterFile, j: usize) -> Vec<Ipv4Addr> {
    vec![cluster.ip(j), cluster.alias(j)]
}

/// Starts (`Some`) or heals (`None`) a partition: every node drops what comes from the nodes
/// `grudge` says it does not hear. Healing reports the packets the partition dropped (read
/// from the rules' counters before they go).
pub(super) fn partition(
    topology: &Topology,
    cluster: &ClusterFile,
    grudge: Option<&Grudge>,
) -> Result<Effect, RunError> {
    let effect = match grudge {
        Some(_) => Effect::pending(Vec::new()),
        None => dropped(topology, cluster, &chains().partition)?,
    };
    for i in 0..cluster.nodes {
        let r = chains().partition(i, grudge, |j| sources(cluster, j));
        topology.iptables_restore(i, &r)?;
    }
    Ok(effect)
}

/// The packets the DROP rules of `chain` matched, over every node.
fn dropped(topology: &Topology, cluster: &ClusterFile, chain: &str) -> Result<Effect, RunError> {
    let mut total = 0;
    for i in 0..cluster.nodes {
        total += topology.dropped(i, chain)?;
    }
    Ok(Effect::counted("dropped_packets", total))
}

/// Drops a share `p` of the packets in and out of `nodes` (`None`: every node stops dropping);
/// the client namespace's own traffic is spared.
pub(super) fn loss(
    topology: &Topology,
    cluster: &ClusterFile,
    nodes: &[usize],
    p: Option<f64>,
) -> Result<Effect, RunError> {
    let effect = match p {
        Some(_) => Effect::pending(Vec::new()),
        None => dropped(topology, cluster, &chains().loss)?,
    };
    let (targets, r): (Vec<usize>, String) = match p {
        Some(p) => (nodes.to_vec(), chains().loss(Some(p), cluster.client_ip())),
        None => (
            (0..cluster.nodes).collect(),
            chains().loss(None, cluster.client_ip()),
        ),
    };
    for i in targets {
        topology.iptables_restore(i, &r)?;
    }
    Ok(effect)
}

/// Delays the node-to-node links of `nodes` by `extra` (`None`: no delay anywhere, and the
/// chunks held back since it started are reported).
pub(super) fn latency(
    delays: Option<&Delays>,
    nodes: &[usize],
    extra: Option<Duration>,
) -> Result<Effect, RunError> {
    let delays = delays.ok_or_else(|| {
        RunError::Netns("latency needs the proxies, which are not running".into())
    })?;
    Ok(match extra {
        Some(extra) => {
            delays.set(nodes, extra);
            Effect::pending(Vec::new())
        }
        None => {
            delays.set(&[], Duration::ZERO);
            Effect::counted("delayed_chunks", delays.delayed_since_set())
        }
    })
}
