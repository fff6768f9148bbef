//! The fast path for `messages.jsonl`: a line in the exact shape the router's writer emits
//! (`runner::router::journal`), read without serde's visitors.
//!
//! ```text
//! {"time":1200,"id":7,"type":"send","from":"n0","message":{"body":{..},"dest":"n1","src":"n0"}}
//! {"time":1250,"id":7,"type":"deliver"}
//! {"time":1300,"id":8,"type":"duplicate","of":7}
//! {"time":1400,"id":9,"type":"drop","reason":"partition"}
//! ```
//!
//! A send's message is taken here only in the shape the node host writes (`body`, `dest`,
//! `src`, in that order, names plain); its body is delimited from the front. A client's body
//! must be exactly one JSON value by serde_json's own reading; a node's is not validated here
//! ([`RawLine::unchecked`]): the join compares it byte for byte with the body the model's code
//! rendered, which proves it valid, and checks any other (`validate::lazy`). Anything else —
//! another order, an escape, a client's line of another shape — returns `None`, and serde reads
//! the line (`messages.rs`), building the same [`RawEvent`] or the error. A differential test
//! checks both readers agree.

use super::{Endpoint, RawEvent, RawLine};
use crate::validate::scan::{is_one_value, Cursor};

/// Line `text` of `messages.jsonl`, when it has the router's shape; a send's message comes
/// read too when it has the host's shape.
pub(super) fn event(text: &str) -> Option<(RawEvent<'_>, Option<RawLine<'_>>)> {
    let mut c = Cursor::new(text);
    c.eat("{\"time\":")?;
    let time = c.int()?;
    c.eat(",\"id\":")?;
    let id = c.uint()?;
    c.eat(",\"type\":\"")?;
    let kind = c.plain_string()?;
    let mut event = RawEvent {
        time,
        id,
        kind: kind.into(),
        from: None,
        message: None,
        of: None,
    };
    match kind {
        "send" => {
            c.eat(",\"from\":\"")?;
            let from = c.plain_string()?;
            event.from = Some(from.into());
            c.eat(",\"message\":")?;
            let message = c.rest().strip_suffix('}').filter(|m| *m != "null")?;
            // A node's body is checked by the join (see the module docs).
            let lazy = matches!(Endpoint::parse(from), Endpoint::Node(_));
            let read = line(message, lazy);
            if read.is_none() && !is_one_value(message) {
                return None;
            }
            event.message = Some(message);
            return Some((event, read));
        }
        "deliver" => {}
        "duplicate" => {
            c.eat(",\"of\":")?;
            event.of = Some(c.uint()?);
        }
        "drop" => {
            c.eat(",\"reason\":\"")?;
            c.plain_string()?;
        }
        _ => return None,
    }
    c.eat("}")?;
    c.at_end().then_some((event, None))
}

/// A node's line `{"body":..,"dest":"..","src":".."}`, when it has the host's shape; its body
/// is validated unless `lazy` (then it is marked unchecked). The body is delimited from the
/// front ([`Cursor::value`]), so that a valid line is read exactly as serde reads it, whatever
/// follows the message.
pub(super) fn line(message: &str, lazy: bool) -> Option<RawLine<'_>> {
    let mut c = Cursor::new(message);
    c.eat("{\"body\":")?;
    let body = c.value()?;
    c.eat(",\"dest\":\"")?;
    let dest = c.plain_string()?;
    c.eat(",\"src\":\"")?;
    c.plain_string()?;
    c.eat("}")?;
    if !c.at_end() || (!lazy && !is_one_value(body)) {
        return None;
    }
    Some(RawLine {
        dest: dest.into(),
        body: Some(body).filter(|b| *b != "null"),
        unchecked: lazy,
    })
}
