//! Fuzzing every reader and the detector with proptest: arbitrary bytes, format-flavoured noise,
//! and mutations (flips, insertions, deletions, truncations) of real corpus lines. The claim is
//! only that each reader answers, `Ok` or `Err`, and never panics or overflows its stack.

use proptest::prelude::*;
use splitbrain::history::format::{self, Format};

use super::corpus::corpus;

/// Every reader and the detector on `bytes`; a panic fails the test.
fn answers(bytes: &[u8]) {
    let _ = Format::detect(bytes);
    let _ = format::parse_detect(bytes, None);
    for format in Format::ALL {
        let _ = format::parse(bytes, format, None);
    }
}

/// Real inputs to mutate: corpus lines and hand-written samples of each format.
fn samples() -> Vec<Vec<u8>> {
    let mut samples: Vec<Vec<u8>> = vec![
        br#"{"index":2,"time":5500,"process":"nemesis","type":"info","f":"start-partition","value":[["n1"],["n2","n3"]],"error":{"a":1.5e3}}"#.to_vec(),
        b"[{:index 0 :type :invoke, :process 0, :f :cas, :value [1 [2 3]]} #jepsen.history.Op{:type :ok :process 0 :f :cas :value [1 [2 3]] :x #{\\a \"s\\u00e9\" ##NaN 2.5M 7N}}]".to_vec(),
        b"({:type :info, :process :nemesis, :f :kill, :value nil} ; comment\n #_ {:x 1})".to_vec(),
    ];
    for (path, line) in [
        ("jepsen/etcd_000.log", 5),
        ("jepsen/etcd_100.log", 9),
        ("kv/c10-ok.txt", 3),
    ] {
        let text = std::fs::read_to_string(corpus().join(path)).unwrap();
        let lines: Vec<&str> = text.lines().skip(line).take(3).collect();
        samples.push(lines.join("\n").into_bytes());
    }
    samples
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]()\":#_;,\\ \t\r\n-0123456789eEN.M:nil".to_vec()),
        Just(0xFF_u8),
        Just(0xC3_u8),
    ];
    prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1..40usize).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match *m {
        Mutation::Flip(i, b) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] = b;
        }
        Mutation::Insert(i, b) => bytes.insert(at(i, bytes.len() + 1), b),
        Mutation::Delete(i) if !bytes.is_empty() => {
            bytes.remove(at(i, bytes.len()));
        }
        Mutation::Truncate(i) => bytes.truncate(at(i, bytes.len() + 1)),
        Mutation::Repeat(i, n) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            let chunk = bytes[i..].iter().take(8).copied().collect::<Vec<_>>();
            for _ in 0..n {
                bytes.splice(i..i, chunk.iter().copied());
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(super::config(1000))]

    #[test]
    fn readers_answer_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        answers(&bytes);
    }

    #[test]
    fn readers_answer_format_flavoured_noise(text in r#"[{}\[\]()":#_;,\\ \t\r\n0-9a-z.eENM+-]{0,120}"#) {
        answers(text.as_bytes());
        answers(format!("{{{text}}}").as_bytes());
        answers(format!("INFO  jepsen.util - {text}").as_bytes());
    }

    #[test]
    fn readers_answer_mutated_real_inputs(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let samples = samples();
        let mut bytes = samples[which.index(samples.len())].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        answers(&bytes);
    }
}

#[test]
fn readers_answer_pathological_nesting_and_sizes() {
    let cases = [
        "[".repeat(100_000),
        "{:a ".repeat(50_000),
        "#_".repeat(50_000),
        format!(
            "{{\"process\":0,\"type\":\"ok\",\"f\":\"r\",\"value\":{}}}",
            "[".repeat(50_000)
        ),
        format!(
            "{{:type :ok :process 0 :f :r :value {}1}}",
            "#t ".repeat(50_000)
        ),
        "9".repeat(10_000),
        format!(
            "{{\"process\":{},\"type\":\"ok\",\"f\":\"r\"}}",
            "9".repeat(400)
        ),
    ];
    for case in &cases {
        answers(case.as_bytes());
    }
}
