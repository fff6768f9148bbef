//! `G1c` and `G1c-realtime`: cycles of write-read edges (a poll returned a message another
//! operation sent), alone or with real-time edges (an operation returned before another was
//! invoked). What Maelstrom's kafka checker searches with Elle at strict-serializable: it infers
//! no ww edges (`:ww-deps` is off) and no rw edges, so these are the only cycles it can find;
//! the simplest is a poll that returned a message whose send was invoked after the poll ended.
//!
//! Real-time edges are quadratic in number, so they go through a chain of time points instead:
//! an ok operation points at the point of its completion, each point at the next, and a point at
//! every operation invoked after it (and before the next point). Reachability is the same, the
//! graph linear. Real-time edges alone cannot close a cycle, so every cycle has a write-read
//! edge.

use std::collections::{HashMap, HashSet, VecDeque};

use super::extract::KafkaOp;
use super::facts::{is_data, Facts};
use super::report::KafkaCase;
use crate::checker::transactional::scc::tarjan;
use crate::history::{Outcome, Value};

/// `(G1c, G1c-realtime)` cases: one per strongly connected component.
pub fn cases(ops: &[KafkaOp], facts: &Facts) -> (Vec<KafkaCase>, Vec<KafkaCase>) {
    let n = ops.len();
    // Write-read edges, with the key and message that justify them.
    let mut wr: Vec<Vec<(u32, Value, Value)>> = vec![Vec::new(); n];
    for (key, readers) in &facts.readers_of {
        for (msg, reader_ids) in readers {
            let Some(writer) = facts.writer(ops, key, msg) else {
                continue;
            };
            if writer.outcome == Outcome::Fail {
                continue;
            }
            for &r in reader_ids {
                if r != writer.id && ops[r].outcome == Outcome::Ok {
                    wr[writer.id].push((r as u32, key.clone(), msg.clone()));
                }
            }
        }
    }
    for edges in &mut wr {
        edges.sort_by_key(|e| e.0);
        edges.dedup_by_key(|e| e.0);
    }
    let wr_only = tarjan(n, 0..n as u32, |v| {
        wr[v as usize]
            .iter()
            .map(|e| e.0)
            .collect::<Vec<_>>()
            .into_iter()
    });
    let g1c: Vec<KafkaCase> = wr_only
        .nontrivial()
        .into_iter()
        .map(|scc| case(ops, &wr, &scc, None, "G1c"))
        .collect();

    // Time points: the completions of ok data operations, in history order.
    let mut points: Vec<(u64, u32)> = ops
        .iter()
        .filter(|op| op.outcome == Outcome::Ok && is_data(op))
        .map(|op| (op.ret, op.id as u32))
        .collect();
    points.sort_unstable();
    let m = points.len();
    let point_of: HashMap<u32, u32> = points
        .iter()
        .enumerate()
        .map(|(j, &(_, id))| (id, (n + j) as u32))
        .collect();
    // Point j → the operations invoked after it and before point j+1.
    let mut after: Vec<Vec<u32>> = vec![Vec::new(); m];
    for op in ops
        .iter()
        .filter(|op| op.outcome != Outcome::Fail && is_data(op))
    {
        let j = points.partition_point(|&(ret, _)| ret < op.call);
        if j > 0 {
            after[j - 1].push(op.id as u32);
        }
    }
    let succ = |v: u32| -> std::vec::IntoIter<u32> {
        let v = v as usize;
        let mut out = Vec::new();
        if v < n {
            out.extend(wr[v].iter().map(|e| e.0));
            out.extend(point_of.get(&(v as u32)).copied());
        } else {
            let j = v - n;
            if j + 1 < m {
                out.push((v + 1) as u32);
            }
            out.extend(after[j].iter().copied());
        }
        out.into_iter()
    };
    let with_time = tarjan(n + m, 0..(n + m) as u32, succ);
    // A component that holds a write-read cycle was reported as G1c.
    let in_g1c: HashSet<u32> = wr_only.nontrivial().into_iter().flatten().collect();
    let g1c_realtime = with_time
        .nontrivial()
        .into_iter()
        .filter(|scc| !scc.iter().any(|v| in_g1c.contains(v)))
        .map(|scc| case(ops, &wr, &scc, Some(&succ), "G1c-realtime"))
        .collect();
    (g1c, g1c_realtime)
}

/// The case for one component: a shortest cycle through one of its write-read edges.
fn case(
    ops: &[KafkaOp],
    wr: &[Vec<(u32, Value, Value)>],
    scc: &[u32],
    time: Option<&dyn Fn(u32) -> std::vec::IntoIter<u32>>,
    name: &str,
) -> KafkaCase {
    let n = ops.len();
    let inside: HashSet<u32> = scc.iter().copied().collect();
    let succ = |v: u32| -> Vec<u32> {
        match time {
            Some(t) => t(v).filter(|w| inside.contains(w)).collect(),
            None => wr[v as usize]
                .iter()
                .map(|e| e.0)
                .filter(|w| inside.contains(w))
                .collect(),
        }
    };
    // A write-read edge inside the component, and a path back from its reader to its writer.
    let (writer, (reader, key, msg)) = scc
        .iter()
        .filter(|&&v| (v as usize) < n)
        .find_map(|&v| {
            wr[v as usize]
                .iter()
                .find(|e| inside.contains(&e.0))
                .map(|e| (v, e.clone()))
        })
        .expect("every cycle has a write-read edge");
    let mut prev: HashMap<u32, u32> = HashMap::new();
    let mut queue = VecDeque::from([reader]);
    prev.insert(reader, reader);
    while let Some(v) = queue.pop_front() {
        if v == writer {
            break;
        }
        for w in succ(v) {
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    let mut path = vec![writer];
    let mut v = writer;
    while v != reader {
        v = prev[&v];
        path.push(v);
    }
    path.reverse();
    let cycle: Vec<&KafkaOp> = path
        .iter()
        .filter(|&&v| (v as usize) < n)
        .map(|&v| &ops[v as usize])
        .collect();
    let shown: Vec<String> = cycle
        .iter()
        .map(|op| format!("p{} {:?} ({})", op.process, op.kind, op.lines))
        .collect();
    KafkaCase::new(
        key.clone(),
        format!(
            "{name}: a poll returned {msg} of key {key} from a send it must precede; cycle {}",
            shown.join(" → ")
        ),
        serde_json::json!({"value": msg, "cycle": cycle.iter().map(|op| op.id).collect::<Vec<_>>()}),
        cycle,
    )
}
