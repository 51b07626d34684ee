//! The `--checksums` file, in the format `sha256sum` writes and `sha256sum -c` reads:
//! `HASH  NAME` lines, a name holding a backslash, newline or CR escaped with the line
//! starting with a backslash. A file that exists is merged: this run's names replace
//! their old lines in place, new names are appended, other lines are kept, so several
//! runs (targets, packages, CI jobs) can fill one file.

/// One line: the hex digest and the name as raw bytes (unescaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub sha256: String,
    pub name: Vec<u8>,
}

fn unescape(name: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    let mut it = name.iter();
    while let Some(&b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next()? {
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            _ => return None,
        }
    }
    Some(out)
}

/// Parses a checksums file; `Err((line, why))` for a line sha256sum would not read.
pub fn parse(text: &[u8]) -> Result<Vec<Entry>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| (i + 1, why.to_string());
        let (escaped, rest) = match line.strip_prefix(b"\\") {
            Some(r) => (true, r),
            None => (false, line),
        };
        if rest.len() < 66 || !rest[..64].iter().all(u8::is_ascii_hexdigit) {
            return Err(bad("not a `SHA256  NAME` line"));
        }
        // "  name" (text mode) or " *name" (binary mode).
        if rest[64] != b' ' || !matches!(rest[65], b' ' | b'*') {
            return Err(bad("not a `SHA256  NAME` line"));
        }
        let raw = &rest[66..];
        let name = if escaped {
            unescape(raw).ok_or_else(|| bad("a bad escape in the name"))?
        } else {
            raw.to_vec()
        };
        out.push(Entry {
            sha256: String::from_utf8_lossy(&rest[..64]).to_ascii_lowercase(),
            name,
        });
    }
    Ok(out)
}

/// `old` with every entry of `new` replacing the line of the same name (in place), and
/// the others appended in order.
pub fn merge(old: Vec<Entry>, new: &[Entry]) -> Vec<Entry> {
    let mut out: Vec<Entry> = old
        .into_iter()
        .map(|e| new.iter().find(|n| n.name == e.name).cloned().unwrap_or(e))
        .collect();
    for n in new {
        if !out.iter().any(|e| e.name == n.name) {
            out.push(n.clone());
        }
    }
    out
}

/// The file's bytes.
pub fn render(entries: &[Entry]) -> Vec<u8> {
    let mut text = Vec::new();
    for e in entries {
        let (escaped, name) = crate::sanitize::escape::checksum_name(&e.name);
        if escaped {
            text.push(b'\\');
        }
        text.extend_from_slice(e.sha256.as_bytes());
        text.extend_from_slice(b"  ");
        text.extend_from_slice(&name);
        text.push(b'\n');
    }
    text
}

#[cfg(test)]
mod tests;
