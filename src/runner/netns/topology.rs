//! [`Topology`]: the run's namespaces, created from nothing and removed on drop (success,
//! error, panic; SIGINT stops the run, which then drops it).
//!
//! ```text
//! netns <prefix>-c   (clients + switch): bridge br0 = SUBNET.254/24, no default route
//!    |-- p0 (veth) <-> netns <prefix>-n0: eth0 = SUBNET.1/24   node n0
//!    |-- p1 (veth) <-> netns <prefix>-n1: eth0 = SUBNET.2/24   node n1
//!    ...
//! ```
//!
//! Nothing is added to the root namespace, so a mistake cannot route traffic off the machine,
//! and concurrent runs (each with its own prefix) use the same addresses without meeting. Each
//! node namespace has two iptables chains: `SB-PART` (partitions: DROP by source address,
//! hooked into INPUT) and `SB-LOSS` (random loss, hooked into INPUT and OUTPUT). With the
//! latency proxies (`proxy.rs`), the bridge also carries one alias address per node and each
//! node namespace DNATs its peer connections to them.

use super::command::{ip, run};
use super::teardown;
use crate::runner::protocol::node_id;
use crate::runner::real::cluster_file::ClusterFile;
use crate::runner::real::marker::Marker;
use crate::runner::real::rules::{dropped, listing_args, Chains};
use crate::runner::RunError;

/// The chains faults are written into: `SB-PART` and `SB-LOSS` (each namespace has its own
/// netfilter, so the names need no tag).
pub fn chains() -> Chains {
    Chains::tagged("SB")
}

/// A run's namespaces; dropping it removes them and every process inside.
#[derive(Debug)]
pub struct Topology {
    marker: Marker,
    removed: bool,
}

impl Topology {
    /// Creates the namespaces, bridge, veths and chains for `cluster` under `prefix`.
    pub fn create(
        prefix: &str,
        cluster: &ClusterFile,
        proxies: bool,
    ) -> Result<Topology, RunError> {
        let client = format!("{prefix}-c");
        let mut namespaces = vec![client.clone()];
        namespaces.extend((0..cluster.nodes).map(|i| format!("{prefix}-{}", node_id(i))));
        let mut marker = Marker::new(prefix, "netns");
        marker.namespaces = namespaces;
        marker.write()?;
        // From here on, dropping the topology cleans up whatever was created.
        let topology = Topology {
            marker,
            removed: false,
        };
        let bridge_ip = format!("{}/24", cluster.client_ip());
        ip(&["netns", "add", &client])?;
        ip(&["-n", &client, "link", "set", "lo", "up"])?;
        ip(&["-n", &client, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &client, "addr", "add", &bridge_ip, "dev", "br0"])?;
        ip(&["-n", &client, "link", "set", "br0", "up"])?;
        for i in 0..cluster.nodes {
            let ns = topology.node_ns(i);
            let port = format!("p{i}");
            let addr = format!("{}/24", cluster.ip(i));
            ip(&["netns", "add", ns])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
            ip(&[
                "-n", &client, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", ns,
            ])?;
            ip(&["-n", &client, "link", "set", &port, "master", "br0", "up"])?;
            ip(&["-n", ns, "addr", "add", &addr, "dev", "eth0"])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
            topology.iptables_restore(i, &chains().create())?;
        }
        if let (true, Some(port)) = (proxies, cluster.peer_port) {
            for i in 0..cluster.nodes {
                let alias = format!("{}/24", cluster.alias(i));
                ip(&["-n", &client, "addr", "add", &alias, "dev", "br0"])?;
                let mut nat = String::from("*nat\n");
                for j in (0..cluster.nodes).filter(|&j| j != i) {
                    nat.push_str(&format!(
                        "-A OUTPUT -p tcp -d {}/32 --dport {port} -j DNAT --to-destination {}:{port}\n",
                        cluster.ip(j),
                        cluster.alias(j)
                    ));
                }
                nat.push_str("COMMIT\n");
                topology.iptables_restore(i, &nat)?;
            }
        }
        Ok(topology)
    }

    /// The client namespace.
    pub fn client_ns(&self) -> &str {
        &self.marker.namespaces[0]
    }

    /// Node `i`'s namespace.
    pub fn node_ns(&self, i: usize) -> &str {
        &self.marker.namespaces[i + 1]
    }

    /// Applies `rules` (iptables-restore format, without flushing other chains) in node `i`'s
    /// namespace, atomically.
    pub fn iptables_restore(&self, i: usize, rules: &str) -> Result<(), RunError> {
        run(
            "ip",
            &[
                "netns",
                "exec",
                self.node_ns(i),
                "iptables-restore",
                "--noflush",
            ],
            Some(rules),
        )
        .map(drop)
    }

    /// The packets the DROP rules of `chain` in node `i`'s namespace matched so far.
    pub fn dropped(&self, i: usize, chain: &str) -> Result<u64, RunError> {
        let mut args = vec!["netns", "exec", self.node_ns(i)];
        args.extend(listing_args(chain));
        Ok(dropped(&run("ip", &args, None)?))
    }

    /// Removes everything now (also done on drop); returns what it did.
    pub fn remove(&mut self) -> Vec<String> {
        self.removed = true;
        teardown::remove(&self.marker)
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        if !self.removed {
            self.remove();
        }
    }
}
