//! Live progress and go's streamed lines, on a real terminal: a tmux pane shows the
//! phase line and go's line while go is still running (its link waits for the test's
//! gate file, so "before go exits" is not a matter of timing); without a terminal, or
//! with -q, JSON, TERM=dumb or `never`, not one escape sequence is written.

mod util;

use std::path::Path;
use std::time::{Duration, Instant};

use util::*;

/// A `-toolexec` wrapper: the main package's compile says a line on stderr (go shows
/// it, after `# example.com/hello`, once the compile is done); the link then waits
/// until `gate` exists (a gate of "" does not wait).
fn toolexec(dir: &Path, gate: &str) -> std::path::PathBuf {
    let script = dir.join("toolexec.sh");
    let wait = if gate.is_empty() {
        String::new()
    } else {
        format!("while [ ! -e {gate} ]; do sleep 0.1; done")
    };
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \" $* \" in\n  *\" -V=full \"*) ;;\n  *\"/compile \"*\" -p main \"*) \
             echo \"slow-toolexec: compiling main\" >&2 ;;\n  *\"/link \"*) {wait} ;;\nesac\n\
             exec \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// A copy of the hello module whose main package no earlier build has compiled, so
/// go runs the compile and the link (through the wrapper) instead of using its cache.
fn fresh_hello() -> Project {
    let p = Project::copy_of("hello");
    let nonce = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    p.file(
        "nonce.go",
        &format!("package main\n\nconst nonce = {nonce:?}\n"),
    );
    p
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `env -i` with the base environment and `extra`, then the tool with `args`.
fn command_line(extra: &[(&str, &str)], args: &[&str]) -> String {
    let mut words = vec!["env".to_string(), "-i".to_string()];
    for (k, v) in base_env() {
        words.push(quote(&format!("{k}={v}")));
    }
    for (k, v) in extra {
        words.push(quote(&format!("{k}={v}")));
    }
    words.push(quote(&bin().display().to_string()));
    words.extend(args.iter().map(|a| quote(a)));
    words.join(" ")
}

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(dir: &Path, command: &str) -> Tmux {
        let socket = format!("xbuild-progress-{}-{}", std::process::id(), rand_suffix());
        let status = std::process::Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "160", "-y", "50", "-c"])
            .arg(dir)
            .arg(format!("{command}; echo EXIT=$?; sleep 600"))
            .env_remove("TMUX")
            .status()
            .expect("spawn tmux");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-J"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen holds every one of `want` (or fails, showing it).
    fn wait_for(&self, case: &str, want: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let screen = self.screen();
            if want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if screen.contains("EXIT=") || Instant::now() > deadline {
                panic!("case {case}: the screen never showed {want:?}:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[test]
fn progress_and_go_lines_are_on_screen_while_go_runs() {
    if !require_tool("tmux", "a pseudo-terminal to watch the progress on") {
        return;
    }
    // (case, targets, a progress line, go's line as shown, a line shown after)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "one target",
            "linux/amd64",
            &["building linux/amd64 (", "Building [", "] 0/1"],
            "\nslow-toolexec: compiling main",
        ),
        (
            "two targets",
            "linux/amd64,linux/arm64",
            &["building linux/amd64 (", "building linux/arm64 (", "] 0/2"],
            "[linux/arm64] slow-toolexec: compiling main",
        ),
    ];
    for (case, targets, progress, line) in cases {
        let p = fresh_hello();
        let gate = p.path().join("gate");
        let script = toolexec(p.path(), &gate.display().to_string());
        let cmd = command_line(
            &[("TERM", "xterm-256color")],
            &[
                "--target",
                targets,
                "-o",
                "dist/{name}-{os}-{arch}",
                "--",
                &format!("-toolexec={}", script.display()),
            ],
        );
        let tmux = Tmux::start(p.path(), &cmd);
        let mut want: Vec<&str> = progress.to_vec();
        want.push(line);
        let during = tmux.wait_for(case, &want);
        // Every link waits for the gate: go has not exited, nothing is verified yet.
        assert!(
            !during.contains("Verified") && !gate.exists(),
            "case {case}: go was already done:\n{during}"
        );
        std::fs::write(&gate, "").unwrap();
        let after = tmux.wait_for(case, &["EXIT="]);
        assert!(
            after.contains("EXIT=0") && after.contains("Verified dist/hello-linux-amd64"),
            "case {case}: the build did not succeed:\n{after}"
        );
        // The progress lines are gone; go's line stays where it was printed.
        assert!(
            !progress.iter().any(|l| after.contains(l)) && after.contains(line),
            "case {case}: after the run:\n{after}"
        );
    }
}

/// The tool's stderr under a pseudo-terminal (script), raw: every byte it wrote.
fn under_pty(dir: &Path, extra: &[(&str, &str)], args: &[&str]) -> String {
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &command_line(extra, args), "/dev/null"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("spawn script");
    assert!(
        out.status.success(),
        "{args:?} under a pty: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn no_escape_sequence_without_a_terminal_or_when_asked_not_to() {
    let p = fresh_hello();
    // The link takes a moment, so progress has time to be drawn where it may be.
    let script = toolexec(p.path(), "");
    let slow = format!("-toolexec={}", script.display());
    let build = |more: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["--color", "never", "-o", "dist/{name}-{os}-{arch}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(more.iter().map(|s| s.to_string()));
        a.push("--".into());
        a.push(slow.clone());
        a
    };
    // Not a terminal: nothing, whatever is asked.
    for (case, env, more) in [
        ("stderr piped", vec![], vec![]),
        ("--progress always", vec![], vec!["--progress", "always"]),
        (
            "CARGO_TERM_PROGRESS_WHEN=always",
            vec![("CARGO_TERM_PROGRESS_WHEN", "always")],
            vec![],
        ),
    ] {
        let args = build(&more);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut e = base_env();
        for (k, v) in &env {
            e.insert(k.to_string(), v.to_string());
        }
        let r = run_env(p.path(), &args, &e);
        assert_eq!(r.code, Some(0), "case {case}: {r}");
        assert!(
            r.stderr.contains("slow-toolexec: compiling main"),
            "case {case}: go's line is shown: {r}"
        );
        assert!(!r.stderr.contains('\x1b'), "case {case}: an escape: {r}");
    }
    if !require_tool("script", "a pseudo-terminal for the tool's stderr") {
        return;
    }
    let xterm = ("TERM", "xterm-256color");
    for (case, env, more, drawn) in [
        ("a terminal, auto", vec![xterm], vec![], true),
        ("a terminal, -q", vec![xterm], vec!["-q"], false),
        (
            "a terminal, json",
            vec![xterm],
            vec!["--message-format", "json"],
            false,
        ),
        ("TERM=dumb", vec![("TERM", "dumb")], vec![], false),
        (
            "TERM=dumb, always",
            vec![("TERM", "dumb")],
            vec!["--progress", "always"],
            false,
        ),
        (
            "--progress never",
            vec![xterm],
            vec!["--progress", "never"],
            false,
        ),
        (
            "CARGO_TERM_PROGRESS_WHEN=never",
            vec![xterm, ("CARGO_TERM_PROGRESS_WHEN", "never")],
            vec![],
            false,
        ),
        (
            "the flag wins over the variable",
            vec![xterm, ("CARGO_TERM_PROGRESS_WHEN", "never")],
            vec!["--progress", "auto"],
            true,
        ),
        ("auto under CI", vec![xterm, ("CI", "true")], vec![], false),
        (
            "always under CI",
            vec![xterm, ("CI", "true")],
            vec!["--progress", "always"],
            true,
        ),
    ] {
        // A fresh main package each time, so go runs the slow link again.
        p.file(
            "nonce.go",
            &format!("package main\n\nconst nonce = {:?}\n", case),
        );
        let args = build(&more);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = under_pty(p.path(), &env, &args);
        assert_eq!(
            out.contains('\x1b'),
            drawn,
            "case {case}: escape sequences {}:\n{out:?}",
            if drawn { "missing" } else { "written" }
        );
        if drawn {
            assert!(
                out.contains("building linux/arm64 ("),
                "case {case}: no progress line:\n{out:?}"
            );
        }
    }
}
