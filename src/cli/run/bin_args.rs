//! `--bin CMD ARGS...`: the node's argv on the command line.

use std::ffi::OsString;

use clap::{Args, Command};

use super::RunArgs;

/// Rewrites `splitbrain run ... --bin CMD ARGS...` into `--bin=CMD --bin=ARG ...`, so that the
/// node's arguments may start with `-`: they run up to the next option `splitbrain run` knows,
/// or to the end after a `--`. Other command lines pass through unchanged.
pub fn expand_bin(args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    let command = RunArgs::augment_args(Command::new("run"));
    let longs: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .chain(["--help".to_string()])
        .collect();
    let is_ours = |t: &str| {
        matches!(t, "-w" | "-h")
            || longs.iter().any(|l| {
                t == l
                    || t.strip_prefix(l.as_str())
                        .is_some_and(|r| r.starts_with('='))
            })
    };
    let mut out = Vec::with_capacity(args.len());
    let mut rest = args.into_iter();
    while let Some(arg) = rest.next() {
        if arg != "--bin" {
            out.push(arg);
            continue;
        }
        let mut taken = 0;
        let mut verbatim = false;
        let mut pending: Option<OsString> = None;
        for t in rest.by_ref() {
            let text = t.to_string_lossy();
            if !verbatim && text == "--" {
                verbatim = true;
                continue;
            }
            if !verbatim && is_ours(&text) {
                pending = Some(t);
                break;
            }
            let mut value = OsString::from("--bin=");
            value.push(&t);
            out.push(value);
            taken += 1;
        }
        if taken == 0 {
            out.push("--bin".into());
        }
        out.extend(pending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: &[&str]) -> Vec<String> {
        expand_bin(args.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn node_arguments_run_up_to_the_next_run_option() {
        assert_eq!(
            expand(&[
                "sb",
                "run",
                "--bin",
                "./node",
                "--verbose",
                "-x",
                "--node-count",
                "3"
            ]),
            [
                "sb",
                "run",
                "--bin=./node",
                "--bin=--verbose",
                "--bin=-x",
                "--node-count",
                "3"
            ]
        );
        assert_eq!(
            expand(&["sb", "run", "--bin", "./node", "--seed=4"]),
            ["sb", "run", "--bin=./node", "--seed=4"]
        );
    }

    #[test]
    fn after_a_double_dash_every_argument_is_the_nodes() {
        assert_eq!(
            expand(&["sb", "run", "--bin", "./node", "--", "--seed", "3"]),
            ["sb", "run", "--bin=./node", "--bin=--seed", "--bin=3"]
        );
    }

    #[test]
    fn other_verbs_are_left_alone() {
        assert_eq!(
            expand(&["sb", "check", "--bin", "x"]),
            ["sb", "check", "--bin", "x"]
        );
    }
}
