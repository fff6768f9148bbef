//! Durations and sizes as people type them and as splitbrain prints them, side by side so the
//! two stay inverse: every printed duration reads back as the same duration.

use std::time::Duration;

/// Parses `10s`, `500ms`, `2m`, `1h`, or a bare number of seconds (`1.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Duration::from_secs_f64(x * scale)),
        _ => Err(format!(
            "expected a duration such as 30s, 500ms, 2m or 1.5, found {text:?}"
        )),
    }
}

/// Like [`parse_duration`], but a bare number is milliseconds: Maelstrom's `--latency MILLIS`,
/// so that `--latency 100` copied from its docs means 100 ms, not 100 s.
pub fn parse_millis(text: &str) -> Result<Duration, String> {
    let bare = text.trim();
    if !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_duration(&format!("{bare}ms"));
    }
    parse_duration(text)
}

/// Prints a duration the way [`parse_duration`] reads it: `1.5s`, `200ms`, `10s`.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() % 1_000_000 != 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}s", ms as f64 / 1000.0)
    }
}

/// Parses `512MiB`, `2GB`, `1G`, `100k`, or a bare number of bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let scale: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "expected a size such as 512MiB or 2G, found {text:?}"
            ))
        }
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok((x * scale) as u64),
        _ => Err(format!(
            "expected a size such as 512MiB or 2G, found {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_common_units() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn a_bare_latency_is_milliseconds_as_in_maelstrom() {
        assert_eq!(parse_millis("100"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_millis("2.5"), Ok(Duration::from_micros(2500)));
        assert_eq!(parse_millis("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_millis("10ms"), Ok(Duration::from_millis(10)));
        assert!(parse_millis("fast").is_err());
        assert!(parse_millis("").is_err());
    }

    #[test]
    fn durations_print_as_typed() {
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5s");
    }

    #[test]
    fn every_printed_duration_parses_back_to_itself() {
        let cases = [
            Duration::ZERO,
            Duration::from_millis(1),
            Duration::from_millis(999),
            Duration::from_millis(1001),
            Duration::from_secs(3600),
            Duration::from_micros(1500),
            Duration::from_nanos(2_500_000_123),
            Duration::from_secs_f64(0.1),
        ];
        for d in cases {
            let text = format_duration(d);
            let back = parse_duration(&text).unwrap();
            let error = back.abs_diff(d);
            assert!(
                error <= Duration::from_nanos(1),
                "{d:?} → {text} → {back:?}"
            );
        }
    }

    #[test]
    fn every_typed_duration_prints_as_one_that_reads_the_same() {
        for text in ["0s", "10s", "500ms", "2m", "1.5", "1h", "0.25s", "1500ms"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d, "{text}");
        }
    }

    #[test]
    fn sizes_accept_binary_units() {
        assert_eq!(parse_bytes("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("2G").unwrap(), 2 << 30);
        assert!(parse_bytes("lots").is_err());
    }
}
