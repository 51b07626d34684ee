//! Running the tool under a time and memory guard, for hostile inputs: the child is
//! killed after [`KILL_AFTER`] (a failure), its peak memory is read from `wait4`'s
//! rusage, and its output is counted (and kept up to a few MiB). Also real executables
//! to mutate: Go's hello built for any target, cached across test runs.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{base_env, bin, fixture, Run};

/// A child still running after this is killed, and the case fails.
pub const KILL_AFTER: Duration = Duration::from_secs(10);
/// Peak resident memory a case may use.
pub const MAX_RSS_KIB: u64 = 256 * 1024;
/// Output a case may print (stdout and stderr together), per file verified.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Output kept for messages; the rest is counted.
const KEEP: usize = 4 << 20;

/// One guarded run.
pub struct Bounded {
    pub run: Run,
    pub elapsed: Duration,
    /// Peak resident set of the child, KiB.
    pub max_rss_kib: u64,
    pub killed: bool,
    /// Bytes written to stdout and stderr.
    pub output_len: usize,
}

impl std::fmt::Display for Bounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clip = |s: &str| {
            if s.len() > 4000 {
                let mut end = 4000;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}... [{} bytes]", &s[..end], s.len())
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "command: {}\nstatus: {:?}{}\ntime: {:?}\npeak RSS: {} KiB\noutput: {} bytes\n--- stdout\n{}\n--- stderr\n{}",
            self.run.cmd,
            self.run.code,
            if self.killed { " (killed by the guard)" } else { "" },
            self.elapsed,
            self.max_rss_kib,
            self.output_len,
            clip(&self.run.stdout),
            clip(&self.run.stderr)
        )
    }
}

impl Bounded {
    /// Asserts the run finished in time, within the memory bound, and printed at most
    /// `files` MiB.
    pub fn within_bounds(&self, files: usize) -> &Self {
        eprintln!(
            "guard: {:?} in {:?}, peak RSS {} KiB, {} bytes of output: {}",
            self.run.code,
            self.elapsed,
            self.max_rss_kib,
            self.output_len,
            self.run.cmd.rsplit('/').next().unwrap_or("")
        );
        assert!(!self.killed, "still running after {KILL_AFTER:?}\n{self}");
        assert!(
            self.max_rss_kib <= MAX_RSS_KIB,
            "peak RSS {} KiB over {MAX_RSS_KIB} KiB\n{self}",
            self.max_rss_kib
        );
        assert!(
            self.output_len <= MAX_OUTPUT * files.max(1),
            "{} bytes of output for {files} files\n{self}",
            self.output_len
        );
        assert!(
            !self.run.stderr.contains("panic"),
            "a panic reached the output\n{self}"
        );
        self
    }

    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.run.code, Some(want), "unexpected exit code\n{self}");
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.run.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<(Vec<u8>, usize)> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0;
        let mut buf = [0u8; 64 << 10];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
            let room = KEEP.saturating_sub(kept.len()).min(n);
            kept.extend_from_slice(&buf[..room]);
        }
        (kept, total)
    })
}

/// The peak resident set of a stopped process's memory, from /proc (KiB).
fn vm_hwm(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the tool with the base environment in `cwd`, under the guard.
///
/// Peak memory: `wait4`'s maxrss would include the RSS of this (large) test process,
/// which the kernel counts for the child when it execs from a copy of it. So the child
/// is traced (PTRACE_TRACEME) and stopped as it exits (PTRACE_O_TRACEEXIT), when its own
/// memory's high-water mark (VmHWM) is read; signals it gets on the way are passed on.
// The child is reaped by waitpid here, not by std's wait.
#[allow(clippy::zombie_processes)]
pub fn run_bounded(cwd: &Path, args: &[&str]) -> Bounded {
    use std::os::unix::process::CommandExt as _;
    let env = base_env();
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(&env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: ptrace(PTRACE_TRACEME) is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn cargo-xbuild-go");
    let out = drain(child.stdout.take().expect("stdout"));
    let err = drain(child.stderr.take().expect("stderr"));
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let mut status: libc::c_int = 0;
    let mut killed = false;
    let mut hwm = None;
    let mut first_stop = true;
    loop {
        // SAFETY: pid is our unreaped (traced) child; status is a valid pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == 0 {
            if start.elapsed() > KILL_AFTER && !killed {
                // SAFETY: the child is not reaped yet, so the pid is still ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                killed = true;
            }
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        assert_eq!(r, pid, "waitpid: {}", std::io::Error::last_os_error());
        if !libc::WIFSTOPPED(status) {
            break; // exited or killed
        }
        let sig = libc::WSTOPSIG(status);
        let mut pass = 0;
        if first_stop && sig == libc::SIGTRAP {
            // Stopped after exec: stop it again as it exits; kill it if we die.
            first_stop = false;
            let opts = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
            // SAFETY: a stopped tracee of ours.
            unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, opts) };
        } else if status >> 8 == (libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8)) {
            hwm = vm_hwm(pid);
        } else {
            pass = sig;
        }
        // SAFETY: a stopped tracee of ours; `pass` is 0 or the signal it stopped with.
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, pass) };
    }
    let elapsed = start.elapsed();
    let (stdout, n_out) = out.join().expect("stdout reader");
    let (stderr, n_err) = err.join().expect("stderr reader");
    let code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    Bounded {
        run: Run {
            cmd: format!(
                "{}{}",
                bin().display(),
                args.iter().map(|a| format!(" {a:?}")).collect::<String>()
            ),
            cwd: cwd.to_path_buf(),
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
        elapsed,
        max_rss_kib: hwm.unwrap_or_else(|| {
            assert!(
                killed,
                "no exit stop of the traced child\n{}",
                String::from_utf8_lossy(&stderr)
            );
            0
        }),
        killed,
        output_len: n_out + n_err,
    }
}

/// fixtures/go/hello built with `go build` for `target` (`GOOS/GOARCH[/GOARM]`) and
/// `ldflags`, cached under the test target directory so each is built once.
pub fn go_hello(target: &str, ldflags: &str, cgo: bool) -> PathBuf {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let mut parts = target.split('/');
    let (goos, goarch) = (parts.next().unwrap(), parts.next().unwrap());
    let variant = parts.next();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("go-seeds");
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!(
        "hello-{}{}{}",
        target.replace('/', "-"),
        if ldflags.is_empty() {
            String::new()
        } else {
            format!("-{}", ldflags.replace([' ', '-'], ""))
        },
        if cgo { "-cgo" } else { "" }
    );
    let out = dir.join(&name);
    if out.exists() {
        return out;
    }
    let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    let mut env: BTreeMap<String, String> = base_env();
    env.insert("GOOS".into(), goos.into());
    env.insert("GOARCH".into(), goarch.into());
    if let Some(v) = variant {
        env.insert("GOARM".into(), v.trim_start_matches('v').into());
    }
    env.insert("CGO_ENABLED".into(), if cgo { "1" } else { "0" }.into());
    env.insert("GOFLAGS".into(), "-buildvcs=false".into());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    let st = Command::new("go")
        .args(["build", "-trimpath", "-ldflags", ldflags, "-o"])
        .arg(&tmp)
        .arg(".")
        .current_dir(fixture("go/hello"))
        .env_clear()
        .envs(&env)
        .status()
        .expect("go on PATH");
    assert!(st.success(), "go build of hello for {target} ({ldflags})");
    std::fs::rename(&tmp, &out).unwrap();
    out
}
