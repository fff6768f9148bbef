//! The iptables rules that realise network faults, as `iptables-restore --noflush` input for one
//! node's network (its namespace, or its host). Pure.
//!
//! - A partition ([`Grudge`]): `blocks(dest, src)` becomes, on `dest`,
//!   `-A <partition chain> -s <ip of src> -j DROP` — dest drops what src sends, exactly the
//!   router's semantics; clients (the harness's address) are never cut off.
//! - Loss: `-m statistic --mode random --probability p -j DROP` on the chosen nodes' traffic
//!   with other nodes, both directions. The seed chooses when, which nodes and `p`; which
//!   packets are dropped is the kernel's randomness, not the seed's.

use std::net::Ipv4Addr;

use crate::runner::nemesis::Grudge;

/// The two chains faults are written into on one node: created when the network is set up,
/// hooked into INPUT (partition) and INPUT + OUTPUT (loss), removed with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chains {
    /// Partitions: DROP by source address.
    pub partition: String,
    /// Random loss.
    pub loss: String,
}

/// The `iptables` arguments that list `chain` with exact packet counts.
pub fn listing_args(chain: &str) -> [&str; 6] {
    ["iptables", "-L", chain, "-v", "-x", "-n"]
}

impl Chains {
    /// Chains named `<tag>-PART` and `<tag>-LOSS` (iptables allows 28 characters).
    pub fn tagged(tag: &str) -> Chains {
        Chains {
            partition: format!("{tag}-PART"),
            loss: format!("{tag}-LOSS"),
        }
    }

    /// `iptables-restore --noflush` input that creates both chains and hooks them in first, so
    /// no ACCEPT rule of the host's own comes before them.
    pub fn create(&self) -> String {
        let (p, l) = (&self.partition, &self.loss);
        format!(
            "*filter\n:{p} - [0:0]\n:{l} - [0:0]\n-I INPUT 1 -j {p}\n-I INPUT 1 -j {l}\n\
             -I OUTPUT 1 -j {l}\nCOMMIT\n"
        )
    }

    /// `iptables-restore --noflush` input that unhooks and deletes both chains.
    pub fn remove(&self) -> String {
        let (p, l) = (&self.partition, &self.loss);
        format!(
            "*filter\n-D INPUT -j {p}\n-D INPUT -j {l}\n-D OUTPUT -j {l}\n-F {p}\n-F {l}\n\
             -X {p}\n-X {l}\nCOMMIT\n"
        )
    }

    /// Node `dest`'s partition chain under `grudge` (`None`: healed), with `ips(i)` the
    /// addresses node i's traffic comes from (its own, and its latency-proxy alias if any).
    pub fn partition(
        &self,
        dest: usize,
        grudge: Option<&Grudge>,
        ips: impl Fn(usize) -> Vec<Ipv4Addr>,
    ) -> String {
        let chain = &self.partition;
        let mut out = format!("*filter\n-F {chain}\n");
        if let Some(g) = grudge {
            for src in 0..g.len() {
                if g.blocks(dest, src) {
                    for ip in ips(src) {
                        out.push_str(&format!("-A {chain} -s {ip}/32 -j DROP\n"));
                    }
                }
            }
        }
        out.push_str("COMMIT\n");
        out
    }

    /// A node's loss chain: dropping `p` of its packets to and from other nodes (`None`: none),
    /// sparing the harness at `client` and loopback.
    pub fn loss(&self, p: Option<f64>, client: Ipv4Addr) -> String {
        let chain = &self.loss;
        let mut out = format!("*filter\n-F {chain}\n");
        if let Some(p) = p {
            out.push_str(&format!("-A {chain} -s {client}/32 -j RETURN\n"));
            out.push_str(&format!("-A {chain} -d {client}/32 -j RETURN\n"));
            out.push_str(&format!("-A {chain} -i lo -j RETURN\n"));
            out.push_str(&format!("-A {chain} -o lo -j RETURN\n"));
            out.push_str(&format!(
                "-A {chain} -m statistic --mode random --probability {p} -j DROP\n"
            ));
        }
        out.push_str("COMMIT\n");
        out
    }
}

/// The packets the DROP rules of a chain matched, from `iptables -L CHAIN -v -x -n` output.
pub fn dropped(listing: &str) -> u64 {
    listing
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let pkts = words.next()?.parse::<u64>().ok()?;
            (words.nth(1) == Some("DROP")).then_some(pkts)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(i: usize) -> Vec<Ipv4Addr> {
        vec![
            Ipv4Addr::new(10, 77, 0, i as u8 + 1),
            Ipv4Addr::new(10, 77, 0, i as u8 + 101),
        ]
    }

    #[test]
    fn a_partition_drops_exactly_the_grudged_sources() {
        let mut g = Grudge::none(3);
        g.block(0, 1);
        g.block(0, 2);
        let c = Chains::tagged("SB");
        let r = c.partition(0, Some(&g), ip);
        assert!(r.contains("-A SB-PART -s 10.77.0.2/32 -j DROP"), "{r}");
        assert!(r.contains("-A SB-PART -s 10.77.0.3/32 -j DROP"), "{r}");
        assert!(r.contains("-A SB-PART -s 10.77.0.103/32 -j DROP"), "{r}");
        assert!(!r.contains("10.77.0.1/32"), "{r}");
        let other = c.partition(1, Some(&g), ip);
        assert_eq!(other, "*filter\n-F SB-PART\nCOMMIT\n");
    }

    #[test]
    fn healing_flushes_and_loss_spares_clients() {
        let c = Chains::tagged("SB");
        assert_eq!(c.partition(2, None, ip), "*filter\n-F SB-PART\nCOMMIT\n");
        let r = c.loss(Some(0.5), Ipv4Addr::new(10, 77, 0, 254));
        let lines: Vec<&str> = r.lines().collect();
        let client = lines
            .iter()
            .position(|l| l.contains("10.77.0.254/32"))
            .unwrap();
        let drop = lines
            .iter()
            .position(|l| l.contains("--probability 0.5"))
            .unwrap();
        assert!(client < drop, "{r}");
        assert_eq!(
            c.loss(None, Ipv4Addr::new(10, 77, 0, 254)),
            "*filter\n-F SB-LOSS\nCOMMIT\n"
        );
    }

    #[test]
    fn dropped_packets_are_summed_over_the_drop_rules_only() {
        let listing = "Chain SB-LOSS (2 references)\n    pkts      bytes target     prot opt in     out     source               destination\n      12      900 RETURN     all  --  *      *       10.77.0.254          0.0.0.0/0\n       7      420 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.5\n       3      180 DROP       all  --  *      *       10.77.0.2            0.0.0.0/0\n";
        assert_eq!(dropped(listing), 10);
        assert_eq!(
            dropped("Chain SB-PART (1 references)\n pkts bytes target\n"),
            0
        );
    }

    #[test]
    fn chains_are_created_hooked_and_removed_by_name() {
        let c = Chains::tagged("sb1a2b3c");
        let created = c.create();
        assert!(created.contains(":sb1a2b3c-PART - [0:0]"), "{created}");
        assert!(created.contains("-I INPUT 1 -j sb1a2b3c-PART"), "{created}");
        assert!(
            created.contains("-I OUTPUT 1 -j sb1a2b3c-LOSS"),
            "{created}"
        );
        let removed = c.remove();
        assert!(removed.contains("-D INPUT -j sb1a2b3c-PART"), "{removed}");
        assert!(removed.contains("-X sb1a2b3c-LOSS"), "{removed}");
    }
}
