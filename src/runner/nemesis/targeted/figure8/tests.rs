use super::*;

const PAUSE: Duration = Duration::from_secs(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn line(body: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"src": "x", "dest": "y", "body": body})
        .to_string()
        .into_bytes()
}

/// `append_entries` from leader `from` to `to`: entries of the given terms after `prev`.
fn append(term: u64, prev: u64, entry_terms: &[u64], commit: u64) -> Vec<u8> {
    let entries: Vec<_> = entry_terms
        .iter()
        .map(|t| serde_json::json!({"term": t, "client": "c0", "msg_id": 1, "op": {"f": "read", "key": 0}}))
        .collect();
    line(serde_json::json!({
        "type": "append_entries", "term": term, "prev_log_index": prev,
        "prev_log_term": 0, "entries": entries, "leader_commit": commit,
    }))
}

struct Harness {
    nemesis: Figure8,
    steps: Vec<Step>,
}

impl Harness {
    fn new(nodes: usize) -> Harness {
        Harness {
            nemesis: Figure8::new(nodes, PAUSE),
            steps: Vec::new(),
        }
    }

    fn send(&mut self, at: Duration, from: Endpoint, dest: Endpoint, line: &[u8]) -> bool {
        let sent = Sent {
            at,
            from,
            dest,
            line,
        };
        self.nemesis.on_send(sent, &mut self.steps)
    }

    fn node(&mut self, at: Duration, from: usize, dest: usize, line: &[u8]) -> bool {
        self.send(at, Endpoint::Node(from), Endpoint::Node(dest), line)
    }

    fn hears(&self, dest: usize, src: usize) -> bool {
        !self
            .nemesis
            .blocks(Endpoint::Node(src), Endpoint::Node(dest))
    }

    /// Past the first pause, with n0 leading term 2 and index 1 of term 1 everywhere.
    fn warmed_up(nodes: usize) -> Harness {
        let mut h = Harness::new(nodes);
        assert!(!h.node(ms(0), 0, 1, &append(1, 0, &[1], 0)));
        assert!(!h.node(ms(10), 0, 1, &append(2, 1, &[], 1)));
        h.nemesis.on_send(
            Sent {
                at: PAUSE + ms(10),
                from: Endpoint::Client(0),
                dest: Endpoint::Node(1),
                line: b"{}",
            },
            &mut Vec::new(),
        );
        assert_eq!(h.nemesis.phase, Phase::Watch);
        h
    }
}

#[test]
fn nothing_happens_during_the_first_pause() {
    let mut h = Harness::new(3);
    assert!(!h.node(ms(0), 0, 1, &append(1, 0, &[], 0)));
    assert!(!h.node(ms(500), 0, 1, &append(1, 0, &[1], 0)));
    assert!(h.steps.is_empty());
    assert!(h.hears(1, 0));
}

#[test]
fn a_bug_that_commits_an_old_entry_walks_all_four_steps() {
    let mut h = Harness::warmed_up(3);
    let t = PAUSE + ms(100);
    // Step 1: n0 (term 2) sends index 2 for the first time.
    assert!(h.node(t, 0, 1, &append(2, 1, &[2], 1)));
    assert_eq!(h.steps.len(), 1);
    assert!(!h.hears(1, 0) && !h.hears(2, 0) && !h.hears(0, 1));
    assert!(h.hears(1, 2) && h.hears(2, 1));
    assert!(
        !h.node(t, 0, 2, &append(2, 1, &[2], 1)),
        "the partition drops it on delivery"
    );
    // n1 wins term 3; its heartbeat carries nothing fresh.
    assert!(!h.node(t + ms(300), 1, 2, &append(3, 1, &[], 1)));
    assert_eq!(h.steps.len(), 1);
    // Step 2: n1 sends index 2 of term 3 for the first time.
    assert!(h.node(t + ms(350), 1, 2, &append(3, 1, &[3], 1)));
    assert_eq!(h.steps.len(), 2);
    assert!(h.hears(0, 2) && h.hears(2, 0));
    assert!(!h.hears(1, 2) && !h.hears(2, 1) && !h.hears(0, 1));
    // Clients cannot reach n0 or n1; n0 hears only Raft's own messages.
    let write = line(serde_json::json!({"type": "write", "key": 0, "value": 1, "msg_id": 7}));
    assert!(h.send(t + ms(400), Endpoint::Client(3), Endpoint::Node(0), &write));
    assert!(h.send(t + ms(400), Endpoint::Client(3), Endpoint::Node(1), &write));
    assert!(!h.send(t + ms(400), Endpoint::Client(3), Endpoint::Node(2), &write));
    let forward = line(serde_json::json!({"type": "forward", "client": "c3", "request": {}}));
    assert!(h.node(t + ms(400), 2, 0, &forward));
    let vote =
        line(serde_json::json!({"type": "request_vote_res", "term": 5, "vote_granted": true}));
    assert!(!h.node(t + ms(400), 2, 0, &vote));
    // n0 leads term 5: an entry of term 5 would be legitimate, so it is held back.
    assert!(h.node(t + ms(500), 0, 2, &append(5, 1, &[2, 5], 1)));
    assert!(!h.node(t + ms(500), 0, 2, &append(5, 1, &[2], 1)));
    assert_eq!(h.steps.len(), 2);
    // Step 3: n0 says index 2 (term 2) is committed.
    assert!(h.node(t + ms(550), 0, 2, &append(5, 2, &[], 2)));
    assert_eq!(h.steps.len(), 3);
    assert!(h.hears(1, 2) && h.hears(2, 1) && !h.hears(2, 0) && !h.hears(0, 1));
    assert!(!h.send(t + ms(560), Endpoint::Client(3), Endpoint::Node(1), &write));
    // Step 4: n1, leader of term 7, commits its index 2.
    assert!(!h.node(t + ms(900), 1, 2, &append(7, 1, &[3], 1)));
    assert_eq!(h.steps.len(), 3);
    assert!(!h.node(t + ms(950), 1, 2, &append(7, 2, &[], 2)));
    assert_eq!(h.steps.len(), 4);
    assert_eq!(h.steps[3].grudge, None);
    assert!((0..3).all(|a| (0..3).all(|b| h.hears(a, b))));
    let described: Vec<&str> = h.steps.iter().map(|s| s.description.as_str()).collect();
    assert!(described[0].contains("n0 (leader of term 2) sent the first copy of index 2"));
    assert!(
        described[2].contains("committed index 2 of term 2"),
        "{described:?}"
    );
}

#[test]
fn a_correct_leader_never_commits_the_old_entry_so_the_round_times_out_and_heals() {
    let mut h = Harness::warmed_up(3);
    let t = PAUSE + ms(100);
    assert!(h.node(t, 0, 1, &append(2, 1, &[2], 1)));
    assert!(h.node(t + ms(300), 1, 2, &append(3, 1, &[3], 1)));
    // n0 leads term 5 and copies index 2, but never raises its commit index.
    for k in 0..100 {
        h.node(t + ms(400 + 50 * k), 0, 2, &append(5, 1, &[2], 1));
    }
    assert_eq!(h.steps.len(), 3, "{:?}", h.steps);
    assert!(h.steps[2].description.contains("no progress"));
    assert_eq!(h.steps[2].grudge, None);
    assert!(matches!(h.nemesis.phase, Phase::Quiet { .. }));
}

#[test]
fn entries_already_sent_in_the_term_are_not_fresh() {
    let mut h = Harness::warmed_up(3);
    // Index 2 of term 2 went out before the watch began: only index 3 is fresh.
    let mut early = Harness::new(3);
    early.node(ms(0), 0, 1, &append(2, 1, &[2], 1));
    early.nemesis.phase = Phase::Watch;
    assert!(!early.node(PAUSE, 0, 2, &append(2, 1, &[2], 1)));
    assert!(early.node(PAUSE, 0, 2, &append(2, 1, &[2, 2], 1)));
    assert!(early.steps[0].description.contains("index 3"));
    // An entry of an earlier term is never fresh.
    assert!(!h.node(PAUSE + ms(100), 0, 1, &append(3, 1, &[2], 1)));
    assert!(h.steps.is_empty());
}

#[test]
fn with_five_nodes_the_old_leader_rejoins_a_bare_majority() {
    let mut h = Harness::warmed_up(5);
    let t = PAUSE + ms(100);
    assert!(h.node(t, 0, 1, &append(2, 1, &[2], 1)));
    assert!(h.node(t + ms(300), 3, 1, &append(3, 1, &[3], 1)));
    let with_old: Vec<usize> = (0..5).filter(|&n| h.hears(0, n)).collect();
    assert_eq!(with_old, vec![0, 1, 2]);
    assert_eq!((0..5).filter(|&n| h.hears(4, n)).count(), 1);
    assert_eq!((0..5).filter(|&n| h.hears(3, n)).count(), 1);
}
