//! Deferred JSON checks: the JSON values the fast readers delimit without validating (a journal
//! line's timer, bodies, timers and options; a node's body in `messages.jsonl`; see `scan.rs`),
//! proven valid before the run's answer is given.
//!
//! Validating every embedded value as it is read cost about a sixth of a validation, and most
//! of it proves nothing new: the join compares each of these values byte for byte with a text
//! the validator rendered itself from a typed value (the model's send, timer or options, in
//! the host's canonical rendering), which is valid JSON by construction, so a value equal to it
//! is valid too. The join therefore checks a value here only where no such comparison proved
//! it:
//! - a journal line whose effects did not all compare equal (a divergence, a node that was
//!   down or suspended), whose input was not replayed, or whose timer was not parsed;
//! - a node's send in `messages.jsonl` that was not its journal's next output byte for byte,
//!   or that the join never reached (it stopped at a divergence).
//!
//! A value that is not one JSON value is then the same error it always was: the file and line
//! named, exit 3 — also when the join had already found a divergence, as when every value was
//! validated on reading.

use serde::de::IgnoredAny;

use super::journal::{Entry, Fx, Input};

/// `text`, a value named `field`, as one JSON value by serde_json's reading; else what is wrong.
fn one_value(field: &str, text: &str) -> Result<(), String> {
    serde_json::from_str::<IgnoredAny>(text)
        .map(drop)
        .map_err(|e| format!("{field} {text}: {e}; expected one JSON value"))
}

/// Checks every JSON value of a journal line the fast reader left unchecked.
pub(crate) fn check_entry(entry: &Entry<'_>) -> Result<(), String> {
    if !entry.unchecked {
        return Ok(());
    }
    match &entry.input {
        Input::Timer(text) => one_value("timer", text)?,
        Input::Pick(_, text) => one_value("pick's timer", text)?,
        _ => {}
    }
    for fx in &entry.fx {
        match fx {
            Fx::Send { body, .. } => one_value("body", body)?,
            Fx::Set { timer, .. } => one_value("set", timer)?,
            Fx::Cancel { timer } => one_value("cancel", timer)?,
            Fx::Choose { options, .. } => one_value("options", options)?,
        }
    }
    Ok(())
}

/// Checks a send's body in `messages.jsonl`, if the fast reader left it unchecked.
pub(crate) fn check_body(unchecked: bool, body: &str) -> Result<(), String> {
    if unchecked {
        one_value("message body", body)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::validate::journal;

    #[test]
    fn a_malformed_value_the_fast_reader_took_is_named_and_a_valid_one_passes() {
        let text = "{\"m\":1,\"fx\":[{\"send\":\"n1\",\"body\":{\"a\":1}},{\"set\":\"Election\",\"ns\":5}]}\n\
                    {\"m\":2,\"fx\":[{\"send\":\"n1\",\"body\":{\"a\":}}]}\n\
                    {\"timer\":[1,}}\n";
        let entries = journal::parse(text, Path::new("j")).unwrap();
        assert!(entries.iter().all(|e| e.unchecked));
        assert_eq!(check_entry(&entries[0]), Ok(()));
        let err = check_entry(&entries[1]).unwrap_err();
        assert!(err.starts_with("body {\"a\":}: "), "{err}");
        let err = check_entry(&entries[2]).unwrap_err();
        assert!(err.starts_with("timer [1,}: "), "{err}");
        assert_eq!(check_body(true, "{\"type\":\"x\"}"), Ok(()));
        assert!(check_body(true, "{\"type\":}").is_err());
        assert_eq!(check_body(false, "{\"type\":}"), Ok(()));
    }
}
