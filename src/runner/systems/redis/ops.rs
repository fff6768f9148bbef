//! The Redis commands behind each operation, and what their answers (or their absence) mean.
//!
//! - `read` → `GET k`: nil reads `nil`.
//! - `write` → `SET k v`.
//! - `cas [from to]` → `WATCH k`, `GET k`; a different value fails at once (`UNWATCH`);
//!   otherwise `MULTI`, `SET k to`, `EXEC`, which answers nil when `k` changed since `WATCH`:
//!   a definite failure.
//! - `acquire` → [`ACQUIRE`]: `SET lease-lock <token> NX PX <lease>`, the token one more than
//!   the last granted (kept in `lease-fence`), in one script; nil: the lock is held.
//! - `write` (lease-lock) → `SET lease-data <token>`, or with fencing [`FENCED_WRITE`], which
//!   refuses a token lower than the stored one.
//! - `release` → [`RELEASE`]: deletes the lock only if it still holds the caller's token.
//!
//! Only one command of each operation can change anything (`SET`, `EXEC`, the script): a
//! failure before it is sent means nothing happened. A server's error reply to a single
//! command means it did not run; a script's error means that too only for the errors Redis
//! raises before a script's first write (`READONLY`, `MASTERDOWN`, `LOADING`, `BUSY`,
//! `NOSCRIPT`). A timeout or a broken connection after the command may have been sent is
//! unknown.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redis::{Cmd, Connection, Value as Reply};

use super::error_value;
use crate::history::Value;
use crate::runner::workload::{Completion, Invocation};

/// Grants the lock (`KEYS[1]`) for `ARGV[1]` ms with the next fencing token (`KEYS[2]` holds
/// the last one granted); the token, or nil when the lock is held.
pub const ACQUIRE: &str = "\
local token = (tonumber(redis.call('GET', KEYS[2])) or 0) + 1
if redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[1]) then
  redis.call('SET', KEYS[2], token)
  return token
end
return false";

/// Stores token `ARGV[1]` in `KEYS[1]` unless it holds a higher one: 1 if stored, 0 if not.
pub const FENCED_WRITE: &str = "\
local held = tonumber(redis.call('GET', KEYS[1]))
if held and tonumber(ARGV[1]) < held then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1";

/// Deletes the lock `KEYS[1]` if it holds token `ARGV[1]`: 1 if deleted, 0 if not.
pub const RELEASE: &str = "\
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

const LOCK: &str = "lease-lock";
const FENCE: &str = "lease-fence";
const DATA: &str = "lease-data";

/// Errors Redis raises before a script writes anything.
const BEFORE_SCRIPT_WRITES: [&str; 5] = ["READONLY", "MASTERDOWN", "LOADING", "BUSY", "NOSCRIPT"];

/// The lease-lock's settings.
#[derive(Clone, Copy, Debug)]
pub struct LockOptions {
    /// The storage refuses lower tokens.
    pub fencing: bool,
    /// The lock's time to live.
    pub lease: Duration,
}

/// Why an operation has no answer.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// Nothing took effect: `[kind, text]`.
    NoEffect(String, String),
    /// It may have taken effect: `[kind, text]`.
    Unknown(String, String),
}

/// When an operation's time is up.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Instant);

impl Deadline {
    /// `timeout` from now.
    pub fn after(timeout: Duration) -> Deadline {
        Deadline(Instant::now() + timeout)
    }

    fn left(&self) -> Option<Duration> {
        let left = self.0.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }
}

/// What a command may change.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Effect {
    /// Nothing (or nothing without a later `EXEC`).
    None,
    /// A single command: an error reply means it did not run.
    Command,
    /// A script: see [`BEFORE_SCRIPT_WRITES`].
    Script,
}

/// A connection to `addr`.
pub fn open(addr: SocketAddr, deadline: &Deadline) -> Result<Connection, Failure> {
    let left = deadline.left().ok_or_else(timed_out)?;
    let info = redis::ConnectionInfo {
        addr: redis::ConnectionAddr::Tcp(addr.ip().to_string(), addr.port()),
        redis: Default::default(),
    };
    let no_effect = |e: redis::RedisError| Failure::NoEffect("connect".into(), e.to_string());
    redis::Client::open(info)
        .map_err(no_effect)?
        .get_connection_with_timeout(left)
        .map_err(no_effect)
}

/// A connection to `addr` after checking that it calls itself a primary.
pub fn open_primary(addr: SocketAddr, deadline: &Deadline) -> Result<Connection, Failure> {
    let mut conn = open(addr, deadline)?;
    match role(&mut conn, deadline)? {
        Role::Primary => Ok(conn),
        _ => Err(Failure::NoEffect(
            "not-primary".into(),
            format!("{addr} is not a primary (yet)"),
        )),
    }
}

/// The primary the Sentinel at `sentinel` names for `master`.
pub fn ask_sentinel(
    sentinel: SocketAddr,
    master: &str,
    deadline: &Deadline,
) -> Result<SocketAddr, Failure> {
    let mut conn = open(sentinel, deadline)?;
    let mut ask = redis::cmd("SENTINEL");
    ask.arg("get-master-addr-by-name").arg(master);
    let reply = call(&mut conn, &ask, deadline, Effect::None)?;
    let parts: Vec<String> = match &reply {
        Reply::Array(items) => items.iter().filter_map(text).collect(),
        _ => Vec::new(),
    };
    let addr = match &parts[..] {
        [ip, port] => format!("{ip}:{port}").parse().ok(),
        _ => None,
    };
    addr.ok_or_else(|| {
        let why = format!("sentinel knows no primary {master:?}: {reply:?}");
        Failure::NoEffect("no-primary".into(), why)
    })
}

/// What `ROLE` says a node is.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// A primary.
    Primary,
    /// A replica of the primary at this address.
    Replica(String),
    /// Something else (a Sentinel).
    Other,
}

/// The node's role.
pub fn role(conn: &mut Connection, deadline: &Deadline) -> Result<Role, Failure> {
    let reply = call(conn, &redis::cmd("ROLE"), deadline, Effect::None)?;
    Ok(parse_role(&reply))
}

fn parse_role(reply: &Reply) -> Role {
    let Reply::Array(items) = reply else {
        return Role::Other;
    };
    match (items.first().and_then(text).as_deref(), items.get(1)) {
        (Some("master"), _) => Role::Primary,
        (Some("slave"), Some(ip)) => text(ip).map_or(Role::Other, Role::Replica),
        _ => Role::Other,
    }
}

/// Runs `op` on `conn`: its completion, or why there is none.
pub fn run(
    conn: &mut Connection,
    op: &Invocation,
    lock: &LockOptions,
    deadline: &Deadline,
) -> Result<Completion, Failure> {
    let key = op.key.as_ref().map_or_else(|| "0".into(), Value::to_string);
    let token = op.value.as_int();
    // lease-lock's operations carry no key; lin-kv's always do.
    match (op.f, op.value.as_pair(), token) {
        ("cas", Some((from, to)), _) => cas(conn, &key, from, to, deadline),
        ("acquire", _, _) => {
            let mut eval = script(ACQUIRE, &[LOCK, FENCE]);
            eval.arg(lock.lease.as_millis().max(1) as u64);
            match call(conn, &eval, deadline, Effect::Script)? {
                Reply::Int(token) => Ok(Completion::Ok(Value::Int(token))),
                Reply::Nil => Ok(refused("lock-held", "the lock is held")),
                other => Err(malformed(&other)),
            }
        }
        ("write", _, Some(token)) if op.key.is_none() && lock.fencing => {
            let mut eval = script(FENCED_WRITE, &[DATA]);
            eval.arg(token);
            match call(conn, &eval, deadline, Effect::Script)? {
                Reply::Int(1) => Ok(Completion::Ok(Value::Nil)),
                Reply::Int(0) => Ok(refused("stale-token", "the storage holds a higher token")),
                other => Err(malformed(&other)),
            }
        }
        ("write", _, Some(token)) if op.key.is_none() => {
            let mut set = redis::cmd("SET");
            set.arg(DATA).arg(token);
            call(conn, &set, deadline, Effect::Command).map(|_| Completion::Ok(Value::Nil))
        }
        ("release", _, Some(token)) => {
            let mut eval = script(RELEASE, &[LOCK]);
            eval.arg(token);
            match call(conn, &eval, deadline, Effect::Script)? {
                Reply::Int(1) => Ok(Completion::Ok(Value::Nil)),
                Reply::Int(0) => Ok(refused("not-holder", "the lock has another token")),
                other => Err(malformed(&other)),
            }
        }
        ("write", _, _) => {
            let mut set = redis::cmd("SET");
            set.arg(&key).arg(op.value.to_string());
            call(conn, &set, deadline, Effect::Command).map(|_| Completion::Ok(op.value.clone()))
        }
        _ => {
            let mut get = redis::cmd("GET");
            get.arg(&key);
            read_value(&call(conn, &get, deadline, Effect::None)?).map(Completion::Ok)
        }
    }
}

/// `WATCH`, `GET`, and when the value is `from`: `MULTI`, `SET`, `EXEC`.
fn cas(
    conn: &mut Connection,
    key: &str,
    from: &Value,
    to: &Value,
    deadline: &Deadline,
) -> Result<Completion, Failure> {
    let one = |name: &str| {
        let mut c = redis::cmd(name);
        c.arg(key);
        c
    };
    call(conn, &one("WATCH"), deadline, Effect::None)?;
    let current = read_value(&call(conn, &one("GET"), deadline, Effect::None)?)?;
    if current != *from {
        call(conn, &redis::cmd("UNWATCH"), deadline, Effect::None)?;
        return Ok(refused(
            "precondition-failed",
            &format!("the value is {current}"),
        ));
    }
    call(conn, &redis::cmd("MULTI"), deadline, Effect::None)?;
    let mut set = redis::cmd("SET");
    set.arg(key).arg(to.to_string());
    call(conn, &set, deadline, Effect::None)?;
    match call(conn, &redis::cmd("EXEC"), deadline, Effect::Command)? {
        Reply::Nil => Ok(refused("cas-conflict", "the key changed after WATCH")),
        Reply::Array(_) => Ok(Completion::Ok(Value::list(vec![from.clone(), to.clone()]))),
        other => Err(malformed(&other)),
    }
}

fn script(body: &str, keys: &[&str]) -> Cmd {
    let mut eval = redis::cmd("EVAL");
    eval.arg(body).arg(keys.len());
    for k in keys {
        eval.arg(*k);
    }
    eval
}

/// Sends `cmd` and reads its reply within the deadline.
fn call(
    conn: &mut Connection,
    cmd: &Cmd,
    deadline: &Deadline,
    effect: Effect,
) -> Result<Reply, Failure> {
    let unknown = |kind: &str, text: String| match effect {
        Effect::None => Failure::NoEffect(kind.into(), text),
        _ => Failure::Unknown(kind.into(), text),
    };
    let left = deadline.left().ok_or_else(timed_out)?;
    let timeouts = conn
        .set_read_timeout(Some(left))
        .and_then(|()| conn.set_write_timeout(Some(left)));
    if let Err(e) = timeouts {
        return Err(Failure::NoEffect("connection".into(), e.to_string()));
    }
    cmd.query::<Reply>(conn).map_err(|e| match e.code() {
        Some(code) => {
            let code = code.to_string();
            let definite = effect != Effect::Script || BEFORE_SCRIPT_WRITES.contains(&&*code);
            if definite {
                Failure::NoEffect(code, e.to_string())
            } else {
                Failure::Unknown(code, e.to_string())
            }
        }
        None if e.is_timeout() => unknown("net-timeout", e.to_string()),
        None => unknown("connection", e.to_string()),
    })
}

fn timed_out() -> Failure {
    Failure::NoEffect("net-timeout".into(), "no time left to send".into())
}

fn refused(kind: &str, why: &str) -> Completion {
    Completion::Fail(error_value(kind, why))
}

fn malformed(reply: &Reply) -> Failure {
    Failure::Unknown("malformed-response".into(), format!("{reply:?}"))
}

/// A bulk string or simple string as text.
fn text(reply: &Reply) -> Option<String> {
    match reply {
        Reply::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Reply::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// A register's value: nil, or the integer a bulk string holds.
fn read_value(reply: &Reply) -> Result<Value, Failure> {
    match reply {
        Reply::Nil => Ok(Value::Nil),
        other => (text(other))
            .and_then(|t| t.parse().ok())
            .map(Value::Int)
            .ok_or_else(|| Failure::NoEffect("malformed-response".into(), format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Reply {
        Reply::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn role_tells_primaries_from_replicas_and_names_the_primary() {
        let primary = Reply::Array(vec![bulk("master"), Reply::Int(10), Reply::Array(vec![])]);
        assert_eq!(parse_role(&primary), Role::Primary);
        let replica = Reply::Array(vec![
            bulk("slave"),
            bulk("10.77.0.1"),
            Reply::Int(6379),
            bulk("connected"),
            Reply::Int(10),
        ]);
        assert_eq!(parse_role(&replica), Role::Replica("10.77.0.1".into()));
        let sentinel = Reply::Array(vec![bulk("sentinel"), Reply::Array(vec![])]);
        assert_eq!(parse_role(&sentinel), Role::Other);
    }

    #[test]
    fn registers_read_nil_or_an_integer_and_anything_else_is_malformed() {
        assert_eq!(read_value(&Reply::Nil), Ok(Value::Nil));
        assert_eq!(read_value(&bulk("12")), Ok(Value::Int(12)));
        assert!(matches!(read_value(&bulk("x")), Err(Failure::NoEffect(..))));
    }

    #[test]
    fn scripts_take_their_keys_first() {
        let eval = script(RELEASE, &[LOCK]);
        let args: Vec<Vec<u8>> = eval
            .args_iter()
            .filter_map(|a| match a {
                redis::Arg::Simple(b) => Some(b.to_vec()),
                redis::Arg::Cursor => None,
            })
            .collect();
        assert_eq!(args[0], b"EVAL");
        assert_eq!(args[2], b"1");
        assert_eq!(args[3], LOCK.as_bytes());
    }
}
