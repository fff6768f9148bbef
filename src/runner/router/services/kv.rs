//! The key-value operations shared by `lin-kv`, `seq-kv` and `lww-kv`, as Maelstrom answers them.

use serde_json::{json, Map, Value as Json};

use crate::runner::protocol::{
    error_body, KEY_DOES_NOT_EXIST, MALFORMED_REQUEST, NOT_SUPPORTED, PRECONDITION_FAILED,
};

/// A key-value request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum KvOp<'a> {
    Read,
    Write(&'a Json),
    Cas {
        from: &'a Json,
        to: &'a Json,
        create: bool,
    },
}

/// The key (as its JSON text, so `1` and `"1"` differ) and the operation of a request, or the
/// error reply for a request that is not one.
pub(super) fn parse(body: &Map<String, Json>) -> Result<(String, KvOp<'_>), Json> {
    let kind = body.get("type").and_then(Json::as_str).unwrap_or("");
    let key = match body.get("key") {
        Some(k) => k.to_string(),
        None if matches!(kind, "read" | "write" | "cas") => {
            return Err(error_body(MALFORMED_REQUEST, format!("{kind} needs a key")))
        }
        None => return Err(not_supported(kind)),
    };
    let field = |name: &str| {
        body.get(name)
            .ok_or_else(|| error_body(MALFORMED_REQUEST, format!("{kind} needs {name}")))
    };
    let op = match kind {
        "read" => KvOp::Read,
        "write" => KvOp::Write(field("value")?),
        "cas" => KvOp::Cas {
            from: field("from")?,
            to: field("to")?,
            create: body
                .get("create_if_not_exists")
                .and_then(Json::as_bool)
                .unwrap_or(false),
        },
        other => return Err(not_supported(other)),
    };
    Ok((key, op))
}

/// The reply for a request type the service does not have.
pub(super) fn not_supported(kind: &str) -> Json {
    error_body(NOT_SUPPORTED, format!("unsupported request type {kind:?}"))
}

/// Applies `op` to the key's current value: the reply, and the key's new value when the operation
/// writes one. `honour_create` is false for `lww-kv`, which ignores `create_if_not_exists`.
pub(super) fn step(current: Option<&Json>, op: KvOp, honour_create: bool) -> (Json, Option<Json>) {
    let missing = || error_body(KEY_DOES_NOT_EXIST, "key does not exist");
    match op {
        KvOp::Read => match current {
            Some(v) => (json!({"type": "read_ok", "value": v}), None),
            None => (missing(), None),
        },
        KvOp::Write(v) => (json!({"type": "write_ok"}), Some(v.clone())),
        KvOp::Cas { from, to, create } => match current {
            Some(v) if v == from => (json!({"type": "cas_ok"}), Some(to.clone())),
            Some(v) => (
                error_body(
                    PRECONDITION_FAILED,
                    format!("current value {v} is not {from}"),
                ),
                None,
            ),
            None if create && honour_create => (json!({"type": "cas_ok"}), Some(to.clone())),
            None => (missing(), None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(j: Json) -> Map<String, Json> {
        j.as_object().unwrap().clone()
    }

    #[test]
    fn cas_checks_from_and_creates_only_when_asked() {
        let b = body(json!({"type":"cas","key":1,"from":2,"to":3}));
        let (_, op) = parse(&b).unwrap();
        assert_eq!(step(Some(&json!(2)), op, true).1, Some(json!(3)));
        assert_eq!(step(Some(&json!(5)), op, true).0["code"], 22);
        assert_eq!(step(None, op, true).0["code"], 20);
        let b = body(json!({"type":"cas","key":1,"from":2,"to":3,"create_if_not_exists":true}));
        let (_, op) = parse(&b).unwrap();
        assert_eq!(step(None, op, true).1, Some(json!(3)));
        assert_eq!(step(None, op, false).0["code"], 20);
    }

    #[test]
    fn unknown_requests_are_not_supported_and_incomplete_ones_malformed() {
        assert_eq!(
            parse(&body(json!({"type":"frob"}))).unwrap_err()["code"],
            10
        );
        assert_eq!(
            parse(&body(json!({"type":"read"}))).unwrap_err()["code"],
            12
        );
        assert_eq!(
            parse(&body(json!({"type":"write","key":"k"}))).unwrap_err()["code"],
            12
        );
    }
}
