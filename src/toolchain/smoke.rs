//! Smoke runs: start a verified artifact once, natively when the host can run it,
//! otherwise under the matching qemu-user emulator, with an empty environment, the
//! artifact's directory as working directory, and a timeout.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::target::Target;

use super::HostEnv;

/// How an artifact can be started on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    Native,
    Emulator(PathBuf),
}

impl Runner {
    pub fn describe(&self) -> String {
        match self {
            Runner::Native => "natively".to_string(),
            Runner::Emulator(p) => format!(
                "under {}",
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        }
    }
}

/// Finds a way to run `target` here: natively, or `qemu-<arch>-static` / `qemu-<arch>`
/// on the host PATH.
pub fn find_runner(target: &Target, host: &HostEnv, cwd: &Path) -> Option<Runner> {
    let (os, arch) = crate::target::host();
    if target.goos() != "linux" || os != "linux" {
        return (target.goos() == os && target.goarch() == arch).then_some(Runner::Native);
    }
    if target.goarch() == arch {
        return Some(Runner::Native);
    }
    let qemu = target.arch()?.qemu?;
    let path = host.get("PATH").cloned().unwrap_or_default();
    [format!("qemu-{qemu}-static"), format!("qemu-{qemu}")]
        .iter()
        .find_map(|name| which::which_in(name, Some(&path), cwd).ok())
        .map(Runner::Emulator)
}

/// What a smoke run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeResult {
    pub code: Option<i32>,
    pub timed_out: bool,
    /// The first lines of stdout and stderr together.
    pub output: String,
}

/// Runs `artifact ARGS` once. Errors only when it cannot be started at all.
pub fn run(
    runner: &Runner,
    artifact: &Path,
    args: &[String],
    timeout: Duration,
) -> anyhow::Result<SmokeResult> {
    let dir = artifact.parent().unwrap_or(Path::new("/"));
    let (program, mut argv): (PathBuf, Vec<String>) = match runner {
        Runner::Native => (artifact.to_path_buf(), Vec::new()),
        Runner::Emulator(q) => (q.clone(), vec![artifact.display().to_string()]),
    };
    argv.extend(args.iter().cloned());
    let handle = duct::cmd(&program, &argv)
        .dir(dir)
        .full_env(std::collections::BTreeMap::<String, String>::new())
        .stdin_null()
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .start()
        .map_err(|e| anyhow::anyhow!("cannot start `{}`: {e}", program.display()))?;
    let started = Instant::now();
    let mut timed_out = false;
    let output = loop {
        match handle.try_wait() {
            Ok(Some(out)) => break out.clone(),
            Ok(None) if started.elapsed() >= timeout => {
                timed_out = true;
                let _ = handle.kill();
                break handle.wait()?.clone();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(anyhow::anyhow!("waiting for `{}`: {e}", program.display())),
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let first: Vec<&str> = text.lines().take(5).collect();
    Ok(SmokeResult {
        code: if timed_out {
            None
        } else {
            output.status.code()
        },
        timed_out,
        output: first.join("\n"),
    })
}
