//! Faults on the hosts: partitions and loss are iptables rules in two chains named after the run
//! (`<prefix>-PART`, `<prefix>-LOSS`, hooked in first, so concurrent runs and the host's own
//! rules do not meet), written atomically with `iptables-restore --noflush` over ssh — the same
//! rules as netns ([`real::rules`](crate::runner::real::rules)), by host address.

use std::net::Ipv4Addr;

use super::session::Session;
use crate::runner::nemesis::Grudge;
use crate::runner::real::rules::Chains;
use crate::runner::RunError;

/// The hosts' fault chains.
pub(super) struct HostFaults<'a> {
    pub(super) sessions: &'a [Session],
    pub(super) chains: &'a Chains,
    /// Node addresses.
    pub(super) ips: &'a [Ipv4Addr],
    /// The harness's address as each host sees it (spared by loss).
    pub(super) harness: &'a [Ipv4Addr],
}

impl HostFaults<'_> {
    fn restore(&self, i: usize, rules: &str) -> Result<(), RunError> {
        self.sessions[i]
            .run_privileged(&["iptables-restore", "--noflush"], Some(rules.as_bytes()))
            .map(drop)
    }

    /// Creates and hooks the chains on every host.
    pub(super) fn create(&self) -> Result<(), RunError> {
        (0..self.sessions.len()).try_for_each(|i| self.restore(i, &self.chains.create()))
    }

    /// Starts (`Some`) or heals (`None`) a partition.
    pub(super) fn partition(&self, grudge: Option<&Grudge>) -> Result<(), RunError> {
        (0..self.sessions.len()).try_for_each(|i| {
            let rules = self.chains.partition(i, grudge, |j| vec![self.ips[j]]);
            self.restore(i, &rules)
        })
    }

    /// Drops a share `p` of `nodes`' packets (`None`: every host stops dropping).
    pub(super) fn loss(&self, nodes: &[usize], p: Option<f64>) -> Result<(), RunError> {
        let targets: Vec<usize> = match p {
            Some(_) => nodes.to_vec(),
            None => (0..self.sessions.len()).collect(),
        };
        targets
            .into_iter()
            .try_for_each(|i| self.restore(i, &self.chains.loss(p, self.harness[i])))
    }
}
