//! A node's `journal.jsonl` (written by `node::journal`, whose module docs define the format),
//! read into [`Entry`]s that borrow the file's text.
//!
//! Lines in the host's own shape for a message, a timer or a pick (most of a journal) are read
//! by `fast.rs`; anything else, by serde here.

mod fast;

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use splitbrain_models::digest::{parse_digest, Digest};

use super::ValidateError;

/// Which message an input was: the router's id, or the whole line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MsgRef<'a> {
    /// The id in `messages.jsonl`.
    Id(u64),
    /// A line without an id (not from the router), as text.
    Inline(&'a str),
}

/// What the node started with.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Start<'a> {
    /// The reference node's name.
    #[serde(borrow)]
    pub(crate) node: Cow<'a, str>,
    /// Who it was.
    #[serde(borrow)]
    pub(crate) me: Cow<'a, str>,
    /// The cluster.
    pub(crate) nodes: Vec<String>,
    /// The bug variant it ran.
    #[serde(default)]
    pub(crate) bug: Option<String>,
    /// The durable value it recovered.
    #[serde(borrow, default)]
    pub(crate) recovered: Option<&'a RawValue>,
    /// That value's durable digest.
    #[serde(borrow, default)]
    pub(crate) recovered_hash: Option<Cow<'a, str>>,
}

/// One input the host executed.
#[derive(Clone, Debug)]
pub(crate) enum Input<'a> {
    /// `init` arrived; the protocol started.
    Start(Box<Start<'a>>, MsgRef<'a>),
    /// A message the protocol handled.
    Msg(MsgRef<'a>),
    /// A message whose body the protocol does not know (`why`), answered by the host.
    Unknown(MsgRef<'a>),
    /// An armed timer fired (its JSON text).
    Timer(&'a str),
    /// A `Choose` pick was delivered: the key, the timer's JSON text.
    Pick(Cow<'a, str>, &'a str),
    /// An input the protocol never saw (`before init`, `second init`, `bad line`, `bad init`).
    Skip(Option<MsgRef<'a>>, Cow<'a, str>),
}

/// One effect as the host executed it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Fx<'a> {
    /// A message to `to`, its body text as written.
    Send { to: Cow<'a, str>, body: &'a str },
    /// A timer (JSON text) armed for `ns`.
    Set { timer: &'a str, ns: u64 },
    /// A timer (JSON text) disarmed.
    Cancel { timer: &'a str },
    /// A choice offered: key, options (JSON text).
    Choose { key: Cow<'a, str>, options: &'a str },
}

/// A host reply (not a protocol effect): `init_ok`, an error.
#[derive(Clone, Debug)]
pub(crate) struct Reply<'a> {
    pub(crate) to: Cow<'a, str>,
    pub(crate) body: &'a str,
}

/// One line of the journal.
#[derive(Clone, Debug)]
pub(crate) struct Entry<'a> {
    /// 1-based line number.
    pub(crate) line: usize,
    pub(crate) input: Input<'a>,
    pub(crate) fx: Vec<Fx<'a>>,
    /// The digest of the last value the call wrote.
    pub(crate) persist: Option<Digest>,
    /// The digest of what the call's sync made durable.
    pub(crate) sync: Option<Digest>,
    pub(crate) reply: Option<Reply<'a>>,
    /// Read by the fast path: its JSON values (timer, bodies, timers, options) are delimited
    /// but not yet proven valid (`validate::lazy`).
    pub(crate) unchecked: bool,
}

/// One line of the journal, as `fast.rs` or serde reads it (JSON values as their text).
#[derive(Debug, Default, Deserialize)]
struct RawEntry<'a> {
    #[serde(borrow, default)]
    start: Option<Box<Start<'a>>>,
    #[serde(default)]
    m: Option<u64>,
    #[serde(borrow, default, deserialize_with = "not_null")]
    msg: Option<&'a str>,
    #[serde(borrow, default, deserialize_with = "present")]
    timer: Option<&'a str>,
    #[serde(borrow, default)]
    pick: Option<RawPick<'a>>,
    #[serde(borrow, default)]
    unknown: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    skip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    fx: Vec<RawFx<'a>>,
    #[serde(borrow, default)]
    persist: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    sync: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reply: Option<RawReply<'a>>,
}

#[derive(Debug, Deserialize)]
struct RawPick<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "text")]
    timer: &'a str,
}

#[derive(Debug, Deserialize)]
struct RawReply<'a> {
    #[serde(borrow)]
    to: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "text")]
    body: &'a str,
}

#[derive(Debug, Default, Deserialize)]
struct RawFx<'a> {
    #[serde(borrow, default)]
    send: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "not_null")]
    body: Option<&'a str>,
    #[serde(borrow, default, deserialize_with = "present")]
    set: Option<&'a str>,
    #[serde(default)]
    ns: Option<u64>,
    #[serde(borrow, default, deserialize_with = "present")]
    cancel: Option<&'a str>,
    #[serde(borrow, default)]
    choose: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "not_null")]
    options: Option<&'a str>,
}

/// A JSON value's text, as it stands in the line.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'de str, D::Error> {
    <&RawValue>::deserialize(d).map(RawValue::get)
}

/// A field that is there and not `null`: `Some` of its text.
fn not_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de str>, D::Error> {
    Option::<&RawValue>::deserialize(d).map(|raw| raw.map(RawValue::get))
}

/// A field that is there, even as `null` (a unit timer serializes as `null`): `Some` of its
/// text.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de str>, D::Error> {
    text(d).map(Some)
}

/// Parses the durable digest in field `field`, as the journal writes it (32 hex digits); the
/// error says what was expected, and names the older format (a 64-bit hash of the value's JSON,
/// 16 digits) when it is that.
pub(crate) fn parse_digest_field(field: &str, text: &str) -> Result<Digest, String> {
    parse_digest(text).ok_or_else(|| {
        if text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            format!(
                "{field} {text:?} is a 64-bit hash of the value's JSON, as journals written \
                 before 2026-12-07 named durable values; this splitbrain expects a 128-bit \
                 digest of the value (32 hex digits): re-record the run with this splitbrain"
            )
        } else {
            format!("{field} {text:?}: expected a durable digest (32 hex digits)")
        }
    })
}

/// Parses `text`, the contents of `file`; errors name the file and line.
pub(crate) fn parse<'a>(text: &'a str, file: &Path) -> Result<Vec<Entry<'a>>, ValidateError> {
    let mut entries = Vec::with_capacity(text.len() / 128);
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let malformed = |what: String| ValidateError::Malformed {
            file: file.to_path_buf(),
            line,
            what,
        };
        let (e, unchecked) = match fast::entry(raw) {
            Some(e) => (Ok(e), true),
            None => (serde_json::from_str::<RawEntry<'a>>(raw), false),
        };
        let e = e.map_err(|e| {
            malformed(format!(
                "{e}; expected one input of the node's journal (see `splitbrain validate --help`)"
            ))
        })?;
        let msg = match (e.m, e.msg) {
            (Some(id), _) => Some(MsgRef::Id(id)),
            (None, Some(line)) => Some(MsgRef::Inline(line)),
            (None, None) => None,
        };
        let needs_msg = |what: &str| {
            msg.ok_or_else(|| malformed(format!("{what} needs \"m\" (a message id) or \"msg\"")))
        };
        let input = match (e.start, e.timer, e.pick, e.unknown, e.skip) {
            (Some(start), None, None, None, None) => Input::Start(start, needs_msg("a start")?),
            (None, Some(timer), None, None, None) => Input::Timer(timer),
            (None, None, Some(pick), None, None) => Input::Pick(pick.key, pick.timer),
            (None, None, None, Some(_), None) => Input::Unknown(needs_msg("an unknown message")?),
            (None, None, None, None, Some(why)) => Input::Skip(msg, why),
            (None, None, None, None, None) => Input::Msg(needs_msg("an input")?),
            _ => {
                return Err(malformed(
                    "an input is one of start, timer, pick, unknown, skip or a message".into(),
                ))
            }
        };
        let mut fx = Vec::with_capacity(e.fx.len());
        for f in e.fx {
            fx.push(match f {
                RawFx {
                    send: Some(to),
                    body: Some(body),
                    ..
                } => Fx::Send { to, body },
                RawFx {
                    set: Some(timer),
                    ns: Some(ns),
                    ..
                } => Fx::Set { timer, ns },
                RawFx {
                    cancel: Some(timer),
                    ..
                } => Fx::Cancel { timer },
                RawFx {
                    choose: Some(key),
                    options: Some(options),
                    ..
                } => Fx::Choose { key, options },
                _ => {
                    return Err(malformed(
                        "an effect is {\"send\",\"body\"}, {\"set\",\"ns\"}, {\"cancel\"} or \
                         {\"choose\",\"options\"}"
                            .into(),
                    ))
                }
            });
        }
        let persist = match e.persist {
            None => None,
            Some(text) => Some(parse_digest_field("persist", &text).map_err(malformed)?),
        };
        let sync = match e.sync {
            None => None,
            Some(text) => Some(parse_digest_field("sync", &text).map_err(malformed)?),
        };
        entries.push(Entry {
            line,
            input,
            fx,
            persist,
            sync,
            reply: e.reply.map(|r| Reply {
                to: r.to,
                body: r.body,
            }),
            unchecked,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_input_parses_with_its_effects() {
        let text = r#"{"start":{"bug":null,"me":"n0","node":"raft","nodes":["n0","n1"],"recovered":null,"recovered_hash":null,"seed":1},"m":0,"reply":{"to":"c0","body":{"type":"init_ok"}},"fx":[{"set":"Election","ns":5}]}
{"m":6,"fx":[{"send":"c3","body":{"code":11,"type":"error"}}],"persist":"000000000000000000000000000000ab"}
{"timer":"Heartbeat","fx":[{"cancel":"Election"},{"choose":"k","options":[1,2]}]}
{"pick":{"key":"k","timer":2}}
{"timer":null,"fx":[{"set":null,"ns":1}]}
{"m":9,"unknown":"nope","reply":{"to":"c3","body":{}}}
{"m":4,"skip":"before init"}
"#;
        let entries = parse(text, Path::new("journal.jsonl")).unwrap();
        assert_eq!(entries.len(), 7);
        assert!(matches!(entries[4].input, Input::Timer("null")));
        assert_eq!(
            entries[4].fx[0],
            Fx::Set {
                timer: "null",
                ns: 1
            }
        );
        assert!(matches!(entries[0].input, Input::Start(_, MsgRef::Id(0))));
        assert_eq!(entries[1].persist, Some(0xab));
        assert_eq!(
            entries[1].fx[0],
            Fx::Send {
                to: "c3".into(),
                body: r#"{"code":11,"type":"error"}"#
            }
        );
        assert!(matches!(entries[2].input, Input::Timer("\"Heartbeat\"")));
        assert!(matches!(entries[3].input, Input::Pick(_, "2")));
        assert!(matches!(entries[5].input, Input::Unknown(MsgRef::Id(9))));
        assert!(matches!(
            entries[6].input,
            Input::Skip(Some(MsgRef::Id(4)), _)
        ));
    }

    #[test]
    fn the_fast_reader_reads_every_line_it_takes_as_serde_does_and_leaves_the_rest_to_serde() {
        let taken = [
            r#"{"m":6,"fx":[{"send":"c3","body":{"code":11,"text":"a \"}\" b","type":"error"}},{"set":"Election","ns":5},{"cancel":null},{"choose":"k","options":[1,{"a":2}]}],"persist":"000000000000000000000000000000ab","sync":"000000000000000000000000000000ab"}"#,
            r#"{"timer":{"Retry":[1,2]}}"#,
            r#"{"timer":null,"fx":[{"set":null,"ns":0}]}"#,
            r#"{"pick":{"key":"k","timer":2},"sync":"000000000000000000000000000000cd"}"#,
            r#"{"m":9,"fx":[{"send":"n1","body":null}]}"#,
        ];
        for line in taken {
            let fast = fast::entry(line).unwrap_or_else(|| panic!("not taken: {line}"));
            let slow: RawEntry<'_> = serde_json::from_str(line).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{line}");
        }
        let left = [
            r#"{"m":4,"skip":"before init"}"#,
            r#"{"m":9,"unknown":"nope","reply":{"to":"c3","body":{}}}"#,
            r#"{"msg":{"src":"c1","dest":"n0","body":{}}}"#,
            r#"{"m":1,"fx":[{"send":"n\u0031","body":{}}]}"#,
            r#"{"m":1,"fx":[{"sned":"n1","body":{}}]}"#,
            r#"{"m":1, "fx":[]}"#,
            r#"{"m":1,"fx":[]}"#,
            r#"{"m":1}x"#,
        ];
        for line in left {
            assert!(fast::entry(line).is_none(), "taken: {line}");
        }
        // A malformed value is delimited, not judged: the line is taken unchecked, and the
        // join's check (`validate::lazy`) names it.
        let bad = r#"{"m":1,"fx":[{"send":"n1","body":{"a":}}]}"#;
        let entries = parse(bad, Path::new("j")).unwrap();
        assert!(entries[0].unchecked);
        assert_eq!(
            entries[0].fx[0],
            Fx::Send {
                to: "n1".into(),
                body: r#"{"a":}"#
            }
        );
        assert!(!parse(left[0], Path::new("j")).unwrap()[0].unchecked);
    }

    #[test]
    fn a_bad_effect_names_the_file_and_line() {
        let err = parse(
            "{\"m\":1}\n{\"m\":2,\"fx\":[{\"sned\":\"n1\"}]}\n",
            Path::new("data/n0/journal.jsonl"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("data/n0/journal.jsonl:2:"), "{err}");
    }

    #[test]
    fn a_journal_of_the_older_64_bit_hash_format_is_refused_naming_the_line_and_the_format() {
        let err = parse(
            "{\"m\":1}\n{\"m\":2,\"persist\":\"9e1f04c2d05b7a31\"}\n",
            Path::new("data/n0/journal.jsonl"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("data/n0/journal.jsonl:2:"), "{err}");
        assert!(
            err.contains("64-bit hash") && err.contains("32 hex digits"),
            "{err}"
        );
        let err = parse("{\"m\":2,\"sync\":\"xyz\"}\n", Path::new("j"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a durable digest"), "{err}");
    }
}
