use std::time::Duration;

use super::run;

const LIMIT: Duration = Duration::from_secs(15);

fn echo_args() -> Vec<&'static str> {
    vec![
        "--workload",
        "echo",
        "--time-limit",
        "2s",
        "--rate",
        "20",
        "--seed",
        "1",
    ]
}

#[test]
fn node_printing_garbage_on_stdout_stops_the_run_and_is_quoted() {
    let r = run("garbage", &echo_args(), &["garbage_stdout.py"]);
    assert_eq!(r.code(), 3, "{}", r.text());
    let err = r.stderr();
    assert!(err.contains("printed a line that is not JSON"), "{err}");
    assert!(err.contains("starting node, loading config"), "{err}");
    assert!(err.contains("write logs to stderr"), "{err}");
    assert!(r.elapsed < LIMIT);
    assert_eq!(r.results()["verdict"], "error");
}

#[test]
fn node_exiting_at_start_is_named_with_its_status_and_stderr() {
    let r = run("exit", &echo_args(), &["exit_at_start.py"]);
    assert_eq!(r.code(), 3, "{}", r.text());
    let err = r.stderr();
    assert!(
        err.contains("exited before answering init (exit status 3)"),
        "{err}"
    );
    assert!(err.contains("fatal: cannot open /etc/node.conf"), "{err}");
    assert!(
        r.stdout().contains("replay: splitbrain run"),
        "{}",
        r.text()
    );
    assert!(r.elapsed < LIMIT);
}

#[test]
fn node_silent_at_init_times_out_within_the_init_limit() {
    let r = run("silent", &echo_args(), &["silent_at_init.py"]);
    assert_eq!(r.code(), 3, "{}", r.text());
    let err = r.stderr();
    assert!(err.contains("did not answer init within 10s"), "{err}");
    // Its stderr shows it did receive init.
    assert!(err.contains("got: "), "{err}");
    assert!(r.elapsed < LIMIT, "{:?}", r.elapsed);
}

#[test]
fn busy_looping_node_gives_an_unknown_verdict_not_a_hang() {
    let r = run("busy", &echo_args(), &["busy_loop.py"]);
    assert_eq!(r.code(), 2, "{}", r.text());
    assert!(
        r.stdout().contains("no operation succeeded"),
        "{}",
        r.text()
    );
    assert!(r.elapsed < LIMIT, "{:?}", r.elapsed);
}

#[test]
fn node_sending_null_src_before_its_init_ok_is_told_it_raced_its_own_init() {
    let args = [echo_args(), vec!["--node-count", "1"]].concat();
    let r = run("null-src-early", &args, &["null_src.py"]);
    assert_eq!(r.code(), 3, "{}", r.text());
    let err = r.stderr();
    assert!(err.contains("has no src (missing or null)"), "{err}");
    assert!(err.contains("\"src\": null"), "{err}");
    assert!(err.contains("it came before n0's init_ok"), "{err}");
    assert!(r.elapsed < LIMIT, "{:?}", r.elapsed);
}

#[test]
fn node_sending_null_src_after_init_is_malformed_without_the_init_hint() {
    let args = [echo_args(), vec!["--node-count", "1"]].concat();
    let r = run("null-src-late", &args, &["null_src.py", "--after-init"]);
    assert_eq!(r.code(), 3, "{}", r.text());
    let err = r.stderr();
    assert!(err.contains("has no src (missing or null)"), "{err}");
    assert!(!err.contains("init_ok: a node learns"), "{err}");
    assert!(r.elapsed < LIMIT, "{:?}", r.elapsed);
}
