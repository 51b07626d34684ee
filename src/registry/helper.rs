//! Docker credential helpers: `docker-credential-NAME get`, the server URL on stdin,
//! `{"Username": …, "Secret": …}` on stdout (a `<token>` user means the secret is an
//! identity token). Found on the environment's PATH, run with that environment, in
//! `/`, in its own process group, killed after [`HELPER_TIMEOUT`]; at most
//! [`HELPER_OUTPUT`] bytes of its output are read. Its output is never shown: a
//! failure is reported by status and the first line of its stderr.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long a helper may take.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// The most bytes of a helper's stdout (and of its stderr) read.
pub const HELPER_OUTPUT: u64 = 64 << 10;

/// What a helper answered.
pub enum Answer {
    /// A user name and password.
    Basic(String, String),
    /// An identity (refresh) token.
    IdentityToken(String),
    /// The helper knows no credentials for that server.
    NotFound,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Whether `name` may name a helper (`docker-credential-NAME`): letters, digits, `.`,
/// `_` and `-`, so a config file cannot point at a path.
pub fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// The helper's program on the environment's PATH.
pub fn locate(name: &str, env: &BTreeMap<String, String>) -> Result<PathBuf, String> {
    let program = format!("docker-credential-{name}");
    if !name_ok(name) {
        return Err(format!(
            "`{}` is not a credential helper name (letters, digits, `.`, `_`, `-`)",
            name.escape_debug()
        ));
    }
    crate::toolchain::locate::find_tool(
        &program,
        env.get("PATH").map(String::as_str),
        Path::new("/"),
    )
    .ok_or_else(|| format!("`{program}` is not on PATH"))
}

/// Reads a pipe to its end on a thread, keeping at most `cap` bytes; the bytes arrive
/// on the channel when the pipe closes.
fn drain(mut r: impl Read + Send + 'static, cap: u64) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut r).take(cap).read_to_end(&mut kept);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
        let _ = tx.send(kept);
    });
    rx
}

/// The bytes of a drained pipe, waiting until `deadline`; past it the helper's group
/// (whatever still holds the pipe open) is killed first.
fn collect(rx: &mpsc::Receiver<Vec<u8>>, deadline: Instant, kill: &dyn Fn()) -> Vec<u8> {
    let left = deadline.saturating_duration_since(Instant::now());
    rx.recv_timeout(left).unwrap_or_else(|_| {
        kill();
        rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
    })
}

/// Runs `program get` for `server` with exactly `env`.
pub fn get(program: &Path, server: &str, env: &BTreeMap<String, String>) -> Result<Answer, String> {
    let shown = format!("`{} get`", crate::sanitize::escape::path(program));
    let mut child = Command::new(program)
        .arg("get")
        .env_clear()
        .envs(env)
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let pgid = child.id() as libc::pid_t;
    let kill = || {
        // SAFETY: signals the process group this function made; no memory is touched.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    };
    let (Some(stdout), Some(stderr), Some(mut stdin)) =
        (child.stdout.take(), child.stderr.take(), child.stdin.take())
    else {
        kill();
        let _ = child.wait();
        return Err(format!("cannot talk to {shown}: no pipes"));
    };
    let out = drain(stdout, HELPER_OUTPUT);
    let err = drain(stderr, HELPER_OUTPUT);
    // A helper that exits without reading its input is not an error here.
    let _ = stdin.write_all(server.as_bytes());
    drop(stdin);
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= HELPER_TIMEOUT => {
                kill();
                let _ = child.wait();
                return Err(format!(
                    "{shown} did not finish within {} s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill();
                return Err(format!("waiting for {shown}: {e}"));
            }
        }
    };
    // Something it left running may hold a pipe open: the group is killed then (while
    // a member lives, its id cannot be taken by another group).
    let deadline = start + HELPER_TIMEOUT;
    let stdout = collect(&out, deadline, &kill);
    let stderr = collect(&err, deadline, &kill);
    if !status.success() {
        let said = String::from_utf8_lossy(&stdout);
        if said.to_ascii_lowercase().contains("credentials not found") {
            return Ok(Answer::NotFound);
        }
        let code = status
            .code()
            .map_or("a signal".to_string(), |c| format!("status {c}"));
        let line = super::first_line(&stderr);
        return Err(if line.is_empty() {
            format!("{shown} failed with {code}")
        } else {
            format!("{shown} failed with {code}: {line}")
        });
    }
    let reply: Reply = serde_json::from_slice(&stdout).map_err(|e| {
        format!(
            "{shown} printed no credentials JSON (line {}, column {}; expected {{\"Username\":…,\"Secret\":…}})",
            e.line(),
            e.column()
        )
    })?;
    if reply.secret.is_empty() {
        return Ok(Answer::NotFound);
    }
    Ok(if reply.username == "<token>" {
        Answer::IdentityToken(reply.secret)
    } else {
        Answer::Basic(reply.username, reply.secret)
    })
}
