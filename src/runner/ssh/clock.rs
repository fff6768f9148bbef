//! Clock faults on the hosts, the netns way (libfaketime preloaded, one timestamp file per
//! node: see [`clock_skew`]) but with the file, the read-back and the checks on the host:
//! - [`libfaketime`]: where the host has libfaketime, found before anything starts;
//! - [`refusal`]: the program a host would run, judged from the few kilobytes of it that
//!   [`clock_skew::classify`] reads (its head, its section headers and names), fetched with `od`
//!   rather than the whole binary;
//! - [`bump`]: the file rewritten (a temporary file renamed over it), then the offset read back
//!   with `date` under the node's environment between two reads of the host's real clock, and
//!   libfaketime looked for in the node's processes' maps — all in one ssh round trip.

use super::session::{quote, Session};
use crate::runner::clock_skew;
use crate::runner::effect::Effect;

/// The node's timestamp file, in its directory on the host.
pub const FILE: &str = "clock";

/// Where `session`'s host has libfaketime, or why clock faults cannot run there.
pub fn libfaketime(session: &Session) -> Result<String, String> {
    let candidates: Vec<&str> = clock_skew::LIBFAKETIME.to_vec();
    let script = format!(
        "for p in {}; do if [ -e \"$p\" ]; then printf %s \"$p\"; break; fi; done",
        quote(&candidates)
    );
    match session.run_script(&script, None) {
        Ok(path) if !path.trim().is_empty() => Ok(path.trim().to_string()),
        Ok(_) => Err(format!(
            "clock faults preload libfaketime, which {} does not have (looked in {}); install \
             it there with `apt-get install faketime`",
            session.login,
            candidates.join(", ")
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Why libfaketime cannot move the clock of `program` as `session`'s host would run it (`None`:
/// it can, or the program cannot be read there, in which case the read-back judges).
pub fn refusal(session: &Session, program: &str) -> Option<String> {
    clock_skew::refusal_by(program, |name| {
        let path = session
            .run_script(&format!("command -v {} || true", quote(&[name])), None)
            .ok()?;
        let path = path.trim().to_string();
        if path.is_empty() {
            return None;
        }
        let size: usize = (session.run(&["wc", "-c", &path]).ok()?)
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        let mut image = vec![0u8; size];
        read_into(session, &path, &mut image, 0, clock_skew::HEAD as u64)?;
        // The section headers, then the section names: two regions at most.
        for _ in 0..2 {
            let Some((at, len)) = clock_skew::next_region(&image) else {
                break;
            };
            read_into(session, &path, &mut image, at, len)?;
        }
        Some((
            format!("{path} on {}", session.login),
            clock_skew::classify(&image),
        ))
    })
}

/// Reads `len` bytes at `at` of the host's file `path` into `image` (clipped to its size).
fn read_into(session: &Session, path: &str, image: &mut [u8], at: u64, len: u64) -> Option<()> {
    let start = usize::try_from(at).ok()?.min(image.len());
    let end = start
        .saturating_add(usize::try_from(len).ok()?)
        .min(image.len());
    if start == end {
        return Some(());
    }
    let out = session
        .run(&[
            "od",
            "-An",
            "-v",
            "-tx1",
            &format!("-j{start}"),
            &format!("-N{}", end - start),
            path,
        ])
        .ok()?;
    let bytes = out
        .split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let n = bytes.len().min(end - start);
    image[start..start + n].copy_from_slice(&bytes[..n]);
    Some(())
}

/// The shell command creating [`FILE`] at `+0` in the current directory if absent (so a
/// restarted node keeps its skew).
pub fn create_file() -> String {
    format!(
        "{{ [ -e {FILE} ] || printf '%s\\n' {zero} > {FILE}; }}",
        zero = clock_skew::spell(0)
    )
}

/// The `env` command running a node under libfaketime `lib`, reading its offset from [`FILE`]
/// in the directory it starts in (the start script has `cd`'d there).
pub fn env(lib: &str) -> String {
    let vars: Vec<String> = clock_skew::faketime_env(lib, "")
        .into_iter()
        .map(|(k, v)| {
            if k == "FAKETIME_TIMESTAMP_FILE" {
                format!("{k}=\"$PWD/{FILE}\"")
            } else {
                format!("{k}={}", quote(&[&v]))
            }
        })
        .collect();
    format!("env {}", vars.join(" "))
}

/// Sets the clock of the node in `dir` on `session`'s host `offset_ms` off the host's real
/// one; the effect: the offset read back and, given the node's process `group`, libfaketime
/// seen mapped in one of its processes.
pub fn bump(session: &Session, dir: &str, lib: &str, offset_ms: i64, group: Option<u32>) -> Effect {
    let file = format!("{dir}/{FILE}");
    let env: Vec<String> = clock_skew::faketime_env(lib, &file)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    let mut script = format!(
        "printf '%s\\n' {offset} > {tmp} && mv {tmp} {file} && date +%s%N && {faked} && date +%s%N",
        offset = clock_skew::spell(offset_ms),
        tmp = quote(&[&format!("{file}.tmp")]),
        file = quote(&[&file]),
        faked = quote(&[&["env"][..], &env, &["date", "+%s%N"]].concat()),
    );
    if let Some(group) = group {
        script.push_str(&format!(
            "; m=gone; for p in $(ps -o pid= --sid {group}); do m=no; \
             if grep -q libfaketime /proc/$p/maps 2>/dev/null; then m=yes; break; fi; done; \
             echo $m"
        ));
    }
    let out = session.run_script(&script, None);
    let lines: Vec<String> = match &out {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(e) => vec![e.to_string()],
    };
    let read = match (out.is_ok(), &lines[..]) {
        (true, [before, shown, after, ..]) => {
            match (before.parse(), shown.parse(), after.parse()) {
                (Ok(b), Ok(s), Ok(a)) => Ok(clock_skew::offset_seen(b, s, a)),
                _ => Err(format!("date printed {lines:?}")),
            }
        }
        _ => Err(lines.join("; ")),
    };
    let mapped = group.map(|_| match lines.get(3).map(String::as_str) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    });
    clock_skew::judge_bump(offset_ms, read, mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::clock_skew::Binary;

    #[test]
    fn a_node_starts_with_its_file_created_once_and_libfaketime_pointed_at_it() {
        assert_eq!(
            create_file(),
            "{ [ -e clock ] || printf '%s\\n' +0.000 > clock; }"
        );
        let e = env("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
        assert_eq!(
            e,
            "env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
             FAKETIME_TIMESTAMP_FILE=\"$PWD/clock\" FAKETIME_NO_CACHE=1"
        );
    }

    #[test]
    fn a_binary_with_only_its_head_and_sections_read_is_classified_as_a_whole() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let mut image = vec![0u8; me.len()];
        image[..clock_skew::HEAD].copy_from_slice(&me[..clock_skew::HEAD]);
        let mut reads = 0;
        while let Some((at, len)) = clock_skew::next_region(&image) {
            let (at, len) = (at as usize, len as usize);
            image[at..at + len].copy_from_slice(&me[at..at + len]);
            reads += 1;
            assert!(reads <= 2, "at most two regions");
        }
        assert_eq!(clock_skew::classify(&image), Binary::Dynamic);
        assert_eq!(reads, 2);
        if let Ok(etcd) = std::fs::read("/usr/bin/etcd") {
            let mut image = vec![0u8; etcd.len()];
            image[..clock_skew::HEAD].copy_from_slice(&etcd[..clock_skew::HEAD]);
            while let Some((at, len)) = clock_skew::next_region(&image) {
                let (at, len) = (at as usize, len as usize);
                image[at..at + len].copy_from_slice(&etcd[at..at + len]);
            }
            assert_eq!(clock_skew::classify(&image), Binary::Go);
        }
    }
}
