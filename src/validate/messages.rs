//! The router's `messages.jsonl` (see `runner::router::journal`), read for the join: every
//! send with its line's `dest` and body text, deliveries, drops and duplicates, in the router's
//! order.
//!
//! Lines in the router's own shape are read by `fast.rs`; anything else by serde here.

mod fast;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::ValidateError;

/// An endpoint of the run's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    /// Node `n{i}`.
    Node(u32),
    /// Client `c{i}`.
    Client(u32),
    /// A service (`lin-kv`, …) or a name that is none of these.
    Other,
}

impl Endpoint {
    pub(crate) fn parse(name: &str) -> Endpoint {
        let number = |rest: &str| rest.parse::<u32>().ok();
        match (name.get(..1), name.get(1..).and_then(number)) {
            (Some("n"), Some(i)) => Endpoint::Node(i),
            (Some("c"), Some(i)) => Endpoint::Client(i),
            _ => Endpoint::Other,
        }
    }
}

/// One message as the router saw it sent.
#[derive(Clone, Debug)]
pub(crate) struct Sent<'a> {
    /// Who really sent it.
    pub(crate) from: Endpoint,
    /// Its line's `dest`.
    pub(crate) dest: Endpoint,
    /// Its line's `body`, as text.
    pub(crate) body: &'a str,
    /// When, on the run's clock (ns).
    pub(crate) time: i64,
    /// For a duplicate: the message it copies.
    pub(crate) of: Option<u64>,
    /// Its body is delimited but not yet proven valid JSON (a node's send read by the fast
    /// path; `validate::lazy`).
    pub(crate) unchecked: bool,
}

/// One line of `messages.jsonl`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Message `id` was sent (or, with [`Sent::of`], duplicated).
    Send { id: u64 },
    /// Message `id` was handed to its receiver.
    Deliver { id: u64 },
    /// Message `id` was dropped.
    Drop { id: u64 },
}

/// The router's journal, parsed.
#[derive(Debug)]
pub(crate) struct Messages<'a> {
    /// Every message by id (ids are dense from 0; a gap is `None`).
    pub(crate) sent: Vec<Option<Sent<'a>>>,
    /// The events, in the router's order, with their 1-based line and time.
    pub(crate) events: Vec<(Event, usize, i64)>,
    /// The file (for errors).
    pub(crate) file: PathBuf,
}

impl<'a> Messages<'a> {
    /// Message `id`, if it was sent.
    pub(crate) fn get(&self, id: u64) -> Option<&Sent<'a>> {
        self.sent.get(id as usize).and_then(Option::as_ref)
    }
}

/// One line of `messages.jsonl`, as `fast.rs` or serde reads it.
#[derive(Debug, PartialEq, Deserialize)]
struct RawEvent<'a> {
    time: i64,
    id: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "raw_text")]
    message: Option<&'a str>,
    #[serde(default)]
    of: Option<u64>,
}

/// A send's message, as `fast.rs` or serde reads it.
#[derive(Debug, PartialEq, Deserialize)]
struct RawLine<'a> {
    #[serde(borrow)]
    dest: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "raw_text")]
    body: Option<&'a str>,
    /// Read by the fast path without validating the body (a node's send).
    #[serde(skip)]
    unchecked: bool,
}

/// A JSON value's text, as it stands in the line (`None` for `null`).
fn raw_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de str>, D::Error> {
    Option::<&RawValue>::deserialize(d).map(|raw| raw.map(RawValue::get))
}

/// Line `raw` as serde reads it.
fn slow_event(raw: &str) -> Result<RawEvent<'_>, serde_json::Error> {
    serde_json::from_str(raw)
}

/// Parses `text`, the contents of `file`; errors name the file and line.
pub(crate) fn parse<'a>(text: &'a str, file: &Path) -> Result<Messages<'a>, ValidateError> {
    let malformed = |line: usize, what: String| ValidateError::Malformed {
        file: file.to_path_buf(),
        line,
        what,
    };
    let mut messages = Messages {
        sent: Vec::new(),
        events: Vec::with_capacity(text.len() / 64),
        file: file.to_path_buf(),
    };
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let (event, read) = match fast::event(raw) {
            Some((event, read)) => (Ok(event), read),
            None => (slow_event(raw), None),
        };
        let event = event.map_err(|e| {
            malformed(
                number,
                format!(
                    "{e}; expected a router event {{\"time\",\"id\",\"type\":send|deliver|drop|duplicate,…}}"
                ),
            )
        })?;
        let id = event.id;
        let known = |what: &str| {
            if messages.get(id).is_some() {
                Ok(())
            } else {
                Err(malformed(
                    number,
                    format!("{what} of message {id}, which was never sent"),
                ))
            }
        };
        let kind = match event.kind.as_ref() {
            "send" => {
                let (Some(from), Some(message)) = (&event.from, event.message) else {
                    return Err(malformed(
                        number,
                        "a send needs \"from\" and \"message\"".into(),
                    ));
                };
                let line = read.map_or_else(|| serde_json::from_str(message), Ok);
                let line: RawLine<'a> = line.map_err(|e| {
                    malformed(
                        number,
                        format!("message: {e}; expected a Maelstrom line with a \"dest\""),
                    )
                })?;
                let sent = Sent {
                    from: Endpoint::parse(from),
                    dest: Endpoint::parse(&line.dest),
                    body: line.body.unwrap_or("null"),
                    time: event.time,
                    of: None,
                    unchecked: line.unchecked,
                };
                insert(&mut messages.sent, id, sent)
                    .map_err(|()| malformed(number, format!("message {id} is sent twice")))?;
                Event::Send { id }
            }
            "duplicate" => {
                let Some(original) = event.of.and_then(|of| messages.get(of)).cloned() else {
                    return Err(malformed(
                        number,
                        "a duplicate needs \"of\": the id of a sent message".into(),
                    ));
                };
                let copy = Sent {
                    time: event.time,
                    of: event.of,
                    ..original
                };
                insert(&mut messages.sent, id, copy)
                    .map_err(|()| malformed(number, format!("message {id} is sent twice")))?;
                Event::Send { id }
            }
            "deliver" => {
                known("a delivery")?;
                Event::Deliver { id }
            }
            "drop" => {
                known("a drop")?;
                Event::Drop { id }
            }
            other => {
                return Err(malformed(
                    number,
                    format!("unknown type {other:?}; expected send, deliver, duplicate or drop"),
                ))
            }
        };
        messages.events.push((kind, number, event.time));
    }
    Ok(messages)
}

fn insert<'a>(sent: &mut Vec<Option<Sent<'a>>>, id: u64, message: Sent<'a>) -> Result<(), ()> {
    let at = id as usize;
    if sent.len() <= at {
        sent.resize(at + 1, None);
    }
    match &sent[at] {
        Some(_) => Err(()),
        None => {
            sent[at] = Some(message);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_keep_their_body_text_and_duplicates_copy_it() {
        let text = r#"{"time":1,"id":0,"type":"send","from":"c3","message":{"body":{"type":"read","msg_id":1},"dest":"n1","src":"c3"}}
{"time":2,"id":0,"type":"deliver"}
{"time":3,"id":1,"type":"duplicate","of":0}
{"time":4,"id":1,"type":"drop","reason":"partition"}
"#;
        let m = parse(text, Path::new("messages.jsonl")).unwrap();
        let sent = m.get(0).unwrap();
        assert_eq!(
            (sent.from, sent.dest, sent.body),
            (
                Endpoint::Client(3),
                Endpoint::Node(1),
                r#"{"type":"read","msg_id":1}"#
            )
        );
        assert_eq!(m.get(1).unwrap().of, Some(0));
        assert_eq!(m.events.len(), 4);
    }

    #[test]
    fn the_fast_reader_reads_every_line_it_takes_as_serde_does_and_leaves_the_rest_to_serde() {
        let node = r#"{"time":1,"id":0,"type":"send","from":"n0","message":{"body":{"entries":[{"op":"}\"{"}],"type":"x"},"dest":"n1","src":"n0"}}"#;
        let client = r#"{"time":-2,"id":1,"type":"send","from":"c3","message":{"src":"c3","dest":"n1","body":{"type":"read","msg_id":1}}}"#;
        let taken = [
            node,
            client,
            r#"{"time":0,"id":0,"type":"deliver"}"#,
            r#"{"time":3,"id":1,"type":"duplicate","of":0}"#,
            r#"{"time":4,"id":1,"type":"drop","reason":"partition"}"#,
            r#"{"time":5,"id":2,"type":"send","from":"n0","message":{"body":null,"dest":"n1","src":"n0"}}"#,
        ];
        for line in taken {
            let (fast, read) = fast::event(line).unwrap_or_else(|| panic!("not taken: {line}"));
            assert_eq!(fast, slow_event(line).unwrap(), "{line}");
            let slow: RawLine<'_> =
                serde_json::from_str(fast.message.unwrap_or("{}")).unwrap_or(RawLine {
                    dest: "".into(),
                    body: None,
                    unchecked: false,
                });
            if let Some(read) = read {
                assert_eq!((&read.dest, read.body), (&slow.dest, slow.body), "{line}");
            }
        }
        assert!(fast::event(node).unwrap().1.is_some());
        assert!(fast::event(client).unwrap().1.is_none());
        let left = [
            r#"{"time": 1,"id":0,"type":"deliver"}"#,
            r#"{"time":01,"id":0,"type":"deliver"}"#,
            r#"{"time":1,"id":0,"type":"deliver","x":1}"#,
            r#"{"time":1,"id":0,"type":"send","from":"n\u0030","message":{"body":1,"dest":"n1","src":"n0"}}"#,
            r#"{"time":1,"id":0,"type":"send","from":"c0","message":{"body":{"a":},"dest":"n1","src":"c0"}}"#,
            r#"{"time":1,"id":0,"type":"send","from":"n0","message":{"body":1,"dest":"n1","src":"n0"},"x":{"body":2,"dest":"n2","src":"n0"}}"#,
            r#"{"time":1,"id":0,"type":"send","from":"n0","message":null}"#,
        ];
        for line in left {
            assert!(fast::event(line).is_none(), "taken: {line}");
        }
        // Serde reads the one with a second message-like field as the router meant it.
        let m = parse(left[5], Path::new("m.jsonl")).unwrap();
        assert_eq!(m.get(0).unwrap().dest, Endpoint::Node(1));
        assert!(parse(left[4], Path::new("m.jsonl")).is_err());
        // A node's body is delimited, not judged, and marked for the join's check
        // (`validate::lazy`); a client's is judged here.
        let node_bad = r#"{"time":1,"id":0,"type":"send","from":"n0","message":{"body":{"a":},"dest":"n1","src":"n0"}}"#;
        let m = parse(node_bad, Path::new("m.jsonl")).unwrap();
        let sent = m.get(0).unwrap();
        assert!(sent.unchecked && sent.body == r#"{"a":}"#);
        assert!(
            !parse(taken[1], Path::new("m.jsonl"))
                .unwrap()
                .get(1)
                .unwrap()
                .unchecked
        );
    }

    #[test]
    fn a_delivery_of_a_message_never_sent_names_file_and_line() {
        let err = parse(
            "\n{\"time\":1,\"id\":9,\"type\":\"deliver\"}\n",
            Path::new("m.jsonl"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("m.jsonl:2:") && err.contains("never sent"),
            "{err}"
        );
    }
}
