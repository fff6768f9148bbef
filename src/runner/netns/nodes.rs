//! [`Nodes`]: the node processes, each started as `ip netns exec NS ARGV...` (which execs, so the
//! pid is the node's), in a process group of its own (a terminal's SIGINT reaches the harness
//! only, which then tears down in order). Kill is SIGKILL + wait; a restart runs the same argv
//! with the same data directory; pause and resume are SIGSTOP and SIGCONT to the group and to
//! every descendant (a worker that called `setsid()` has left the group, not the tree).

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::topology::Topology;
use crate::history::Value;
use crate::runner::clock_skew;
use crate::runner::effect::{self, Effect};
use crate::runner::nemesis::FaultKind;
use crate::runner::plan::{shell_join, RunPlan};
use crate::runner::protocol::node_id;
use crate::runner::real::ClusterFile;
use crate::runner::real::Processes;
use crate::runner::store::Store;
use crate::runner::RunError;

/// The node processes of a run.
pub struct Nodes {
    argvs: Vec<Vec<String>>,
    namespaces: Vec<String>,
    children: Vec<Option<Child>>,
    store: Store,
    /// libfaketime, when the run skews clocks: every node starts with it preloaded.
    libfaketime: Option<PathBuf>,
}

impl Nodes {
    /// The nodes of `cluster` in `topology`, for `plan`; nothing is started yet.
    pub fn new(
        cluster: &ClusterFile,
        topology: &Topology,
        store: Store,
        plan: &RunPlan,
    ) -> Result<Nodes, RunError> {
        let mut argvs = Vec::new();
        for i in 0..cluster.nodes {
            let dir = store.data_dir(&node_id(i))?;
            let program = super::program(cluster, &plan.node, &dir, plan.seed);
            let (data, run) = (dir.display().to_string(), store.dir().display().to_string());
            argvs.push(cluster.argv(i, &super::fill(&data, plan.seed, &program, &run)));
        }
        Ok(Nodes {
            argvs,
            namespaces: (0..cluster.nodes)
                .map(|i| topology.node_ns(i).to_string())
                .collect(),
            children: (0..cluster.nodes).map(|_| None).collect(),
            store,
            libfaketime: if plan.nemesis.contains(&FaultKind::Clock) {
                Some(clock_skew::libfaketime().map_err(RunError::Clock)?)
            } else {
                None
            },
        })
    }

    /// Node `i`'s command line, as a shell would show it.
    pub fn command(&self, i: usize) -> String {
        shell_join(&self.argvs[i])
    }

    /// Sends `signal` to node `i`'s group; `seen` tells its effect on the process.
    /// Signals node `i`'s process group and every descendant of its process — a server whose
    /// workers call `setsid()` (PostgreSQL's backends) has left the group but not the tree —
    /// then waits to see each in the state `seen` wants.
    fn signal(&self, i: usize, signal: Signal, seen: fn(i32) -> Effect) -> Effect {
        let Some(child) = &self.children[i] else {
            return Effect::missed(vec![("state", Value::str("not running"))]);
        };
        let pid = child.id() as i32;
        let _ = killpg(Pid::from_raw(pid), signal);
        let tree = descendants(pid);
        for &p in &tree {
            let _ = nix::sys::signal::kill(Pid::from_raw(p), signal);
        }
        let root = seen(pid);
        if tree.is_empty() {
            return root;
        }
        let effects: Vec<Effect> = tree.iter().map(|&p| seen(p)).collect();
        let took = root.took == Some(true) && effects.iter().all(|e| e.took == Some(true));
        let mut evidence = root.evidence;
        evidence.push(("processes".into(), Value::Int(1 + tree.len() as i64)));
        let behind = effects.iter().filter(|e| e.took != Some(true)).count();
        if behind > 0 {
            evidence.push(("processes-not-seen".into(), Value::Int(behind as i64)));
        }
        Effect {
            took: Some(took),
            evidence,
        }
    }
}

impl Processes for Nodes {
    fn count(&self) -> usize {
        self.children.len()
    }

    /// Starts node `i` (if it is not running); its stdout and stderr go to its log.
    fn start(&mut self, i: usize) -> Result<(), RunError> {
        self.exited();
        if self.children[i].is_some() {
            return Ok(());
        }
        let id = node_id(i);
        let log = self.store.open_node_log(&id)?;
        let err = log.try_clone().map_err(|source| RunError::Store {
            path: self.store.node_log(&id),
            error: source,
        })?;
        let env = match &self.libfaketime {
            Some(lib) => clock_skew::node_env(&self.store.path("clock"), &id, lib)
                .map_err(|e| RunError::Clock(e.to_string()))?,
            None => Vec::new(),
        };
        let child = Command::new("ip")
            .envs(env)
            .args(["netns", "exec", &self.namespaces[i]])
            .args(&self.argvs[i])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|source| RunError::Spawn {
                node: id,
                command: self.command(i),
                error: source,
            })?;
        self.children[i] = Some(child);
        Ok(())
    }

    /// SIGKILLs node `i`'s group and reaps it; the exit seen.
    fn kill(&mut self, i: usize) -> Effect {
        let Some(mut child) = self.children[i].take() else {
            return Effect::missed(vec![("exit", Value::str("it was not running"))]);
        };
        let group = Pid::from_raw(child.id() as i32);
        let _ = killpg(group, Signal::SIGCONT);
        let _ = killpg(group, Signal::SIGKILL);
        match child.wait() {
            Ok(status) => Effect::took(vec![("exit", Value::str(status.to_string()))]),
            Err(e) => Effect::missed(vec![("exit", Value::str(e.to_string()))]),
        }
    }

    fn pid(&self, i: usize) -> Option<i32> {
        self.children[i].as_ref().map(|c| c.id() as i32)
    }

    fn pause(&mut self, i: usize) -> Effect {
        self.signal(i, Signal::SIGSTOP, effect::paused)
    }

    fn resume(&mut self, i: usize) -> Effect {
        self.signal(i, Signal::SIGCONT, effect::resumed)
    }

    /// Reaps the nodes that exited on their own since the last call.
    fn exited(&mut self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, slot) in self.children.iter_mut().enumerate() {
            if let Some(Ok(Some(status))) = slot.as_mut().map(Child::try_wait) {
                out.push((i, status.to_string()));
                *slot = None;
            }
        }
        out
    }
}

/// Every descendant of process `pid` (children of each of its threads, recursively), as
/// `/proc` shows them now.
fn descendants(pid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for c in children
                .split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok())
            {
                if !found.contains(&c) {
                    found.push(c);
                    queue.push(c);
                }
            }
        }
    }
    found
}
