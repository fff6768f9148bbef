//! Gaps: what a journal cannot show. Paxos nodes are driven in-process through the real node
//! host (`splitbrain::node::Host`, real data directories and journals), with a hand-kept
//! `messages.jsonl`, so a SIGKILL at a chosen instant is exact: the host persisted its promise,
//! and died before journaling the input and before its reply left.

use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};
use splitbrain::node::{Host, NodeOptions};
use splitbrain_models::paxos::KeyedPaxos;

use super::validate;

/// A cluster of in-process paxos hosts and the router journal of what passed between them.
struct Mini {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    hosts: Vec<Option<Host<KeyedPaxos>>>,
    log: Vec<String>,
    next_id: u64,
    time: i64,
    /// Node-to-node messages sent, not yet delivered: (id, dest, stamped line).
    pending: Vec<(u64, usize, String)>,
}

impl Mini {
    fn new(nodes: usize) -> Mini {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("run");
        let mut mini = Mini {
            _tmp: tmp,
            dir,
            hosts: (0..nodes).map(|_| None).collect(),
            log: Vec::new(),
            next_id: 0,
            time: 0,
            pending: Vec::new(),
        };
        for i in 0..nodes {
            mini.start(i);
        }
        mini
    }

    fn data(&self, i: usize) -> PathBuf {
        self.dir.join("data").join(format!("n{i}"))
    }

    fn event(&mut self, event: Json) {
        self.time += 1000;
        let mut event = event;
        event["time"] = self.time.into();
        self.log.push(event.to_string());
    }

    /// Logs `line` sent by `from`; returns its id.
    fn send(&mut self, from: &str, line: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let message: Json = serde_json::from_str(line).expect("a JSON line");
        self.event(json!({"id": id, "type": "send", "from": from, "message": message}));
        id
    }

    fn stamped(id: u64, line: &str) -> String {
        format!("{{\"id\":{id},{}", &line[1..])
    }

    /// Delivers a stamped line to node `i`; `lose`: the node dies after executing it, before
    /// its journal line and its messages are written.
    fn feed(&mut self, i: usize, id: u64, stamped: &str, lose: bool) {
        self.event(json!({"id": id, "type": "deliver"}));
        let host = self.hosts[i].as_mut().expect("node is up");
        let out = host.on_line(stamped).expect("host handles the line");
        if lose {
            let path = self.data(i).join("journal.jsonl");
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines.pop();
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            self.hosts[i] = None;
            return;
        }
        self.outputs(i, out);
    }

    fn outputs(&mut self, i: usize, lines: Vec<String>) {
        for line in lines {
            let v: Json = serde_json::from_str(&line).unwrap();
            let dest = v["dest"].as_str().unwrap().to_string();
            let id = self.send(&format!("n{i}"), &line);
            if let Some(j) = dest.strip_prefix('n').and_then(|j| j.parse::<usize>().ok()) {
                self.pending.push((id, j, Self::stamped(id, &line)));
            } else {
                self.event(json!({"id": id, "type": "deliver"}));
            }
        }
    }

    /// (Re)starts node `i` with `init` from client c0.
    fn start(&mut self, i: usize) {
        let host = Host::<KeyedPaxos>::new(NodeOptions {
            data_dir: Some(self.data(i)),
            seed: Some(1),
            ..NodeOptions::default()
        })
        .expect("host");
        self.hosts[i] = Some(host);
        let nodes: Vec<String> = (0..self.hosts.len()).map(|j| format!("n{j}")).collect();
        let line = json!({"src": "c0", "dest": format!("n{i}"),
            "body": {"type": "init", "msg_id": 1, "node_id": format!("n{i}"), "node_ids": nodes}})
        .to_string();
        let id = self.send("c0", &line);
        self.feed(i, id, &Self::stamped(id, &line), false);
    }

    /// A client request to node `i`.
    fn request(&mut self, client: &str, i: usize, body: Json) {
        let line = json!({"src": client, "dest": format!("n{i}"), "body": body}).to_string();
        let id = self.send(client, &line);
        self.feed(i, id, &Self::stamped(id, &line), false);
    }

    /// Delivers the first pending message to node `to`.
    fn deliver_to(&mut self, to: usize, lose: bool) -> u64 {
        let at = self
            .pending
            .iter()
            .position(|(_, j, _)| *j == to)
            .expect("a message for the node");
        let (id, j, line) = self.pending.remove(at);
        self.feed(j, id, &line, lose);
        id
    }

    fn finish(&self) -> &Path {
        std::fs::write(self.dir.join("messages.jsonl"), self.log.join("\n") + "\n").unwrap();
        &self.dir
    }
}

/// n1 proposes for a client's write; n0 is about to handle n1's `prepare`.
fn proposal() -> Mini {
    let mut m = Mini::new(3);
    m.request(
        "c1",
        1,
        json!({"type": "write", "msg_id": 1, "key": 0, "value": 5}),
    );
    m
}

#[test]
fn a_kill_that_loses_nothing_durable_is_no_gap() {
    let mut m = proposal();
    m.deliver_to(0, false);
    m.hosts[0] = None;
    m.start(0);
    let (code, v, stderr) = validate(m.finish(), &[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
    assert_eq!(v["gaps"], json!([]));
}

#[test]
fn a_promise_persisted_but_never_journaled_before_a_kill_is_a_bridged_gap() {
    let mut m = proposal();
    let prepare = m.deliver_to(0, true);
    m.start(0);
    let (code, v, stderr) = validate(m.finish(), &[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
    let gap = &v["gaps"][0];
    assert_eq!(
        (gap["node"].as_str(), gap["bridged"].as_bool()),
        (Some("n0"), Some(true)),
        "{v:#}"
    );
    assert!(
        gap["bridge"][0]
            .as_str()
            .unwrap()
            .contains(&format!("#{prepare}")),
        "the bridge is the lost prepare: {gap:#}"
    );
}

#[test]
fn a_recovered_value_no_input_explains_leaves_the_answer_unknown() {
    let mut m = proposal();
    m.deliver_to(0, true);
    // What n0 finds on disk is a promise nobody asked for.
    let durable = m.data(0).join("durable.json");
    let text = std::fs::read_to_string(&durable)
        .unwrap()
        .replace("\"round\":", "\"round\":9");
    std::fs::write(&durable, text).unwrap();
    m.start(0);
    let (code, v, stderr) = validate(m.finish(), &[]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["gaps"][0]["bridged"], false, "{v:#}");
    assert!(v["gaps"][0]["explored"].as_u64().unwrap() > 0, "{v:#}");
}

#[test]
fn a_gap_search_bounded_below_the_bridge_says_unknown_never_valid() {
    let mut m = proposal();
    m.deliver_to(0, true);
    m.start(0);
    let (code, v, stderr) = validate(m.finish(), &["--gap-depth", "0"]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    assert_eq!(v["gaps"][0]["bridged"], false, "{v:#}");
}
