//! [`Nodes`]: node processes on their hosts. Each starts detached under `setsid` (its own
//! process group and session, so the ssh connection can close) inside a small `sh` wrapper that
//! writes the program's exit status when it exits on its own; its pid (= its group) goes to
//! `DIR/<id>/pid` on the host, its output to `DIR/<id>/log`. Kill is SIGKILL to the group (the
//! wrapper dies too, so no status is written); a restart runs the same argv with the same data
//! directory; pause and resume are SIGSTOP and SIGCONT to the group. When the run skews clocks,
//! each node starts under libfaketime reading its own timestamp file (`clock.rs`).

use std::time::{Duration, Instant};

use super::clock;
use super::session::{quote, Session};
use crate::history::Value;
use crate::runner::effect::Effect;
use crate::runner::protocol::node_id;
use crate::runner::real::Processes;
use crate::runner::RunError;

/// The node processes of a run, one per host.
pub struct Nodes {
    sessions: Vec<Session>,
    argvs: Vec<Vec<String>>,
    /// Each node's directory on its host: `DIR/<prefix>/<id>`.
    dirs: Vec<String>,
    /// The process group of each running node.
    groups: Vec<Option<u32>>,
    /// Each host's libfaketime, when the run skews clocks.
    faketime: Option<Vec<String>>,
}

impl Nodes {
    /// Nodes with these sessions, argvs and directories; nothing is started yet.
    pub fn new(sessions: Vec<Session>, argvs: Vec<Vec<String>>, dirs: Vec<String>) -> Nodes {
        let n = sessions.len();
        Nodes {
            sessions,
            argvs,
            dirs,
            groups: vec![None; n],
            faketime: None,
        }
    }

    /// Starts every node under its host's libfaketime `libs` (one per node), so its clock can
    /// be skewed.
    pub fn with_faketime(mut self, libs: Vec<String>) -> Nodes {
        self.faketime = Some(libs);
        self
    }

    /// Node `i`'s command line, as a shell would show it.
    pub fn command(&self, i: usize) -> String {
        let words: Vec<&str> = self.argvs[i].iter().map(String::as_str).collect();
        quote(&words)
    }

    fn signal(&self, i: usize, signal: &str) {
        if let Some(group) = self.groups[i] {
            let _ = self.sessions[i].run(&["kill", signal, "--", &format!("-{group}")]);
        }
    }

    /// Signals node `i`'s group, then waits up to 200 ms until every process of its session is
    /// seen in a state `want` accepts (`T`: stopped); the effect is whether they were.
    fn signal_and_watch(&self, i: usize, signal: &str, want: fn(char) -> bool) -> Effect {
        let Some(group) = self.groups[i] else {
            return Effect::missed(vec![("state", Value::str("not running"))]);
        };
        self.signal(i, signal);
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            // `ps` fails when the session has no process left.
            let states = self.sessions[i]
                .run(&["ps", "-o", "stat=", "--sid", &group.to_string()])
                .map(|out| {
                    out.lines()
                        .filter_map(|l| l.trim().chars().next())
                        .collect::<String>()
                })
                .unwrap_or_default();
            let good = !states.is_empty() && states.chars().all(want);
            if good || Instant::now() >= deadline {
                let shown = if states.is_empty() {
                    "gone".into()
                } else {
                    states
                };
                let evidence = vec![("state", Value::str(shown))];
                return if good {
                    Effect::took(evidence)
                } else {
                    Effect::missed(evidence)
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Node `i`'s log so far.
    pub fn log(&self, i: usize) -> Vec<u8> {
        let log = quote(&[&format!("{}/log", self.dirs[i])]);
        self.sessions[i]
            .run_script(&format!("cat {log} 2>/dev/null || true"), None)
            .map(String::into_bytes)
            .unwrap_or_default()
    }
}

impl Processes for Nodes {
    fn count(&self) -> usize {
        self.groups.len()
    }

    /// Starts node `i` (if it is not running).
    fn start(&mut self, i: usize) -> Result<(), RunError> {
        if self.groups[i].is_some() {
            return Ok(());
        }
        let dir = quote(&[&self.dirs[i]]);
        let (file, env) = match &self.faketime {
            Some(libs) => (
                format!("{} && ", clock::create_file()),
                format!("{} ", clock::env(&libs[i])),
            ),
            None => (String::new(), String::new()),
        };
        // The wrapper's $0 is `sh`; "$@" is the program's argv, quoted word by word.
        let script = format!(
            "mkdir -p {dir}/data && cd {dir} && rm -f status && {file}\
             {{ setsid {env}sh -c '\"$@\"; echo \"exit status: $?\" > status' sh {argv} \
             >> log 2>&1 < /dev/null & echo $! > pid; cat pid; }}",
            argv = self.command(i)
        );
        let out = self.sessions[i].run_script(&script, None)?;
        let pid = out.trim().parse::<u32>().map_err(|_| {
            RunError::Ssh(format!(
                "node {} on {}: expected its pid, got {out:?}",
                node_id(i),
                self.sessions[i].login
            ))
        })?;
        self.groups[i] = Some(pid);
        Ok(())
    }

    /// SIGKILLs node `i`'s group and waits until it is gone; the effect: seen gone.
    fn kill(&mut self, i: usize) -> Effect {
        let Some(group) = self.groups[i].take() else {
            return Effect::missed(vec![("exit", Value::str("it was not running"))]);
        };
        let g = format!("-{group}");
        let script = format!(
            "kill -CONT -- {g} 2>/dev/null; kill -KILL -- {g} 2>/dev/null; \
             n=0; while kill -0 -- {g} 2>/dev/null && [ $n -lt 100 ]; do sleep 0.02; n=$((n+1)); done; \
             if kill -0 -- {g} 2>/dev/null; then echo alive; else echo gone; fi"
        );
        match self.sessions[i].run_script(&script, None) {
            Ok(out) if out.trim() == "gone" => {
                Effect::took(vec![("exit", Value::str("killed by SIGKILL"))])
            }
            Ok(out) => Effect::missed(vec![("exit", Value::str(format!("still {}", out.trim())))]),
            Err(e) => Effect::missed(vec![("exit", Value::str(e.to_string()))]),
        }
    }

    /// SIGSTOPs node `i`'s group; the effect: its processes seen stopped.
    fn pause(&mut self, i: usize) -> Effect {
        self.signal_and_watch(i, "-STOP", |s| s == 'T')
    }

    /// SIGCONTs node `i`'s group; the effect: its processes seen running again.
    fn resume(&mut self, i: usize) -> Effect {
        self.signal_and_watch(i, "-CONT", |s| s != 'T')
    }

    /// Rewrites node `i`'s timestamp file on its host; the offset read back there (`None`: the
    /// run does not skew clocks).
    fn set_clock(&mut self, i: usize, offset_ms: i64) -> Option<Effect> {
        let lib = &self.faketime.as_ref()?[i];
        Some(clock::bump(
            &self.sessions[i],
            &self.dirs[i],
            lib,
            offset_ms,
            self.groups[i],
        ))
    }

    /// The nodes whose wrapper wrote an exit status since the last call.
    fn exited(&mut self) -> Vec<(usize, String)> {
        let running: Vec<usize> = (0..self.groups.len())
            .filter(|&i| self.groups[i].is_some())
            .collect();
        let mut out = Vec::new();
        for i in running {
            let status = quote(&[&format!("{}/status", self.dirs[i])]);
            let script = format!("cat {status} 2>/dev/null || true");
            let text = self.sessions[i]
                .run_script(&script, None)
                .unwrap_or_default();
            if !text.trim().is_empty() {
                self.groups[i] = None;
                out.push((i, text.trim().to_string()));
            }
        }
        out
    }
}
