//! [`RunPlan`]: everything a run needs, validated once; and the words of the command line that
//! replays it.
//!
//! - [`NetOptions`] (`network.rs`): the router's standing network (latency, loss, duplication,
//!   reordering).

mod network;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use network::{LatencyDist, NetOptions};

use super::nemesis::{ClockFault, FaultKind};
use super::workload::{Topology, TxnSettings, WorkloadName, WorkloadOptions};
use super::RunError;
use crate::checker::transactional::ConsistencyModel;
use crate::units::format_duration;

/// Which program runs as each node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeCommand {
    /// Any Maelstrom-protocol program: the program and its arguments (an argv, never a shell
    /// string).
    Bin(Vec<String>),
    /// One of splitbrain's reference nodes, run as `EXE node NAME [--bug BUG] --data-dir DIR`.
    Named {
        /// The `splitbrain` executable.
        exe: PathBuf,
        /// The reference node's name (`raft`, `lock`, ...).
        name: String,
        /// The bug variant to run, if any.
        bug: Option<String>,
    },
}

impl NodeCommand {
    /// The argv of the node in a slot whose data directory is `data_dir`, in a run seeded with
    /// `seed` (reference nodes draw their timers and choices from it). Nodes given with
    /// [`NodeCommand::Bin`] also find the directory in `SPLITBRAIN_DATA_DIR`; what they keep there
    /// across a kill and restart is up to them.
    pub fn argv(&self, data_dir: &Path, seed: u64) -> Vec<OsString> {
        match self {
            NodeCommand::Bin(argv) => argv.iter().map(OsString::from).collect(),
            NodeCommand::Named { exe, name, bug } => {
                let mut argv: Vec<OsString> = vec![exe.into(), "node".into(), name.into()];
                if let Some(bug) = bug {
                    argv.push("--bug".into());
                    argv.push(bug.into());
                }
                argv.push("--data-dir".into());
                argv.push(data_dir.into());
                argv.push("--seed".into());
                argv.push(seed.to_string().into());
                argv
            }
        }
    }

    /// The words of `splitbrain run` that select this node program (`--node NAME [--bug B]`,
    /// or `--bin CMD ARGS...`, which must come last).
    pub fn replay_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        match self {
            NodeCommand::Named { name, bug, .. } => {
                args.extend(["--node".to_string(), name.clone()]);
                if let Some(bug) = bug {
                    args.extend(["--bug".to_string(), bug.clone()]);
                }
            }
            NodeCommand::Bin(argv) => {
                // `--` keeps node arguments that look like options the node's.
                args.extend(["--bin".to_string(), argv[0].clone()]);
                if argv[1..].iter().any(|a| a.starts_with('-')) {
                    args.push("--".into());
                }
                args.extend(argv[1..].iter().cloned());
            }
        }
        args
    }

    /// A short description for messages: the program name, or `splitbrain node NAME`.
    pub fn describe(&self) -> String {
        match self {
            NodeCommand::Bin(argv) => shell_join(argv),
            NodeCommand::Named { name, bug, .. } => match bug {
                Some(bug) => format!("splitbrain node {name} --bug {bug}"),
                None => format!("splitbrain node {name}"),
            },
        }
    }
}

/// A run: the nodes, the network, the faults and the workload. `RunPlan::new` gives
/// Maelstrom-like defaults; set fields to change them, then [`RunPlan::validate`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunPlan {
    /// The workload.
    pub workload: WorkloadName,
    /// The node program.
    pub node: NodeCommand,
    /// Number of nodes (`n0` ..).
    pub node_count: usize,
    /// Client threads (default: the node count).
    pub concurrency: usize,
    /// Client operations per second over all threads (default 10); 0 means no client
    /// operations.
    pub rate: f64,
    /// How long clients issue operations (default 10 s).
    pub time_limit: Duration,
    /// How long a client waits for a reply (default 1 s, or 10 × the mean latency if larger).
    pub rpc_timeout: Duration,
    /// How long a node has to answer `init` (default 10 s, Maelstrom's).
    pub init_timeout: Duration,
    /// Latency, loss, duplication, reordering.
    pub net: NetOptions,
    /// The faults the nemesis injects; empty for none.
    pub nemesis: Vec<FaultKind>,
    /// Mean time between nemesis actions (default 5 s).
    pub nemesis_interval: Duration,
    /// The clock faults `--nemesis clock` draws from; empty (the default): every one the
    /// nodes' clock mechanism supports (see [`crate::runner::Cluster::clock_faults`]).
    pub clock_faults: Vec<ClockFault>,
    /// Quiet period after healing, before the final reads (default 5 s).
    pub recovery_time: Duration,
    /// Keys of the lin-kv workload (default 4; 10 for the txn workloads, Maelstrom's); with
    /// `ops_per_key`, the keys in use at once.
    pub key_count: usize,
    /// lin-kv: operations after which a key is retired for a fresh one (0, the default: never).
    pub ops_per_key: usize,
    /// Broadcast topology (default grid).
    pub topology: Topology,
    /// txn workloads: most micro-ops per transaction (default 4, Maelstrom's).
    pub max_txn_length: usize,
    /// txn workloads: writes a key gets before a fresh key takes its place (default 16).
    pub max_writes_per_key: usize,
    /// txn workloads: the consistency models the history must satisfy (default
    /// strict-serializable, Maelstrom's).
    pub consistency_models: Vec<ConsistencyModel>,
    /// The fraction of client operations that must succeed (`ok`), Maelstrom's
    /// `--availability`: `Some(1.0)` for `total`; `None` (the default) checks nothing.
    pub availability: Option<f64>,
    /// lease-lock: how long every holder works between its token and its write (default 0).
    pub hold: Duration,
    /// lease-lock: how long one holder in five pauses on top of that (default 400 ms, longer
    /// than the reference lock's 200 ms lease).
    pub holder_pause: Duration,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// The store root: runs go to `STORE/<workload>/<timestamp>/`.
    pub store: PathBuf,
    /// Whether a run of reference nodes ([`NodeCommand::Named`]) is validated against their
    /// model at its end (`splitbrain validate`; default true; other nodes keep no journal).
    pub validate: bool,
}

impl RunPlan {
    /// A plan with defaults.
    pub fn new(workload: WorkloadName, node: NodeCommand, node_count: usize) -> RunPlan {
        let w = WorkloadOptions::default();
        let key_count = if workload.is_transactional() || workload == WorkloadName::Kafka {
            w.txn.key_count
        } else {
            w.key_count
        };
        RunPlan {
            workload,
            node,
            node_count,
            concurrency: node_count.max(1),
            rate: 10.0,
            time_limit: Duration::from_secs(10),
            rpc_timeout: Duration::from_secs(1),
            init_timeout: super::protocol::INIT_TIMEOUT,
            net: NetOptions::default(),
            nemesis: Vec::new(),
            nemesis_interval: Duration::from_secs(5),
            clock_faults: Vec::new(),
            recovery_time: Duration::from_secs(5),
            key_count,
            ops_per_key: w.ops_per_key,
            topology: w.topology,
            max_txn_length: w.txn.max_txn_length,
            max_writes_per_key: w.txn.max_writes_per_key,
            consistency_models: w.txn.consistency_models,
            availability: None,
            hold: w.hold,
            holder_pause: w.holder_pause,
            seed: 0,
            store: PathBuf::from("store"),
            validate: true,
        }
    }

    /// Checks the plan's values against each other.
    pub fn validate(&self) -> Result<(), RunError> {
        let bad = |m: String| Err(RunError::Plan(m));
        if self.node_count == 0 {
            return bad("--node-count must be at least 1".into());
        }
        if self.node_count > 1000 {
            return bad(format!(
                "--node-count {} is more than 1000",
                self.node_count
            ));
        }
        if self.concurrency == 0 {
            return bad("--concurrency must be at least 1".into());
        }
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            return bad(format!("--rate must be a number ≥ 0, found {}", self.rate));
        }
        if self.key_count == 0 {
            return bad("--key-count must be at least 1".into());
        }
        if self.max_txn_length == 0 {
            return bad("--max-txn-length must be at least 1".into());
        }
        if self.max_writes_per_key == 0 {
            return bad("--max-writes-per-key must be at least 1".into());
        }
        if self.consistency_models.is_empty() {
            return bad("--consistency-models needs at least one model".into());
        }
        if let Some(a) = self.availability {
            if !(0.0..=1.0).contains(&a) {
                return bad(format!(
                    "--availability must be `total` or a fraction in 0..1, found {a}"
                ));
            }
        }
        if let NodeCommand::Bin(argv) = &self.node {
            if argv.is_empty() || argv[0].is_empty() {
                return bad("--bin needs a program".into());
            }
        }
        for (name, p) in [
            ("--loss", self.net.loss),
            ("--duplicate", self.net.duplicate),
            ("--reorder", self.net.reorder),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} must be a probability in 0..1, found {p}"));
            }
        }
        if !self.nemesis.is_empty() && self.nemesis_interval.is_zero() {
            return bad("--nemesis-interval must be more than 0".into());
        }
        if !self.clock_faults.is_empty() && !self.nemesis.contains(&FaultKind::Clock) {
            return bad(
                "--clock-faults chooses among clock faults: it needs --nemesis clock".into(),
            );
        }
        if let Some(kind) = self.nemesis.iter().find(|k| k.is_targeted()) {
            if self.nemesis.iter().any(|k| k != kind) {
                return bad(format!(
                    "--nemesis {} runs alone: it makes its own partitions at protocol moments",
                    kind.name()
                ));
            }
            if self.node_count < 3 {
                return bad(format!("--nemesis {} needs at least 3 nodes", kind.name()));
            }
        }
        Ok(())
    }

    /// The client timeout actually used: `rpc_timeout`, at least 10 × the mean latency.
    pub fn effective_rpc_timeout(&self) -> Duration {
        self.rpc_timeout.max(self.net.latency * 10)
    }

    /// The workload's settings.
    pub fn workload_options(&self) -> WorkloadOptions {
        WorkloadOptions {
            key_count: self.key_count,
            ops_per_key: self.ops_per_key,
            topology: self.topology,
            txn: TxnSettings {
                key_count: self.key_count,
                max_txn_length: self.max_txn_length,
                max_writes_per_key: self.max_writes_per_key,
                consistency_models: self.consistency_models.clone(),
            },
            hold: self.hold,
            holder_pause: self.holder_pause,
        }
    }

    /// The options of `splitbrain run` that give this plan again with the same seed — the same
    /// fault schedule and the same operations (the interleaving of real processes may differ);
    /// the backend adds the words that select it and its nodes (see
    /// [`replay_command`](super::replay_command)).
    pub fn replay_args(&self) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--workload".into(),
            self.workload.name().into(),
            "--node-count".into(),
            self.node_count.to_string(),
            "--concurrency".into(),
            self.concurrency.to_string(),
            "--rate".into(),
            format_number(self.rate),
            "--time-limit".into(),
            format_duration(self.time_limit),
            "--seed".into(),
            self.seed.to_string(),
        ];
        let mut opt = |name: &str, value: String| {
            args.push(name.into());
            args.push(value);
        };
        let defaults = RunPlan::new(self.workload, self.node.clone(), self.node_count);
        if self.rpc_timeout != defaults.rpc_timeout {
            opt("--rpc-timeout", format_duration(self.rpc_timeout));
        }
        if self.init_timeout != defaults.init_timeout {
            opt("--init-timeout", format_duration(self.init_timeout));
        }
        if !self.nemesis.is_empty() {
            let names: Vec<&str> = self.nemesis.iter().map(|k| k.name()).collect();
            opt("--nemesis", names.join(","));
            opt("--nemesis-interval", format_duration(self.nemesis_interval));
        }
        if !self.clock_faults.is_empty() {
            let names: Vec<&str> = self.clock_faults.iter().map(|k| k.name()).collect();
            opt("--clock-faults", names.join(","));
        }
        if self.recovery_time != defaults.recovery_time {
            opt("--recovery-time", format_duration(self.recovery_time));
        }
        if !self.net.latency.is_zero() {
            opt("--latency", format_duration(self.net.latency));
            if self.net.latency_dist != LatencyDist::Constant {
                opt("--latency-dist", self.net.latency_dist.name().into());
            }
        }
        for (name, p) in [
            ("--loss", self.net.loss),
            ("--duplicate", self.net.duplicate),
            ("--reorder", self.net.reorder),
        ] {
            if p > 0.0 {
                opt(name, format_number(p));
            }
        }
        if self.workload == WorkloadName::LinKv {
            opt("--key-count", self.key_count.to_string());
            if self.ops_per_key > 0 {
                opt("--ops-per-key", self.ops_per_key.to_string());
            }
        }
        if self.workload.is_transactional() {
            opt("--key-count", self.key_count.to_string());
            opt("--max-txn-length", self.max_txn_length.to_string());
            opt("--max-writes-per-key", self.max_writes_per_key.to_string());
            let models: Vec<&str> = self.consistency_models.iter().map(|m| m.name()).collect();
            opt("--consistency-models", models.join(","));
        }
        match self.availability {
            Some(a) if a >= 1.0 => opt("--availability", "total".into()),
            Some(a) => opt("--availability", format_number(a)),
            None => {}
        }
        if self.workload == WorkloadName::LeaseLock {
            if self.hold != defaults.hold {
                opt("--hold", format_duration(self.hold));
            }
            if self.holder_pause != defaults.holder_pause {
                opt("--holder-pause", format_duration(self.holder_pause));
            }
        }
        if self.workload == WorkloadName::Broadcast && self.topology != Topology::Grid {
            opt("--topology", self.topology.name().into());
        }
        if self.store != Path::new("store") {
            opt("--store", self.store.display().to_string());
        }
        args
    }
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Joins words into a command line a POSIX shell reads back as the same words.
pub fn shell_join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> RunPlan {
        RunPlan::new(
            WorkloadName::LinKv,
            NodeCommand::Bin(vec!["python3".into(), "my node.py".into(), "--x".into()]),
            3,
        )
    }

    #[test]
    fn the_figure8_nemesis_runs_alone_on_three_nodes_or_more() {
        let mut p = plan();
        p.nemesis = vec![FaultKind::Figure8];
        assert!(p.validate().is_ok());
        p.nemesis = vec![FaultKind::Figure8, FaultKind::Kill];
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("figure8 runs alone"), "{e}");
        p.nemesis = vec![FaultKind::Figure8];
        p.node_count = 2;
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("at least 3 nodes"), "{e}");
    }

    #[test]
    fn named_nodes_get_their_data_dir_bug_and_the_run_seed() {
        let node = NodeCommand::Named {
            exe: "/bin/splitbrain".into(),
            name: "raft".into(),
            bug: Some("figure8".into()),
        };
        let argv = node.argv(Path::new("/tmp/d/n0"), 7);
        let argv: Vec<&str> = argv.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            argv,
            [
                "/bin/splitbrain",
                "node",
                "raft",
                "--bug",
                "figure8",
                "--data-dir",
                "/tmp/d/n0",
                "--seed",
                "7"
            ]
        );
    }

    #[test]
    fn invalid_plans_are_rejected_with_the_flag_name() {
        let mut p = plan();
        p.net.loss = 1.5;
        assert!(p.validate().unwrap_err().to_string().contains("--loss"));
        let mut p = plan();
        p.node_count = 0;
        assert!(p.validate().is_err());
    }
}
