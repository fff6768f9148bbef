//! The fast path for `journal.jsonl`: a line in the exact shape the node host writes for a
//! message, a timer or a pick (`node::journal`), read without serde's visitors.
//!
//! ```text
//! {"m":7,"fx":[{"send":"n1","body":{..}},{"set":"Election","ns":212000000}],"persist":"9e1f..","sync":"9e1f.."}
//! {"timer":"Heartbeat","fx":[{"cancel":"Election"},{"choose":"k","options":[1,2]}]}
//! {"pick":{"key":"k","timer":2}}
//! ```
//!
//! Field names, their order and the effects' shapes are the writer's; names and keys must be
//! plain strings; bodies, timers and options are delimited here but not validated
//! ([`Cursor::value`]): the entry is marked unchecked, and the join proves each value valid
//! before it answers (`validate::lazy`). Anything else — a start, a skip, a reply, an unknown
//! field, an escape — returns `None`, and serde reads the line (`journal.rs`), building the same
//! [`RawEntry`] or the error. A differential test checks both readers agree.

use super::{RawEntry, RawFx, RawPick};
use crate::validate::scan::Cursor;

/// Journal line `text`, when it has the host's shape for a message, timer or pick.
pub(super) fn entry(text: &str) -> Option<RawEntry<'_>> {
    let mut c = Cursor::new(text);
    let mut entry = RawEntry::default();
    if c.eat_if("{\"m\":") {
        entry.m = Some(c.uint()?);
    } else if c.eat_if("{\"timer\":") {
        entry.timer = Some(c.value()?);
    } else {
        c.eat("{\"pick\":{\"key\":\"")?;
        let key = c.plain_string()?.into();
        c.eat(",\"timer\":")?;
        let timer = c.value()?;
        c.eat("}")?;
        entry.pick = Some(RawPick { key, timer });
    }
    if c.eat_if(",\"fx\":[") {
        loop {
            entry.fx.push(effect(&mut c)?);
            if c.eat_if("]") {
                break;
            }
            c.eat(",")?;
        }
    }
    if c.eat_if(",\"persist\":\"") {
        entry.persist = Some(c.plain_string()?.into());
    }
    if c.eat_if(",\"sync\":\"") {
        entry.sync = Some(c.plain_string()?.into());
    }
    c.eat("}")?;
    c.at_end().then_some(entry)
}

/// One effect, in the writer's shape.
fn effect<'a>(c: &mut Cursor<'a>) -> Option<RawFx<'a>> {
    let mut fx = RawFx::default();
    if c.eat_if("{\"send\":\"") {
        fx.send = Some(c.plain_string()?.into());
        c.eat(",\"body\":")?;
        fx.body = Some(c.value()?).filter(|b| *b != "null");
    } else if c.eat_if("{\"set\":") {
        fx.set = Some(c.value()?);
        c.eat(",\"ns\":")?;
        fx.ns = Some(c.uint()?);
    } else if c.eat_if("{\"cancel\":") {
        fx.cancel = Some(c.value()?);
    } else {
        c.eat("{\"choose\":\"")?;
        fx.choose = Some(c.plain_string()?.into());
        c.eat(",\"options\":")?;
        fx.options = Some(c.value()?).filter(|o| *o != "null");
    }
    c.eat("}")?;
    Some(fx)
}
