//! Reading `messages.jsonl` (written by `runner::net::journal`) into messages with a send time,
//! a receive time (or a drop), a sender and a receiver — what a Lamport diagram draws.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::ReportError;

/// One message, from its send to its delivery or drop.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The router's id of the message (what node journals and `splitbrain validate` name).
    pub id: u64,
    /// Index of the sender in [`Journal::endpoints`].
    pub from: usize,
    /// Index of the receiver in [`Journal::endpoints`].
    pub to: usize,
    /// Send time, ns on the run's clock.
    pub sent: i64,
    /// Delivery time, when it was delivered.
    pub delivered: Option<i64>,
    /// Why it was dropped, when it was.
    pub dropped: Option<String>,
    /// The body's `type` (`read`, `write_ok`, ...), empty when it has none.
    pub kind: String,
}

/// The messages of a run, ordered by send time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journal {
    /// Nodes then clients then services, each sorted by name.
    pub endpoints: Vec<String>,
    /// The messages, by send time.
    pub messages: Vec<Message>,
}

fn field<'a>(line: &'a Json, name: &str) -> Option<&'a Json> {
    line.get(name)
}

/// Parses the journal's text; errors name `file` and the line.
pub fn parse(text: &str, file: &Path) -> Result<Journal, ReportError> {
    let malformed = |line: usize, what: String| ReportError::Malformed {
        file: file.to_path_buf(),
        line,
        what,
    };
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut endpoints: Vec<String> = Vec::new();
    let mut intern = |name: &str| -> usize {
        *names.entry(name.to_owned()).or_insert_with(|| {
            endpoints.push(name.to_owned());
            endpoints.len() - 1
        })
    };
    let mut messages: Vec<Message> = Vec::new();
    let mut by_id: HashMap<u64, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let line: Json = serde_json::from_str(raw).map_err(|e| {
            malformed(
                number,
                format!("not JSON ({e}); expected one event per line"),
            )
        })?;
        let (Some(time), Some(id), Some(kind)) = (
            field(&line, "time").and_then(Json::as_i64),
            field(&line, "id").and_then(Json::as_u64),
            field(&line, "type").and_then(Json::as_str),
        ) else {
            return Err(malformed(
                number,
                "expected an object with integer \"time\" and \"id\" and a string \"type\"".into(),
            ));
        };
        let known = |what: &str| {
            by_id.get(&id).copied().ok_or_else(|| {
                malformed(
                    number,
                    format!("{what} of message {id}, which was never sent"),
                )
            })
        };
        match kind {
            "send" => {
                let message = field(&line, "message");
                let from = field(&line, "from").and_then(Json::as_str);
                let dest = message.and_then(|m| m.get("dest")).and_then(Json::as_str);
                let (Some(from), Some(dest)) = (from, dest) else {
                    return Err(malformed(
                        number,
                        "a send needs \"from\" and a \"message\" with a \"dest\"".into(),
                    ));
                };
                let body_type = message
                    .and_then(|m| m.get("body"))
                    .and_then(|b| b.get("type"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                by_id.insert(id, messages.len());
                messages.push(Message {
                    id,
                    from: intern(from),
                    to: intern(dest),
                    sent: time,
                    delivered: None,
                    dropped: None,
                    kind: body_type.to_owned(),
                });
            }
            "deliver" => {
                let at = known("delivery")?;
                messages[at].delivered = Some(time);
            }
            "drop" => {
                let at = known("drop")?;
                let reason = field(&line, "reason").and_then(Json::as_str);
                messages[at].dropped = Some(reason.unwrap_or("dropped").to_owned());
            }
            "duplicate" => {
                let of = field(&line, "of").and_then(Json::as_u64);
                let original = of.and_then(|of| by_id.get(&of).copied()).ok_or_else(|| {
                    malformed(
                        number,
                        "a duplicate needs \"of\": the id of a sent message".into(),
                    )
                })?;
                let mut copy = messages[original].clone();
                copy.id = id;
                copy.sent = time;
                copy.delivered = None;
                copy.dropped = None;
                by_id.insert(id, messages.len());
                messages.push(copy);
            }
            other => {
                return Err(malformed(
                    number,
                    format!("unknown type {other:?}; expected send, deliver, duplicate or drop"),
                ))
            }
        }
    }
    // Nodes, then clients, then the rest, each by name; messages re-pointed.
    let rank = |name: &str| match name.chars().next() {
        Some('n') => 0,
        Some('c') => 1,
        _ => 2,
    };
    let mut order: Vec<usize> = (0..endpoints.len()).collect();
    order.sort_by(|&a, &b| {
        (rank(&endpoints[a]), &endpoints[a]).cmp(&(rank(&endpoints[b]), &endpoints[b]))
    });
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    for m in &mut messages {
        m.from = new_index[m.from];
        m.to = new_index[m.to];
    }
    messages.sort_by_key(|m| m.sent);
    let endpoints = order.into_iter().map(|i| endpoints[i].clone()).collect();
    Ok(Journal {
        endpoints,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"time":10,"id":1,"type":"send","from":"c1","message":{"src":"c1","dest":"n0","body":{"type":"read"}}}
{"time":20,"id":1,"type":"deliver"}
{"time":30,"id":2,"type":"send","from":"n0","message":{"src":"n0","dest":"n1","body":{}}}
{"time":35,"id":3,"type":"duplicate","of":2}
{"time":40,"id":2,"type":"drop","reason":"partition"}
{"time":45,"id":3,"type":"deliver"}
"#;

    #[test]
    fn sends_pair_with_their_delivery_drop_or_duplicate() {
        let j = parse(LINES, Path::new("m.jsonl")).unwrap();
        assert_eq!(j.endpoints, vec!["n0", "n1", "c1"]);
        assert_eq!(j.messages.len(), 3);
        assert_eq!((j.messages[0].from, j.messages[0].to), (2, 0));
        assert_eq!(j.messages[0].delivered, Some(20));
        assert_eq!(j.messages[1].dropped.as_deref(), Some("partition"));
        assert_eq!(j.messages[2].delivered, Some(45));
    }

    #[test]
    fn a_delivery_of_an_unknown_message_names_the_line() {
        let err = parse(
            "{\"time\":1,\"id\":9,\"type\":\"deliver\"}\n",
            Path::new("m.jsonl"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("m.jsonl:1") && err.contains("never sent"),
            "{err}"
        );
    }
}
