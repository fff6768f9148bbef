//! The iptables rules that realise network faults, as `iptables-restore --noflush` input for one
//! node's namespace. Pure.
//!
//! - A partition ([`Grudge`]): `blocks(dest, src)` becomes, in `dest`'s namespace,
//!   `-A SB-PART -s <ip of src> -j DROP` — dest drops what src sends, exactly the router's
//!   semantics; clients (on the bridge address) are never cut off.
//! - Loss: `-m statistic --mode random --probability p -j DROP` on the chosen nodes' traffic
//!   with other nodes, both directions. The seed chooses when, which nodes and `p`; which
//!   packets are dropped is the kernel's randomness, not the seed's.

use std::net::Ipv4Addr;

use super::topology::{LOSS_CHAIN, PARTITION_CHAIN};
use crate::runner::nemesis::Grudge;

/// Node `dest`'s partition chain under `grudge` (`None`: healed), with `ips(i)` the addresses
/// node i's traffic comes from (its own, and its latency-proxy alias).
pub fn partition(
    dest: usize,
    grudge: Option<&Grudge>,
    ips: impl Fn(usize) -> Vec<Ipv4Addr>,
) -> String {
    let mut out = format!("*filter\n-F {PARTITION_CHAIN}\n");
    if let Some(g) = grudge {
        for src in 0..g.len() {
            if g.blocks(dest, src) {
                for ip in ips(src) {
                    out.push_str(&format!("-A {PARTITION_CHAIN} -s {ip}/32 -j DROP\n"));
                }
            }
        }
    }
    out.push_str("COMMIT\n");
    out
}

/// A node's loss chain: dropping `p` of its packets to and from other nodes (`None`: none).
pub fn loss(p: Option<f64>, client: Ipv4Addr) -> String {
    let mut out = format!("*filter\n-F {LOSS_CHAIN}\n");
    if let Some(p) = p {
        out.push_str(&format!("-A {LOSS_CHAIN} -s {client}/32 -j RETURN\n"));
        out.push_str(&format!("-A {LOSS_CHAIN} -d {client}/32 -j RETURN\n"));
        out.push_str(&format!("-A {LOSS_CHAIN} -i lo -j RETURN\n"));
        out.push_str(&format!("-A {LOSS_CHAIN} -o lo -j RETURN\n"));
        out.push_str(&format!(
            "-A {LOSS_CHAIN} -m statistic --mode random --probability {p} -j DROP\n"
        ));
    }
    out.push_str("COMMIT\n");
    out
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
        let r = partition(0, Some(&g), ip);
        assert!(r.contains("-A SB-PART -s 10.77.0.2/32 -j DROP"), "{r}");
        assert!(r.contains("-A SB-PART -s 10.77.0.3/32 -j DROP"), "{r}");
        assert!(r.contains("-A SB-PART -s 10.77.0.103/32 -j DROP"), "{r}");
        assert!(!r.contains("10.77.0.1/32"), "{r}");
        let other = partition(1, Some(&g), ip);
        assert_eq!(other, "*filter\n-F SB-PART\nCOMMIT\n");
    }

    #[test]
    fn healing_flushes_and_loss_spares_clients() {
        assert_eq!(partition(2, None, ip), "*filter\n-F SB-PART\nCOMMIT\n");
        let r = loss(Some(0.5), Ipv4Addr::new(10, 77, 0, 254));
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
            loss(None, Ipv4Addr::new(10, 77, 0, 254)),
            "*filter\n-F SB-LOSS\nCOMMIT\n"
        );
    }
}
