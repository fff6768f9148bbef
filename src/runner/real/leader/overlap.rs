//! [`overlaps`]: when two or more nodes each said they were the leader at the same time (a
//! split brain: two Redis primaries accepting writes), from the leader reports. Pure.

use serde::Serialize;

use super::Report;
use crate::runner::protocol::node_id;

/// A stretch of time during which several nodes each reported themselves as leader.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overlap {
    /// When the second self-declared leader appeared (s from the client phase start).
    pub from: f64,
    /// When only one (or none) was left (s); `None` if several still claimed it when the
    /// watch ended.
    pub to: Option<f64>,
    /// Every node that claimed leadership during the stretch, in node order.
    pub leaders: Vec<String>,
}

impl Overlap {
    /// One line for the terminal.
    pub fn describe(&self) -> String {
        let until = match self.to {
            Some(to) => format!("to {to:.1}s ({:.1}s)", to - self.from),
            None => "to the end of the run".to_string(),
        };
        format!(
            "split brain: {} each acted as leader from {:.1}s {until}",
            self.leaders.join(" and "),
            self.from,
        )
    }
}

/// The stretches when more than one of `n` nodes claimed to lead, from `reports` (in time
/// order). A node claims to lead from a report naming itself until its next report.
pub fn overlaps(reports: &[Report], n: usize) -> Vec<Overlap> {
    let mut claims = vec![false; n];
    let mut out = Vec::new();
    let mut open: Option<Overlap> = None;
    for r in reports.iter().filter(|r| r.node < n) {
        claims[r.node] = r.leader != 0 && r.leader == r.member;
        let at = r.at.as_secs_f64();
        let claiming: Vec<usize> = (0..n).filter(|&i| claims[i]).collect();
        match (&mut open, claiming.len() > 1) {
            (None, true) => {
                open = Some(Overlap {
                    from: at,
                    to: None,
                    leaders: claiming.iter().map(|&i| node_id(i)).collect(),
                })
            }
            (Some(o), true) => {
                for i in claiming {
                    if !o.leaders.contains(&node_id(i)) {
                        o.leaders.push(node_id(i));
                    }
                }
            }
            (Some(_), false) => {
                let mut o = open.take().expect("open");
                o.to = Some(at);
                out.push(o);
            }
            (None, false) => {}
        }
    }
    out.extend(open);
    for o in &mut out {
        o.leaders
            .sort_by_key(|id| id[1..].parse::<usize>().unwrap_or(0));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Node `node` (member id 100 + node) says `leader` (a node index, or none) leads.
    fn report(ms: u64, node: usize, leader: Option<usize>) -> Report {
        Report {
            at: Duration::from_millis(ms),
            node,
            leader: leader.map_or(0, |l| 100 + l as u64),
            member: 100 + node as u64,
        }
    }

    #[test]
    fn two_nodes_claiming_at_once_is_a_split_brain_until_one_steps_down() {
        let reports = [
            report(0, 0, Some(0)),
            report(0, 1, Some(0)),
            report(0, 2, Some(0)),
            report(2000, 1, None),
            report(3500, 1, Some(1)),
            report(3600, 2, Some(1)),
            report(6000, 0, Some(1)),
        ];
        let o = overlaps(&reports, 3);
        assert_eq!(o.len(), 1, "{o:?}");
        assert_eq!((o[0].from, o[0].to), (3.5, Some(6.0)));
        assert_eq!(o[0].leaders, ["n0", "n1"]);
        assert!(o[0].describe().contains("n0 and n1"), "{}", o[0].describe());
    }

    #[test]
    fn a_clean_handover_or_a_silent_old_leader_is_no_split_brain() {
        let reports = [
            report(0, 0, Some(0)),
            report(0, 1, Some(0)),
            report(1000, 0, None),
            report(1500, 1, Some(1)),
        ];
        assert!(overlaps(&reports, 2).is_empty());
    }
}
