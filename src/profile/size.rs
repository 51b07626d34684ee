//! Sizes as `verify.max-size` takes them: `40MiB`, `1.5 KiB`, `2000000`.

/// Parses a size such as `40MiB`, `1.5 KiB`, `512k`, `2000000` into bytes (a fraction
/// of a byte is dropped). Exact integer arithmetic: a size past `u64::MAX` bytes is an
/// error, never a silently clamped value.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let not_a_size = || format!("`{s}` is not a size (expected e.g. 40MiB)");
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(not_a_size());
    }
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "k" | "K" | "KB" | "kB" => 1000,
        "KiB" => 1 << 10,
        "M" | "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "G" | "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}` (use B, KB, KiB, MB, MiB, GB or GiB)"
            ))
        }
    };
    let too_large = || {
        format!(
            "`{s}` is out of range: a size is at most {} bytes",
            u64::MAX
        )
    };
    let whole = if int.is_empty() {
        0
    } else {
        int.parse::<u64>().map_err(|_| too_large())?
    };
    // The fraction times the unit, in whole bytes: digits past the 12th cannot reach a
    // byte (the largest unit is below 10^10).
    let digits = &frac[..frac.len().min(12)];
    let scale = 10u128.pow(digits.len() as u32);
    let part = if digits.is_empty() {
        0
    } else {
        digits.parse::<u128>().map_err(|_| not_a_size())? * u128::from(mult) / scale
    };
    u128::from(whole)
        .checked_mul(u128::from(mult))
        .and_then(|b| b.checked_add(part))
        .and_then(|b| u64::try_from(b).ok())
        .ok_or_else(too_large)
}
