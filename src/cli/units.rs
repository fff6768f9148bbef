//! Durations and sizes as people type them.

use std::time::Duration;

/// Parses `10s`, `500ms`, `2m`, `1h`, or a bare number of seconds (`1.5`).
pub fn duration(text: &str) -> Result<Duration, String> {
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

/// Parses `512MiB`, `2GB`, `1G`, `100k`, or a bare number of bytes.
pub fn bytes(text: &str) -> Result<u64, String> {
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
        assert_eq!(duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(duration("soon").is_err());
    }

    #[test]
    fn sizes_accept_binary_units() {
        assert_eq!(bytes("512MiB").unwrap(), 512 << 20);
        assert_eq!(bytes("2G").unwrap(), 2 << 30);
        assert!(bytes("lots").is_err());
    }
}
