//! Running a found tool to learn about it: one bounded probe (exact environment, in
//! `/`, stdin closed, a timeout), and what doctor, zig and smoke ask with it (`go
//! version`, `go env -json`, `CC -print-sysroot`); and the file-system probes of a
//! directory (usage, writability, a Go root's VERSION). The bottom of `toolchain`
//! with [`super::locate`]: it imports nothing above it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one probe (`go version`, `go env`, `zig version`, ...) may take before it is given up.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `program args` with exactly `env`, in `/`, and returns its stdout. The error
/// names the command and says what went wrong (could not start, timed out, status).
pub fn probe(
    program: &Path,
    args: &[&str],
    env: &BTreeMap<String, String>,
) -> Result<String, String> {
    let shown = format!("`{} {}`", program.display(), args.join(" "));
    let handle = duct::cmd(program, args)
        .dir("/")
        .full_env(env)
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .start()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let out = match handle.wait_timeout(PROBE_TIMEOUT) {
        Ok(Some(out)) => out,
        Ok(None) => {
            let _ = handle.kill();
            return Err(format!(
                "{shown} did not finish within {} s",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("waiting for {shown}: {e}")),
    };
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or("a signal".to_string(), |c| format!("status {c}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = stderr.trim();
        return Err(if said.is_empty() {
            format!("{shown} failed with {code}")
        } else {
            format!("{shown} failed with {code}: {said}")
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The version word of `go version` output: `go version go1.26.8 linux/amd64` →
/// `go1.26.8` (`devel go1.27-abc` for development builds).
pub fn parse_version_output(out: &str) -> Option<String> {
    let line = out.lines().next()?.trim();
    let mut words = line.strip_prefix("go version ")?.split_whitespace();
    match words.next()? {
        "devel" => Some(format!("devel {}", words.next().unwrap_or(""))),
        w => Some(w.to_string()),
    }
}

/// `<go> version`, run with `env`.
pub fn go_version(go: &Path, env: &BTreeMap<String, String>) -> Result<String, String> {
    let out = probe(go, &["version"], env)?;
    parse_version_output(&out).ok_or_else(|| {
        format!(
            "`{} version` printed no version: {:?}",
            go.display(),
            out.trim()
        )
    })
}

/// `<go> env -json KEYS...`, run with `env`.
pub fn go_env(
    go: &Path,
    keys: &[&str],
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut args = vec!["env", "-json"];
    args.extend_from_slice(keys);
    let out = probe(go, &args, env)?;
    serde_json::from_str(&out).map_err(|e| {
        format!(
            "`{} env -json` printed no JSON object ({e}): {:?}",
            go.display(),
            out.trim()
        )
    })
}

/// Total bytes and files under `dir` (symlinks not followed, unreadable parts skipped).
pub fn dir_usage(dir: &Path) -> (u64, u64) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut bytes, mut files) = (0u64, 0u64);
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(e.path());
            } else if kind.is_file() {
                if let Ok(m) = e.metadata() {
                    bytes += m.len();
                    files += 1;
                }
            }
        }
    }
    (bytes, files)
}

/// Whether a file can be created in `dir` (an anonymous temporary file, gone at once).
pub fn writable(dir: &Path) -> Result<(), String> {
    tempfile::tempfile_in(dir)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The first line of `root/VERSION` when it names a Go release.
pub fn root_version(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("VERSION")).ok()?;
    let first = text.lines().next()?.trim();
    first.starts_with("go").then(|| first.to_string())
}

/// What `CC -print-sysroot` names, when it is an existing directory other than `/` (`cc`
/// split as go splits `CC`, looked up on `env`'s PATH and run with `env`).
pub fn cc_sysroot(
    cc: &str,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Option<PathBuf>, String> {
    let words = crate::verify::go_split(cc).unwrap_or_default();
    let Some((program, args)) = words.split_first() else {
        return Ok(None);
    };
    let path = env.get("PATH").map(String::as_str).unwrap_or("");
    let program = which::which_in(program, Some(path), cwd)
        .map_err(|_| format!("CC `{program}` is not on PATH"))?;
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.push("-print-sysroot");
    let out = probe(&program, &args, env)?;
    let printed = out.trim();
    if printed.is_empty() {
        return Ok(None);
    }
    let dir = cwd.join(printed);
    let is_root = std::fs::canonicalize(&dir).is_ok_and(|d| d == Path::new("/"));
    Ok((dir.is_dir() && !is_root).then_some(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_output() {
        for (out, want) in [
            ("go version go1.26.8 linux/amd64\n", Some("go1.26.8")),
            (
                "go version go1.23.0 X:nocoverageredesign linux/arm64",
                Some("go1.23.0"),
            ),
            (
                "go version devel go1.27-abc123 Tue linux/amd64",
                Some("devel go1.27-abc123"),
            ),
            ("hello", None),
            ("", None),
        ] {
            assert_eq!(
                parse_version_output(out).as_deref(),
                want,
                "parsing {out:?}"
            );
        }
    }
}
