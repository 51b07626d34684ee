//! Escaping for each consumer of what the tool prints or writes: a person's terminal,
//! a GitHub runner reading a log, `sha256sum -c`, JUnit's XML, JSON readers of file names that are
//! not UTF-8. Every value that reaches one of them passes through here.

use std::borrow::Cow;
use std::path::Path;

/// Characters never written raw to a terminal or a CI log: C0 controls, DEL, C1
/// controls (ESC and CSI among them) and the bidirectional overrides that make text
/// read differently from what it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) || keep.contains(&c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A value (a file name, a variable's value, a profile string) for one line of a
/// terminal or a log: every unsafe character escaped, newlines and tabs included.
pub fn value(s: &str) -> Cow<'_, str> {
    escape(s, &[])
}

/// Free text that may span lines (a hint, go's output): unsafe characters escaped
/// except newline and tab.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, &['\n', '\t'])
}

/// A path as one escaped line (invalid UTF-8 as `\xNN`, unsafe characters escaped).
pub fn path(p: &Path) -> String {
    value(&lossless(p)).into_owned()
}

/// A path as text: valid UTF-8 kept, every byte of an invalid sequence written `\xNN`,
/// so different names never look alike (`display()` would give U+FFFD for both).
pub fn lossless(p: &Path) -> Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = p.as_os_str().as_bytes();
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    Cow::Owned(out)
}

/// The raw bytes of a path that is not UTF-8 (`None` for a UTF-8 path), for the JSON
/// `*_bytes` fields.
pub fn raw_bytes(p: &Path) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = p.as_os_str().as_bytes();
    std::str::from_utf8(bytes).is_err().then(|| bytes.to_vec())
}

/// Whether a GitHub runner would read this line as a workflow command: it trims
/// leading white space, then looks for `::` (and the legacy `##[`).
pub fn is_workflow_command(line: &str) -> bool {
    let t = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    t.starts_with("::") || t.starts_with("##[")
}

/// Text for a GitHub runner's log: a line that would be read as a workflow command gets
/// a leading backslash, so only the tool's own annotations are commands.
pub fn github_lines(text: &str) -> Cow<'_, str> {
    if !text.split('\n').any(is_workflow_command) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            if is_workflow_command(l) {
                format!("\\{l}")
            } else {
                l.to_string()
            }
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// A file name for a checksums line, as `sha256sum` writes it: when the name holds a
/// backslash, newline or carriage return, the line starts with a backslash and those are
/// written `\\`, `\n` and `\r`. Returns (escaped?, name bytes).
pub fn checksum_name(name: &[u8]) -> (bool, Vec<u8>) {
    if !name.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r')) {
        return (false, name.to_vec());
    }
    let mut out = Vec::with_capacity(name.len() + 4);
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
    (true, out)
}

/// `s` with the markup characters (`&`, `<`, `>`, `"`) as entities, and every other
/// character written by `rest`.
pub fn markup(s: &str, rest: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match markup_entity(c) {
            Some(entity) => out.push_str(entity),
            None => rest(c, &mut out),
        }
    }
    out
}

/// The entity of an HTML and XML markup character (`&`, `<`, `>`, `"`).
fn markup_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// Text for an XML attribute or element: markup characters as entities, tab, newline
/// and carriage return as character references (attribute values keep them), and the
/// control characters XML 1.0 cannot hold dropped.
pub fn xml(s: &str) -> String {
    markup(s, |c, out| match c {
        '\'' => out.push_str("&apos;"),
        '\t' => out.push_str("&#9;"),
        '\n' => out.push_str("&#10;"),
        '\r' => out.push_str("&#13;"),
        c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
        c => out.push(c),
    })
}

#[cfg(test)]
mod tests;
