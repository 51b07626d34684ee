//! Bytes other programs read as they are: a shell completion script and the
//! completions the shell asks for (their separators are control characters, which
//! the cleaned output would escape).

use std::io::Write;

/// Writes `bytes` to stdout unchanged.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
