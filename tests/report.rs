//! Reports: `splitbrain report STORE_DIR`, the report `splitbrain run` leaves in its store, and
//! pages opened in a real headless Chromium (skipped, with the reason, when it is not installed).

use super::splitbrain;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A store directory made by hand: an invalid register history with a partition, a
/// `results.json` naming the spec, `messages.jsonl` with `messages` messages, a node log.
pub(super) fn store_dir(messages: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let history = repo("histories/invalid/register--stale-read-after-partition.jsonl");
    std::fs::copy(history, dir.path().join("history.jsonl")).unwrap();
    let results = r#"{"verdict":"invalid","summary":"stale read","seed":1,
        "workload":{"model":"register"}}"#;
    std::fs::write(dir.path().join("results.json"), results).unwrap();
    let mut journal =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("messages.jsonl")).unwrap());
    for i in 0..messages {
        let (from, to) = (format!("n{}", i % 3), format!("n{}", (i + 1) % 3));
        let t = 1_000 + i * 3;
        writeln!(
            journal,
            "{{\"time\":{t},\"id\":{i},\"type\":\"send\",\"from\":\"{from}\",\"message\":\
             {{\"src\":\"{from}\",\"dest\":\"{to}\",\"body\":{{\"type\":\"gossip\"}}}}}}"
        )
        .unwrap();
        let what = if i % 7 == 0 {
            "drop\",\"reason\":\"partition"
        } else {
            "deliver"
        };
        writeln!(
            journal,
            "{{\"time\":{},\"id\":{i},\"type\":\"{what}\"}}",
            t + 2
        )
        .unwrap();
    }
    journal.flush().unwrap();
    std::fs::create_dir(dir.path().join("node-logs")).unwrap();
    std::fs::write(dir.path().join("node-logs/n0.log"), "started <n0>\n").unwrap();
    dir
}

#[test]
fn report_of_a_store_dir_has_the_counterexample_messages_and_plots() {
    let dir = store_dir(50);
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("class=\"verdict invalid\""));
    assert!(
        html.contains("id=\"counterexample-0\""),
        "re-checked with the register spec"
    );
    assert!(
        html.contains("class=\"nemesis\""),
        "the partition is shaded"
    );
    assert_eq!(html.matches("<line class=\"msg").count(), 50);
    assert!(html.contains("id=\"throughput\"") && html.contains("started &lt;n0&gt;"));
    let elsewhere = dir.path().join("elsewhere.html");
    let out = splitbrain(&[
        "report",
        dir.path().to_str().unwrap(),
        "--out",
        elsewhere.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read_to_string(elsewhere).unwrap(), html);
}

#[test]
fn report_of_a_directory_that_is_not_a_run_names_the_missing_file_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("results.json"), "{}").unwrap();
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("history.jsonl: missing"), "{err}");
}

#[test]
fn a_run_leaves_report_html_in_its_store() {
    let r = crate::runner::run(
        "report",
        &[
            "--workload",
            "lin-kv",
            "--node-count",
            "3",
            "--concurrency",
            "3",
            "--rate",
            "50",
            "--time-limit",
            "2s",
            "--seed",
            "7",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "500ms",
            "--key-count",
            "2",
        ],
        &["lin_kv_stale_cache.py"],
    );
    assert!(r.stdout().contains("report: "), "{}", r.text());
    let html = std::fs::read_to_string(r.dir().join("report.html")).unwrap();
    assert!(html.contains("id=\"timeline\"") && html.contains("id=\"lamport\""));
    let verdict = r.results()["verdict"].as_str().unwrap().to_owned();
    assert!(
        html.contains(&format!("class=\"verdict {verdict}\"")),
        "{verdict}"
    );
}

/// Chromium, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `args`, in its own process group, killed (group and
/// all) after 60 s; returns (stdout, stderr).
fn headless(browser: &Path, profile: &Path, url: &str, args: &[&str]) -> (String, String) {
    use std::os::unix::process::CommandExt;
    let out = profile.join("stdout");
    let err = profile.join("stderr");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.join("profile").display()
        ))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            panic!("chromium did not finish {url} within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Helpers chromium left behind in its group go too.
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    (
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(err).unwrap_or_default(),
    )
}

#[test]
fn chromium_opens_an_invalid_report_without_script_errors_and_shows_the_counterexample() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium; .ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("check.html");
    let history = repo("histories/invalid/register--stale-read-after-partition.jsonl");
    let out = splitbrain(&[
        "check",
        history.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let url = format!("file://{}", page.display());
    let (dom, log) = headless(&browser, dir.path(), &url, &["--dump-dom"]);
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(
        dom.contains("id=\"self-check-ok\""),
        "the page's scripts did not finish:\n{log}"
    );
    assert!(dom.contains("id=\"counterexample-0\"") && dom.contains("class=\"culprit\""));
    assert!(dom.contains("class=\"nemesis\""));
    let shot = dir.path().join("report.png");
    let arg = format!("--screenshot={}", shot.display());
    headless(
        &browser,
        dir.path(),
        &url,
        &[&arg, "--window-size=1400,1000"],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 0, "no screenshot at {}", shot.display());
}

#[test]
fn chromium_draws_a_later_lamport_window_on_demand() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium; .ci/run installs it)");
        return;
    };
    let dir = store_dir(5_000);
    let page = dir.path().join("report.html");
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let url = format!("file://{}#lamport-window=2", page.display());
    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = headless(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(dom.contains("id=\"self-check-ok\""), "{log}");
    assert!(dom.contains("data-window=\"2\""), "window 2 was not drawn");
    let drawn = dom
        .split("id=\"lamport\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    // 5,000 messages in windows of 2,000: the third holds the last 1,000.
    assert_eq!(drawn.matches("<line class=\"msg").count(), 1_000);
}

/// The class and end points of every message arrow in `html` between `from` and the next `</svg>`.
fn arrows(html: &str, from: &str) -> Vec<String> {
    let svg = html
        .split(from)
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    svg.split("<line class=\"msg")
        .skip(1)
        .map(|line| line.split('>').next().unwrap().to_owned())
        .collect()
}

#[test]
fn chromium_draws_a_window_exactly_as_the_page_pre_renders_it() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium; .ci/run installs it)");
        return;
    };
    let dir = store_dir(0);
    // Spread out in time, with overlapping deliveries, so rows and arrow slopes vary.
    let mut journal = String::new();
    for i in 0..300 {
        let (from, to) = (format!("n{}", i % 3), format!("c{}", i % 2));
        let t = 1_000_000 + i * 7_000;
        journal.push_str(&format!(
            "{{\"time\":{t},\"id\":{i},\"type\":\"send\",\"from\":\"{from}\",\"message\":\
             {{\"src\":\"{from}\",\"dest\":\"{to}\",\"body\":{{\"type\":\"gossip\"}}}}}}\n"
        ));
        let end = match i % 9 {
            0 => "drop\",\"reason\":\"partition".to_owned(),
            4 => continue,
            _ => "deliver".to_owned(),
        };
        let at = t + 15_000 + (i % 5) * 11_000;
        journal.push_str(&format!(
            "{{\"time\":{at},\"id\":{i},\"type\":\"{end}\"}}\n"
        ));
    }
    std::fs::write(dir.path().join("messages.jsonl"), journal).unwrap();
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let page = dir.path().join("report.html");
    let rendered = arrows(&std::fs::read_to_string(&page).unwrap(), "id=\"lamport\"");
    assert_eq!(rendered.len(), 300);
    let url = format!("file://{}#lamport-window=0", page.display());
    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = headless(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(
        dom.contains("data-window=\"0\""),
        "window 0 was not drawn by the script"
    );
    let drawn = arrows(&dom, "id=\"lamport\"");
    assert_eq!(
        drawn, rendered,
        "the script's layout differs from the pre-rendered one"
    );
}

/// A store whose history spans 7.8 s (the hand-made store's times, in µs, read as ms) and whose
/// `results.json` has what a run writes: elapsed seconds, operation and network counts.
fn store_dir_over_seconds() -> tempfile::TempDir {
    let dir = store_dir(50);
    let history = dir.path().join("history.jsonl");
    let mut text = String::new();
    for line in std::fs::read_to_string(&history).unwrap().lines() {
        let mut event: serde_json::Value = serde_json::from_str(line).unwrap();
        let time = event["time"].as_i64().unwrap();
        event["time"] = (time * 1_000_000).into();
        text.push_str(&format!("{event}\n"));
    }
    std::fs::write(&history, text).unwrap();
    let results = r#"{"verdict":"invalid","summary":"stale read","seed":1,"elapsed":11.613177391,
        "workload":{"model":"register"},
        "stats":{"by_f":{"read":[1,1,0,0],"write":[2,2,0,0]},"count":3,"ok":3,"fail":0,"info":0},
        "net":{"client":596,"delivered":1056,"duplicated":0,"lost":0,"node_to_node":216,
               "partitioned":70,"sent":1126,"service":314,"undeliverable":0}}"#;
    std::fs::write(dir.path().join("results.json"), results).unwrap();
    dir
}

#[test]
fn chromium_shows_a_run_overview_first_on_one_time_axis_with_tables() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium; .ci/run installs it)");
        return;
    };
    let dir = store_dir_over_seconds();
    let out = splitbrain(&["report", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let page = dir.path().join("report.html");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();
    let (dom, log) = headless(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(dom.contains("id=\"self-check-ok\""), "{log}");

    // What a reader needs first comes first: facts, plots, timeline (with the counterexample),
    // and only then the Lamport diagram.
    let at = |id: &str| {
        dom.find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in the page"))
    };
    let order = [
        "run-facts",
        "stats",
        "net",
        "latency-read",
        "throughput",
        "timeline",
        "counterexample-0",
        "lamport",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "#{} after #{}", pair[0], pair[1]);
    }

    // The timeline has a time axis, ticked in whole seconds, inside its drawing.
    let timeline = dom.split("id=\"timeline\"").nth(1).unwrap();
    let timeline = timeline.split("</svg>").next().unwrap();
    let height: f64 = attribute(timeline, "height").parse().unwrap();
    let axis = timeline.split("id=\"timeline-axis\"").nth(1).unwrap();
    let ticks: Vec<&str> = axis
        .split("class=\"tick\"")
        .skip(1)
        .map(|t| t.split('>').nth(1).unwrap().split('<').next().unwrap())
        .collect();
    assert_eq!(
        ticks,
        ["0 s", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s", "7 s"]
    );
    for tick in axis.split("class=\"tick\"").skip(1) {
        let y: f64 = attribute(tick, "y").parse().unwrap();
        assert!(
            y < height,
            "a tick label below the drawing: y {y} ≥ {height}"
        );
    }

    // stats and net are tables, elapsed is rounded with its unit; no raw JSON.
    let facts = &dom[at("run-facts")..at("latency-read")];
    assert!(facts.contains("<td>11.6 s</td>"), "{facts}");
    assert!(
        facts.contains("<td>write</td><td class=\"n\">2</td>"),
        "{facts}"
    );
    assert!(facts.contains("<th>sent</th>") && facts.contains(">1,126</td>"));
    assert!(!facts.contains("{\"") && !facts.contains("by_f"), "{facts}");
}

/// The value of the first `name="…"` attribute in `html`.
fn attribute<'a>(html: &'a str, name: &str) -> &'a str {
    html.split(&format!(" {name}=\""))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
}
