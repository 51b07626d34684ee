//! Durations in profile values and flags (`smoke-timeout = "30s"`, `--smoke-timeout`):
//! parsed once here, so the profile key and the flag accept the same spellings.

use std::time::Duration;

/// The smoke-run timeout when neither the profile nor the command line sets one.
pub const DEFAULT_SMOKE_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest smoke-run timeout accepted.
pub const MAX_SMOKE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Parses a smoke timeout: `3s`, `500ms`, `2m`, `1h`, or whole seconds (`20`). At least
/// 1 ms, at most [`MAX_SMOKE_TIMEOUT`].
pub fn parse_smoke_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a duration (expected e.g. 3s, 500ms or 2m)");
    let n: u64 = match num.parse() {
        Ok(n) => n,
        Err(_) if num.is_empty() => return Err(bad()),
        Err(_) => return Err(format!("`{s}` is out of range (at most 24h)")),
    };
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(format!("`{s}`: the timeout must be positive"));
    }
    if d > MAX_SMOKE_TIMEOUT {
        return Err(format!("`{s}` is out of range (at most 24h)"));
    }
    Ok(d)
}

/// `3s`, `1.5s`, `250ms`: a duration as the profile would spell it.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke_timeouts() {
        for (s, want) in [
            ("3s", Some(Duration::from_secs(3))),
            ("500ms", Some(Duration::from_millis(500))),
            ("2m", Some(Duration::from_secs(120))),
            ("20", Some(Duration::from_secs(20))),
            (" 30s ", Some(Duration::from_secs(30))),
            ("24h", Some(MAX_SMOKE_TIMEOUT)),
            ("25h", None),
            ("0s", None),
            ("s", None),
            ("", None),
            ("-3s", None),
            ("1.5s", None),
            ("3 fortnights", None),
            ("99999999999999999999999s", None),
            ("18446744073709551615m", None),
        ] {
            assert_eq!(parse_smoke_timeout(s).ok(), want, "timeout {s:?}");
        }
    }

    #[test]
    fn durations_show_as_written() {
        assert_eq!(show_duration(Duration::from_secs(3)), "3s");
        assert_eq!(show_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5s");
    }
}
