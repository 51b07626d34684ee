//! `doctor`: probes of the toolchain and the environment, judged into ok / warn /
//! error lines, each with its fix: which `go` and why, its version against its own
//! root, other `go`s on PATH, GOROOT, the `go env -w` file, exported build variables,
//! the host and the caches, the profile's `go` requirement, and per target a C
//! compiler for cgo and a qemu-user emulator for smoke runs.
//!
//! Doctor is not the build path, so it may run `go version` and `go env`. Probes run
//! with an environment built as data from the host value (never our own environment),
//! in `/`, with `GOTOOLCHAIN=local` so a probe never downloads a toolchain.
//!
//! Doctor only judges: the tools are found and run by [`super::locate`] and
//! [`super::probe`]. By area: `go` (the go binary, its root, GOROOT, the profile's
//! requirement), `env` (the `go env -w` file and exported variables), `host` (the
//! host and the caches), `cc` (zig and the C compiler of cgo builds), `qemu`
//! (smoke runs of each target), `cache` (the remote Go build cache program).

mod cache;
mod cc;
mod check;
mod env;
mod go;
mod host;
mod qemu;
#[cfg(test)]
mod tests;

pub use check::{Check, Inputs, Level};
pub use env::effect;
pub use go::GO_ENV_KEYS;

use cache::cache_line;
use cc::{cgo_line, zig_line};
use env::{env_lines, goenv_lines};
use go::{
    go_line, goroot_line, other_gos, own_env, probe_toolchain, profile_line, requirement_line,
    version_line,
};
use host::{host_and_caches, host_platform};
use qemu::qemu_line;

/// Runs every probe and returns the lines in screen order.
pub fn diagnose(i: &Inputs) -> Vec<Check> {
    let mut out = Vec::new();
    let own = own_env(i.host, i.goenv);
    let toolchain =
        i.go.as_ref()
            .ok()
            .map(|go| probe_toolchain(go, i.host, &own));

    match (&i.go, &toolchain) {
        (Ok(go), Some(t)) => {
            out.push(go_line(go, t));
            out.push(version_line(go, t));
            out.extend(other_gos(go, i, &own, t));
            out.push(goroot_line(go, i, t));
        }
        _ => out.push(Check::with_fix(
            Level::Error,
            "go",
            i.go.as_ref().err().cloned().unwrap_or_default(),
            "install Go from https://go.dev/dl/ (or your package manager) and put its bin \
             directory on PATH, or point --go / XBUILD_GO_GO at the go binary",
        )),
    }
    out.extend(goenv_lines(i));
    out.extend(env_lines(i));
    let host = host_platform(toolchain.as_ref());
    if let Some(t) = &toolchain {
        out.extend(host_and_caches(t));
    }
    match &i.profile {
        Ok(p) => {
            out.push(profile_line(p));
            out.push(requirement_line(
                p,
                i.go.as_ref().ok().copied(),
                toolchain.as_ref(),
            ));
            out.push(zig_line(i));
            out.extend(cache_line(p, i, &own));
            for target in &p.targets.value {
                let tp = p.for_target(target);
                let tp = tp.as_ref().unwrap_or(p);
                out.push(cgo_line(tp, target, i));
                out.push(qemu_line(tp, target, &host, i));
            }
        }
        Err(e) => out.push(Check::with_fix(
            Level::Error,
            "profile",
            e.clone(),
            "correct the profile file or the --profile/--target/--config named above \
             (`cargo xbuild-go profiles` lists what is defined)",
        )),
    }
    out
}

/// True when no line is an error: doctor exits 0.
pub fn healthy(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.level != Level::Error)
}
