//! Faults on the real network: a partition or loss is a set of iptables rules written into
//! each node's namespace (atomically, with `iptables-restore --noflush`); latency is the delay
//! of the userspace proxies on the node-to-node links. The rules themselves are
//! [`real::rules`](crate::runner::real::rules).

use std::net::Ipv4Addr;
use std::time::Duration;

use super::proxy::Delays;
use super::topology::{chains, Topology};
use crate::runner::nemesis::Grudge;
use crate::runner::real::cluster_file::ClusterFile;
use crate::runner::RunError;

/// Node `j`'s traffic arrives from its own address, or from its alias when proxied.
fn sources(cluster: &ClusterFile, j: usize) -> Vec<Ipv4Addr> {
    vec![cluster.ip(j), cluster.alias(j)]
}

/// Starts (`Some`) or heals (`None`) a partition: every node drops what comes from the nodes
/// `grudge` says it does not hear.
pub(super) fn partition(
    topology: &Topology,
    cluster: &ClusterFile,
    grudge: Option<&Grudge>,
) -> Result<(), RunError> {
    for i in 0..cluster.nodes {
        let r = chains().partition(i, grudge, |j| sources(cluster, j));
        topology.iptables_restore(i, &r)?;
    }
    Ok(())
}

/// Drops a share `p` of the packets in and out of `nodes` (`None`: every node stops dropping);
/// the client namespace's own traffic is spared.
pub(super) fn loss(
    topology: &Topology,
    cluster: &ClusterFile,
    nodes: &[usize],
    p: Option<f64>,
) -> Result<(), RunError> {
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
    Ok(())
}

/// Delays the node-to-node links of `nodes` by `extra` (`None`: no delay anywhere).
pub(super) fn latency(
    delays: Option<&Delays>,
    nodes: &[usize],
    extra: Option<Duration>,
) -> Result<(), RunError> {
    let delays = delays.ok_or_else(|| {
        RunError::Netns("latency needs the proxies, which are not running".into())
    })?;
    match extra {
        Some(extra) => delays.set(nodes, extra),
        None => delays.set(&[], Duration::ZERO),
    }
    Ok(())
}
