//! The runtime-need programs of fixtures/go/needs built for `linux/<goarch>` as a test
//! asks: pure Go, cgo against glibc (dynamic, or static) with Debian's cross gcc, cgo
//! against musl (static, or dynamic) with zig; `libneed.so.1` for `sharedlib`; and
//! `verify FILE` with a `runs-on` list, to judge them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{go_env, run, Run};

/// How a program is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// `CGO_ENABLED=0`: static, Go's own resolver and user lookup.
    Pure,
    /// cgo against glibc with Debian's cross gcc: dynamic.
    Glibc,
    /// cgo against glibc, `-extldflags=-static`.
    GlibcStatic,
    /// cgo against musl with zig, dynamic (`/lib/ld-musl-<arch>.so.1`).
    Musl,
    /// cgo against musl with zig, `-extldflags=-static`.
    MuslStatic,
    /// cgo against glibc 2.38 with zig (`-target <arch>-linux-gnu.2.38`): dynamic, for a
    /// glibc newer than Debian 12's.
    Glibc238,
}

/// Debian's C cross compiler for a GOARCH (the host's gcc for the host's).
pub fn cross_gcc(goarch: &str) -> &'static str {
    if goarch == super::shared::host_arch() {
        return "gcc";
    }
    match goarch {
        "arm64" => "aarch64-linux-gnu-gcc",
        "arm" => "arm-linux-gnueabihf-gcc",
        "amd64" => "x86_64-linux-gnu-gcc",
        other => panic!("no cross gcc known for {other}"),
    }
}

/// zig's target for musl on a GOARCH.
fn zig_musl(goarch: &str) -> &'static str {
    match goarch {
        "arm64" => "aarch64-linux-musl",
        "amd64" => "x86_64-linux-musl",
        "arm" => "arm-linux-musleabihf",
        other => panic!("no musl target known for {other}"),
    }
}

/// Runs a command, failing the test with what ran and what it printed.
fn ok(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
    super::assert_succeeded_saying_all(&out, &format!("{cmd:?}: "));
}

/// `libneed.so.1` for `goarch` in `dir` (with the `libneed.so` link `-lneed` wants),
/// built from fixtures/go/needs/libneed/need.c with the cross gcc, without a C library
/// (so glibc's and musl's loaders both take it); returns `dir`.
pub fn libneed(goarch: &str, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let src = super::fixture("go/needs/libneed/need.c");
    ok(Command::new(cross_gcc(goarch))
        .args([
            "-shared",
            "-fPIC",
            "-nostdlib",
            "-Wl,-soname,libneed.so.1",
            "-o",
        ])
        .arg(dir.join("libneed.so.1"))
        .arg(src));
    let link = dir.join("libneed.so");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("libneed.so.1", &link).unwrap();
    dir.to_path_buf()
}

/// Builds `fixtures/go/needs/cmd/<cmd>` for `linux/<goarch>` linked as `link`, with
/// `cgo_ldflags` (e.g. `-L DIR -lneed -Wl,-rpath,...`), into `out`.
pub fn program(cmd: &str, goarch: &str, link: Link, cgo_ldflags: &str, out: &Path) -> PathBuf {
    build(&[cmd], goarch, link, cgo_ldflags, out);
    out.to_path_buf()
}

/// Builds several `cmds` of fixtures/go/needs at once (one `go build`) into the
/// directory `dir`, each named as its command; returns their paths in order.
pub fn programs(
    cmds: &[&str],
    goarch: &str,
    link: Link,
    cgo_ldflags: &str,
    dir: &Path,
) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    if cmds.len() == 1 {
        return vec![program(
            cmds[0],
            goarch,
            link,
            cgo_ldflags,
            &dir.join(cmds[0]),
        )];
    }
    // `-o DIR/` names each binary after its package's directory.
    build(cmds, goarch, link, cgo_ldflags, &dir.join(""));
    cmds.iter().map(|c| dir.join(c)).collect()
}

fn build(cmds: &[&str], goarch: &str, link: Link, cgo_ldflags: &str, out: &Path) {
    let mut env = go_env();
    env.insert("GOOS".into(), "linux".into());
    env.insert("GOARCH".into(), goarch.into());
    let mut ldflags = Vec::new();
    let cc = match link {
        Link::Pure => None,
        Link::Glibc | Link::GlibcStatic => Some(cross_gcc(goarch).to_string()),
        Link::Glibc238 => {
            let zig = super::find_zig().expect("zig (callers check with require_zig)");
            Some(format!(
                "{} cc -target {}-linux-gnu.2.38",
                zig.display(),
                zig_musl(goarch).split('-').next().unwrap_or("aarch64")
            ))
        }
        Link::Musl | Link::MuslStatic => {
            let zig = super::find_zig().expect("zig (callers check with require_zig)");
            let dynamic = if link == Link::Musl { " -dynamic" } else { "" };
            // Go's internal linker cannot link musl: the external one, as the tool does.
            ldflags.push("-linkmode=external".to_string());
            Some(format!(
                "{} cc -target {}{dynamic}",
                zig.display(),
                zig_musl(goarch)
            ))
        }
    };
    if matches!(link, Link::GlibcStatic | Link::MuslStatic) {
        ldflags.push("-linkmode=external".to_string());
        ldflags.push("-extldflags=-static".to_string());
    }
    ldflags.dedup();
    match cc {
        Some(cc) => {
            env.insert("CGO_ENABLED".into(), "1".into());
            env.insert("CC".into(), cc);
        }
        None => {
            env.insert("CGO_ENABLED".into(), "0".into());
        }
    }
    if !cgo_ldflags.is_empty() {
        env.insert("CGO_LDFLAGS".into(), cgo_ldflags.into());
    }
    let mut args = vec!["build".to_string(), "-o".to_string()];
    args.push(out.display().to_string());
    if !ldflags.is_empty() {
        args.push(format!("-ldflags={}", ldflags.join(" ")));
    }
    args.extend(cmds.iter().map(|cmd| format!("./cmd/{cmd}")));
    let o = Command::new("go")
        .args(&args)
        .current_dir(super::fixture("go/needs"))
        .env_clear()
        .envs(&env)
        .output()
        .expect("spawn go");
    super::assert_succeeded_saying_all(
        &o,
        &format!("go {args:?} ({link:?}, CGO_LDFLAGS={cgo_ldflags:?}): "),
    );
}

/// `verify FILE --target linux/<goarch>` in `dir`, whose `xbuild-go.toml` says
/// `runs-on = images` (relative image paths are taken from `dir`), build info not judged
/// and `static` as given; JSON output.
pub fn verify_runs_on(
    dir: &Path,
    file: &Path,
    target: &str,
    images: &[&str],
    static_: bool,
) -> Run {
    let list: Vec<String> = images.iter().map(|i| format!("{i:?}")).collect();
    std::fs::write(
        dir.join("xbuild-go.toml"),
        format!(
            "[build.verify]\nbuildinfo = false\n\n[profile.golden.verify]\nstatic = {static_}\nruns-on = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    run(
        dir,
        &[
            "verify",
            "--message-format",
            "json",
            &file.display().to_string(),
            "--target",
            target,
        ],
    )
}

/// `verify` of `file` (linux/<goarch>) in `dir` with `runs-on = images`: each image's
/// `runs-on.IMAGE` status, and its expected, actual and message in one text.
pub fn runs_on_verdicts(
    dir: &Path,
    file: &Path,
    target: &str,
    images: &[&str],
) -> Vec<(String, String)> {
    let r = verify_runs_on(dir, file, target, images, false);
    assert!(matches!(r.code, Some(0 | 1)), "{r}");
    let arts = r.artifacts();
    images
        .iter()
        .map(|i| {
            let c = super::check(&arts[0], &format!("runs-on.{i}"));
            (
                c["status"].as_str().unwrap_or("").to_string(),
                format!("{} | {} | {}", c["expected"], c["actual"], c["message"]),
            )
        })
        .collect()
}
