//! A journal edited by hand — a send removed, a vote changed, a message swapped — or a router
//! journal with a send removed is caught at exactly that step.

use serde_json::Value as Json;

use super::{
    assert_history_valid_but_for_faults_without_effect, copy_run, faulty, lines, run_node,
    validate, write_lines,
};

/// A clean raft run (with kills, so journals span restarts), copied for editing.
fn raft_run(seed: &'static str) -> (crate::runner::Run, tempfile::TempDir, std::path::PathBuf) {
    let mut args = faulty("lin-kv", "1500ms", seed);
    args.push("--no-validate");
    let r = run_node(&args, "raft");
    assert_history_valid_but_for_faults_without_effect(&r);
    let (tmp, dir) = copy_run(&r.dir());
    (r, tmp, dir)
}

/// The first line (1-based) of `node`'s journal after its first `start` for which `pick`
/// returns an edited line.
fn edit_first(dir: &std::path::Path, pick: impl Fn(&str) -> Option<String>) -> (String, usize) {
    for node in ["n0", "n1", "n2"] {
        let path = dir.join("data").join(node).join("journal.jsonl");
        let mut text = lines(&path);
        for (i, line) in text.iter().enumerate().skip(1) {
            if let Some(edited) = pick(line) {
                text[i] = edited;
                write_lines(&path, &text);
                return (node.to_string(), i + 1);
            }
        }
    }
    panic!("no line to edit");
}

#[test]
fn a_send_removed_from_a_journal_is_caught_at_that_line() {
    let (_r, _tmp, dir) = raft_run("5");
    let (node, line) = edit_first(&dir, |line| {
        let mut entry: Json = serde_json::from_str(line).ok()?;
        let fx = entry.get_mut("fx")?.as_array_mut()?;
        let at = fx
            .iter()
            .position(|f| f["send"].as_str().is_some_and(|to| to.starts_with('n')))?;
        fx.remove(at);
        Some(entry.to_string())
    });
    let (code, v, stderr) = validate(&dir, &[]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let d = &v["divergence"];
    assert_eq!(
        (d["node"].as_str(), d["line"].as_u64()),
        (Some(&*node), Some(line as u64)),
        "{d:#}"
    );
    assert!(
        d["what"]
            .as_str()
            .unwrap()
            .contains("the model also does `send to n"),
        "{d:#}"
    );
}

#[test]
fn a_changed_vote_is_caught_at_that_line() {
    let (_r, _tmp, dir) = raft_run("6");
    let granted = "\"type\":\"request_vote_res\",\"vote_granted\":true";
    let (node, line) = edit_first(&dir, |line| {
        line.contains(granted).then(|| {
            line.replace(
                granted,
                "\"type\":\"request_vote_res\",\"vote_granted\":false",
            )
        })
    });
    let (code, v, stderr) = validate(&dir, &[]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let d = &v["divergence"];
    assert_eq!(
        (d["node"].as_str(), d["line"].as_u64()),
        (Some(&*node), Some(line as u64)),
        "{d:#}"
    );
    let shown = |side: &str| d[side].to_string();
    assert!(
        shown("expected").contains("\\\"vote_granted\\\":true"),
        "{d:#}"
    );
    assert!(
        shown("actual").contains("\\\"vote_granted\\\":false"),
        "{d:#}"
    );
}

#[test]
fn a_message_the_router_never_delivered_to_the_node_is_caught() {
    let (_r, _tmp, dir) = raft_run("7");
    // n0 claims to handle a message the router sent elsewhere: n1's first input.
    let n1 = lines(&dir.join("data/n1/journal.jsonl"));
    let stolen = n1
        .iter()
        .skip(1)
        .find_map(|l| serde_json::from_str::<Json>(l).ok()?.get("m")?.as_u64())
        .expect("n1 handled a message");
    let (node, line) = edit_first(&dir, |line| {
        let mut entry: Json = serde_json::from_str(line).ok()?;
        if entry.get("m").is_some() && entry.get("start").is_none() {
            entry["m"] = stolen.into();
            return Some(entry.to_string());
        }
        None
    });
    let (code, v, stderr) = validate(&dir, &[]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let d = &v["divergence"];
    assert_eq!(
        (d["node"].as_str(), d["line"].as_u64()),
        (Some(&*node), Some(line as u64)),
        "{d:#}"
    );
    assert!(
        d["what"]
            .as_str()
            .unwrap()
            .contains("did not deliver to it"),
        "{d:#}"
    );
}

#[test]
fn a_send_missing_from_the_router_journal_is_caught() {
    let (_r, _tmp, dir) = raft_run("8");
    let path = dir.join("messages.jsonl");
    let mut events = lines(&path);
    // The first message one node sent another: it vanishes from the network's record.
    let at = events
        .iter()
        .position(|l| {
            let e: Json = serde_json::from_str(l).unwrap();
            e["type"] == "send"
                && e["from"].as_str().is_some_and(|f| f.starts_with('n'))
                && e["message"]["dest"]
                    .as_str()
                    .is_some_and(|d| d.starts_with('n'))
        })
        .expect("a node-to-node message");
    let id = serde_json::from_str::<Json>(&events[at]).unwrap()["id"].clone();
    events.retain(|l| serde_json::from_str::<Json>(l).unwrap()["id"] != id);
    write_lines(&path, &events);
    let (code, v, stderr) = validate(&dir, &[]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(v["divergence"].is_object(), "{v:#}");
}
