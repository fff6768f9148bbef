//! Faults on the hosts: partitions and loss are iptables rules in two chains named after the run
//! (`<prefix>-PART`, `<prefix>-LOSS`, hooked in first, so concurrent runs and the host's own
//! rules do not meet), written atomically with `iptables-restore --noflush` over ssh — the same
//! rules as netns ([`real::rules`](crate::runner::real::rules)), by host address.

use std::net::Ipv4Addr;

use super::session::Session;
use crate::runner::effect::Effect;
use crate::runner::nemesis::Grudge;
use crate::runner::real::rules::{dropped, listing_args, Chains};
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

    /// The packets `chain`'s DROP rules matched on every host.
    fn dropped(&self, chain: &str) -> Result<Effect, RunError> {
        let mut total = 0;
        for session in self.sessions {
            total += dropped(&session.run_privileged(&listing_args(chain), None)?);
        }
        Ok(Effect::counted("dropped_packets", total))
    }

    /// Starts (`Some`) or heals (`None`) a partition; healing reports the packets it dropped.
    pub(super) fn partition(&self, grudge: Option<&Grudge>) -> Result<Effect, RunError> {
        let effect = match grudge {
            Some(_) => Effect::pending(Vec::new()),
            None => self.dropped(&self.chains.partition)?,
        };
        (0..self.sessions.len()).try_for_each(|i| {
            let rules = self.chains.partition(i, grudge, |j| vec![self.ips[j]]);
            self.restore(i, &rules)
        })?;
        Ok(effect)
    }

    /// Drops a share `p` of `nodes`' packets (`None`: every host stops dropping, and the packets
    /// dropped are reported).
    pub(super) fn loss(&self, nodes: &[usize], p: Option<f64>) -> Result<Effect, RunError> {
        let (targets, effect): (Vec<usize>, Effect) = match p {
            Some(_) => (nodes.to_vec(), Effect::pending(Vec::new())),
            None => (
                (0..self.sessions.len()).collect(),
                self.dropped(&self.chains.loss)?,
            ),
        };
        targets
            .into_iter()
            .try_for_each(|i| self.restore(i, &self.chains.loss(p, self.harness[i])))?;
        Ok(effect)
    }
}
