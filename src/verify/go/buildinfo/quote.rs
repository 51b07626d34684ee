//! Go string literals: `strconv.Quote` and `strconv.Unquote`, as the module info uses them
//! for keys and values with blanks, quotes or `=`.

/// Whether Go quotes a build setting key (`runtime/debug.quoteKey`).
pub fn key_needs_quotes(key: &str) -> bool {
    key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`'])
}

/// Whether Go quotes a build setting value (`runtime/debug.quoteValue`).
pub fn value_needs_quotes(value: &str) -> bool {
    value.contains([' ', '\t', '\r', '\n', '"', '`'])
}

/// Unquotes a whole Go string literal, `"..."` or `` `...` `` (`strconv.Unquote`).
pub fn unquote(s: &str) -> Result<String, String> {
    let (value, used) = unquote_prefix(s)?;
    if used != s.len() {
        return Err(format!(
            "unexpected text after the closing quote at byte {used}"
        ));
    }
    Ok(value)
}

/// Unquotes the Go string literal at the start of `s` (`strconv.QuotedPrefix` plus
/// `strconv.Unquote`): the value and the length of the literal.
///
/// Double-quoted: `\a \b \f \n \r \t \v \\ \"`, `\xNN`, `\NNN` (octal, at most 255),
/// `\uNNNN`, `\UNNNNNNNN` (valid Unicode scalar values only); no raw newline; `\'` is an
/// error. Back-quoted: taken verbatim, carriage returns dropped. `\x` and octal escapes make
/// single bytes; a result that is not UTF-8 is converted lossily (U+FFFD), since keys and
/// values are Rust strings.
pub fn unquote_prefix(s: &str) -> Result<(String, usize), String> {
    let b = s.as_bytes();
    match b.first() {
        Some(b'`') => {
            let Some(close) = b.iter().skip(1).position(|&c| c == b'`') else {
                return Err("back-quoted string has no closing back quote".to_string());
            };
            let body = s.get(1..1 + close).unwrap_or("");
            Ok((body.replace('\r', ""), close + 2))
        }
        Some(b'"') => {
            let mut out: Vec<u8> = Vec::with_capacity(s.len());
            let mut i = 1;
            loop {
                let Some(&c) = b.get(i) else {
                    return Err("quoted string has no closing quote".to_string());
                };
                match c {
                    b'"' => break,
                    b'\n' => return Err(format!("raw newline at byte {i} in a quoted string")),
                    b'\\' => {
                        i = unescape(b, i, &mut out)?;
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            let value = match String::from_utf8(out) {
                Ok(v) => v,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            Ok((value, i + 1))
        }
        _ => Err("not a quoted string".to_string()),
    }
}

/// Decodes the escape at `b[at]` (a backslash) into `out`; returns the index after it.
pub(super) fn unescape(b: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let bad = |what: &str| format!("{what} at byte {at}");
    let Some(&c) = b.get(at + 1) else {
        return Err(bad("backslash at the end"));
    };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(v);
        return Ok(at + 2);
    }
    let digits = |n: usize, radix: u32| -> Result<u32, String> {
        let raw = b.get(at + 2..at + 2 + n).ok_or_else(|| {
            bad(&format!(
                "escape \\{} needs {n} digits",
                char::from(c).escape_default()
            ))
        })?;
        raw.iter().try_fold(0u32, |acc, &d| {
            char::from(d)
                .to_digit(radix)
                .map(|v| acc * radix + v)
                .ok_or_else(|| bad(&format!("bad digit {:?} in escape", char::from(d))))
        })
    };
    match c {
        b'x' => {
            let v = digits(2, 16)?;
            out.push(v as u8);
            Ok(at + 4)
        }
        b'u' | b'U' => {
            let n = if c == b'u' { 4 } else { 8 };
            let v = digits(n, 16)?;
            let ch = char::from_u32(v)
                .ok_or_else(|| bad(&format!("escape U+{v:04X} is not a Unicode scalar value")))?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(at + 2 + n)
        }
        b'0'..=b'7' => {
            let raw = b
                .get(at + 1..at + 4)
                .ok_or_else(|| bad("octal escape needs 3 digits"))?;
            let v = raw.iter().try_fold(0u32, |acc, &d| match d {
                b'0'..=b'7' => Ok(acc * 8 + u32::from(d - b'0')),
                _ => Err(bad(&format!(
                    "bad digit {:?} in octal escape",
                    char::from(d)
                ))),
            })?;
            let v = u8::try_from(v).map_err(|_| bad(&format!("octal escape {v:o} is over 255")))?;
            out.push(v);
            Ok(at + 4)
        }
        _ => Err(bad(&format!(
            "unknown escape \\{}",
            char::from(c).escape_default()
        ))),
    }
}

/// Quotes `s` as Go's `strconv.Quote` does, for rendering build settings. Exact for ASCII;
/// for other characters Go's `unicode.IsPrint` is approximated (controls, non-ASCII spaces,
/// common format characters and private use are escaped).
pub fn quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII characters.
pub(super) fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || matches!(u,
            0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
            | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb
            | 0xe000..=0xf8ff | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..)
        || u & 0xfffe == 0xfffe)
}
