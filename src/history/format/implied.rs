//! Fields a history may leave out when their value is implied.
//!
//! Elle ignores `f`, and the histories of Elle's own tools (elle-cli's JSON and EDN) often leave
//! it out: `{"index":3,"process":1,"type":"ok","value":[["append",255,8],["r",253,[1,3,4]]]}`.
//! An event without `f` whose value is a transaction (a list of micro-ops `[f k ...]` with `f`
//! one of `r`, `append`, `w`) reads as `f = "txn"`; an event without `f` otherwise is still an
//! error.

use crate::history::Value;

/// The function an event without `f` performs, if its value says.
pub(super) fn function(value: Option<&Value>) -> Option<&'static str> {
    let mops = value?.as_list()?;
    let all_mops = mops.iter().all(|m| {
        m.as_list().is_some_and(|p| {
            (2..=3).contains(&p.len()) && matches!(p[0].as_text(), Some("r" | "append" | "w"))
        })
    });
    (!mops.is_empty() && all_mops).then_some("txn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_list_of_micro_ops_implies_a_transaction() {
        let mop = |f: &str| Value::list(vec![Value::str(f), 1.into(), Value::Nil]);
        assert_eq!(
            function(Some(&Value::list(vec![mop("r"), mop("append")]))),
            Some("txn")
        );
        assert_eq!(function(Some(&Value::list(vec![mop("cas")]))), None);
        assert_eq!(function(Some(&3.into())), None);
        assert_eq!(function(None), None);
    }
}
