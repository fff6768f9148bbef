//! The etcd adapter for `lin-kv`: each operation becomes one request to etcd's v3 HTTP/JSON
//! gateway, and each response (or its absence) a completion; leader reports come from
//! `/v3/maintenance/status` (served locally, so an isolated member still answers).
//!
//! - `read` → `POST /v3/kv/range {key}` (with `serializable: true` under the setting
//!   `serializable-reads`, or `--etcd-serializable-reads`); no `kvs` in the response means the
//!   key is absent: `nil`.
//! - `write` → `POST /v3/kv/put {key, value}`.
//! - `cas [from to]` → `POST /v3/kv/txn` comparing the VALUE with `from`, putting `to`; a
//!   response without `succeeded` (proto3 omits `false`) is a definite failure.
//! - Keys and values are decimal strings, base64-encoded as the gateway wants.
//! - No response: a read fails (it changed nothing); a write or cas is `info` (etcd may still
//!   apply the proposal), except when the connection was refused (nothing was sent) or etcd
//!   rejected the request as invalid (gRPC code 3), which fail.
//!
//! [`request`] and [`completion`] are pure; [`EtcdClient`] does the I/O.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::http::{base64_decode, base64_encode, HttpConn, HttpError};
use super::settings::{Kind, Setting, Settings};
use super::{LeaderStatus, SystemAdapter, SystemClient};
use crate::history::Value;
use crate::runner::backend::Reply;
use crate::runner::workload::{Completion, Invocation, WorkloadName};

/// The etcd adapter's settings.
pub(super) const SETTINGS: &[Setting] = &[Setting {
    name: "serializable-reads",
    kind: Kind::Flag,
    default: "false",
    help: "serve reads from the member's local state (possibly stale) instead of linearizably",
}];

/// The etcd adapter.
#[derive(Clone, Copy, Debug)]
pub(super) struct Etcd {
    mode: ReadMode,
}

/// The adapter with `settings`.
pub(super) fn build(
    settings: &Settings,
    _nodes: &[SocketAddr],
    _workload: Option<WorkloadName>,
) -> Box<dyn SystemAdapter> {
    let mode = if settings.flag("serializable-reads") {
        ReadMode::Serializable
    } else {
        ReadMode::Linearizable
    };
    Box::new(Etcd { mode })
}

impl SystemAdapter for Etcd {
    fn name(&self) -> &'static str {
        "etcd"
    }

    fn supports(&self, workload: WorkloadName) -> Result<(), String> {
        match workload {
            WorkloadName::LinKv => Ok(()),
            other => Err(format!(
                "the etcd client adapter runs the lin-kv workload, not {}",
                other.name()
            )),
        }
    }

    fn connect(&self, _node: usize, addr: SocketAddr) -> Box<dyn SystemClient> {
        Box::new(EtcdClient {
            conn: HttpConn::new(addr),
            mode: self.mode,
        })
    }

    fn reports_leaders(&self) -> bool {
        true
    }
}

/// How reads are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// Through the leader's ReadIndex: linearizable.
    Linearizable,
    /// From the member's local state: may be stale.
    Serializable,
}

/// A gateway request: path and JSON body.
pub fn request(op: &Invocation, mode: ReadMode) -> (&'static str, Json) {
    let key = base64_encode(key_text(op).as_bytes());
    match (op.f, op.value.as_pair()) {
        ("write", _) => (
            "/v3/kv/put",
            json!({"key": key, "value": base64_encode(op.value.to_string().as_bytes())}),
        ),
        ("cas", Some((from, to))) => (
            "/v3/kv/txn",
            json!({
                "compare": [{"key": key, "target": "VALUE", "result": "EQUAL",
                             "value": base64_encode(from.to_string().as_bytes())}],
                "success": [{"request_put": {"key": key,
                             "value": base64_encode(to.to_string().as_bytes())}}],
            }),
        ),
        _ => {
            let mut body = json!({"key": key});
            if mode == ReadMode::Serializable {
                body["serializable"] = Json::Bool(true);
            }
            ("/v3/kv/range", body)
        }
    }
}

fn key_text(op: &Invocation) -> String {
    op.key.as_ref().map_or_else(|| "0".into(), Value::to_string)
}

#[derive(Deserialize, Default)]
struct RangeResponse {
    #[serde(default)]
    kvs: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct KeyValue {
    #[serde(default)]
    value: String,
}

#[derive(Deserialize, Default)]
struct TxnResponse {
    #[serde(default)]
    succeeded: bool,
}

#[derive(Deserialize, Default)]
struct ErrorResponse {
    #[serde(default)]
    error: String,
    #[serde(default)]
    code: i64,
}

/// The completion of `op` given the gateway's answer (status and body) or why there is none.
pub fn completion(op: &Invocation, answer: Result<(u16, Vec<u8>), HttpError>) -> Completion {
    let read = op.f == "read";
    let unknown = |e: Value| {
        if read {
            Completion::Fail(e)
        } else {
            Completion::Info(e)
        }
    };
    let (status, body) = match answer {
        Ok(a) => a,
        Err(HttpError::Connect(e)) => {
            return Completion::Fail(error_value("connect", &e.to_string()))
        }
        Err(HttpError::Timeout) => return unknown(Value::str("net-timeout")),
        Err(HttpError::Broken(why)) => return unknown(error_value("connection", &why)),
    };
    if status != 200 {
        let e: ErrorResponse = serde_json::from_slice(&body).unwrap_or_default();
        let text = if e.error.is_empty() {
            String::from_utf8_lossy(&body).into_owned()
        } else {
            e.error
        };
        let error = error_value(&format!("http-{status}"), &text);
        // gRPC InvalidArgument: rejected before anything was proposed.
        return if e.code == 3 {
            Completion::Fail(error)
        } else {
            unknown(error)
        };
    }
    let malformed = |why: String| unknown(error_value("malformed-response", &why));
    match op.f {
        "read" => match serde_json::from_slice::<RangeResponse>(&body) {
            Err(e) => malformed(e.to_string()),
            Ok(r) => match r.kvs.first() {
                None => Completion::Ok(Value::Nil),
                Some(kv) => match decode_int(&kv.value) {
                    Some(v) => Completion::Ok(Value::Int(v)),
                    None => malformed(format!("value {:?} is not a base64 integer", kv.value)),
                },
            },
        },
        "cas" => match serde_json::from_slice::<TxnResponse>(&body) {
            Err(e) => malformed(e.to_string()),
            Ok(t) if t.succeeded => Completion::Ok(op.value.clone()),
            Ok(_) => Completion::Fail(Value::list(vec![
                Value::str("precondition-failed"),
                Value::Nil,
            ])),
        },
        _ => Completion::Ok(op.value.clone()),
    }
}

fn decode_int(b64: &str) -> Option<i64> {
    String::from_utf8(base64_decode(b64)?).ok()?.parse().ok()
}

fn error_value(kind: &str, text: &str) -> Value {
    Value::list(vec![Value::str(kind), Value::str(text)])
}

/// A client of one etcd member, over one keep-alive connection.
struct EtcdClient {
    conn: HttpConn,
    mode: ReadMode,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    header: Header,
    #[serde(default)]
    leader: String,
}

#[derive(Deserialize, Default)]
struct Header {
    #[serde(default)]
    member_id: String,
}

impl SystemClient for EtcdClient {
    fn invoke(&mut self, op: &Invocation, _request: &Json, timeout: Duration) -> Reply {
        let (path, body) = request(op, self.mode);
        let body = serde_json::to_vec(&body).expect("JSON values serialize");
        Reply::Done(completion(op, self.conn.post(path, &body, timeout)))
    }

    fn leader(&mut self, timeout: Duration) -> Option<LeaderStatus> {
        let (200, body) = self
            .conn
            .post("/v3/maintenance/status", b"{}", timeout)
            .ok()?
        else {
            return None;
        };
        let s: Status = serde_json::from_slice(&body).ok()?;
        Some(LeaderStatus {
            member: s.header.member_id.parse().unwrap_or(0),
            leader: s.leader.parse().unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(f: &'static str, value: Value) -> Invocation {
        Invocation {
            f,
            key: Some(Value::Int(2)),
            value,
            final_read: false,
            body: None,
        }
    }

    fn ok(body: &str) -> Result<(u16, Vec<u8>), HttpError> {
        Ok((200, body.as_bytes().to_vec()))
    }

    #[test]
    fn reads_ask_for_serializable_only_when_told() {
        let read = op("read", Value::Nil);
        let (path, body) = request(&read, ReadMode::Linearizable);
        assert_eq!(path, "/v3/kv/range");
        assert_eq!(body, json!({"key": "Mg=="}));
        let (_, body) = request(&read, ReadMode::Serializable);
        assert_eq!(body["serializable"], json!(true));
    }

    #[test]
    fn cas_is_a_txn_comparing_the_value() {
        let cas = op("cas", Value::list(vec![Value::Int(1), Value::Int(2)]));
        let (path, body) = request(&cas, ReadMode::Linearizable);
        assert_eq!(path, "/v3/kv/txn");
        assert_eq!(body["compare"][0]["value"], json!("MQ=="));
        assert_eq!(body["success"][0]["request_put"]["value"], json!("Mg=="));
    }

    #[test]
    fn a_range_without_kvs_reads_nil_and_with_kvs_the_value() {
        let read = op("read", Value::Nil);
        assert_eq!(
            completion(&read, ok(r#"{"header":{"revision":"3"}}"#)),
            Completion::Ok(Value::Nil)
        );
        assert_eq!(
            completion(
                &read,
                ok(r#"{"kvs":[{"key":"Mg==","value":"MTI="}],"count":"1"}"#)
            ),
            Completion::Ok(Value::Int(12))
        );
    }

    #[test]
    fn a_txn_without_succeeded_is_a_failed_cas() {
        let cas = op("cas", Value::list(vec![Value::Int(1), Value::Int(2)]));
        assert!(matches!(
            completion(&cas, ok(r#"{"header":{}}"#)),
            Completion::Fail(_)
        ));
        assert!(matches!(
            completion(&cas, ok(r#"{"header":{},"succeeded":true}"#)),
            Completion::Ok(_)
        ));
    }

    #[test]
    fn timeouts_are_info_for_writes_and_fail_for_reads() {
        let write = op("write", Value::Int(5));
        assert!(matches!(
            completion(&write, Err(HttpError::Timeout)),
            Completion::Info(_)
        ));
        let read = op("read", Value::Nil);
        assert!(matches!(
            completion(&read, Err(HttpError::Timeout)),
            Completion::Fail(_)
        ));
        let no_quorum = r#"{"error":"context deadline exceeded","code":2}"#;
        assert!(matches!(
            completion(&write, Ok((500, no_quorum.as_bytes().to_vec()))),
            Completion::Info(_)
        ));
        let invalid = r#"{"error":"etcdserver: key is not provided","code":3}"#;
        assert!(matches!(
            completion(&write, Ok((400, invalid.as_bytes().to_vec()))),
            Completion::Fail(_)
        ));
        let refused =
            HttpError::Connect(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(
            completion(&write, Err(refused)),
            Completion::Fail(_)
        ));
    }
}
