//! Doctor's lines about C toolchains: zig (where, which version, which glibc versions
//! it bundles) and per target the C compiler a cgo build would use.

use crate::profile::ResolvedProfile;
use crate::target::Target;
use crate::toolchain::cc::CToolchain;
use crate::toolchain::zig::{ZigProblem, INSTALL_HINT};

use super::check::{Check, Inputs, Level};

/// The C toolchains usable for a target (Debian's cross gcc, zig with its triple) and
/// what the profile's `cc` picks: an error only when cgo is on and nothing can build it.
pub(super) fn cgo_line(p: &ResolvedProfile, target: &Target, i: &Inputs) -> Check {
    use crate::toolchain::cc;
    let id = format!("cgo.{target}");
    let req = cc::Request {
        profile: p,
        target,
        host: i.host,
        work_dir: i.work_dir,
        zig: i.zig,
    };
    let available = cc::available(&req);
    let table = format!("[profile.{}]", p.name);
    let where_file = p
        .file
        .as_deref()
        .map_or("xbuild-go.toml".to_string(), |f| f.display().to_string());
    let picked = cc::pick(&req);
    let env_cc = p.env.iter().any(|(k, _)| k == "CC");
    match (p.cgo.value, picked) {
        (true, Ok(t)) => Check::ok(id, format!("{}; {available}", describe_pick(&t))),
        (false, Ok(t)) => Check::ok(
            id,
            format!(
                "not needed (cgo = false); with cgo: {}; {available}",
                describe_pick(&t)
            ),
        ),
        (true, Err(e)) => Check::with_fix(
            Level::Error,
            id,
            format!("{e:#}"),
            format!(
                "install a compiler named above, or set cc (or env.CC) in {table} of {where_file}"
            ),
        ),
        (false, Err(e)) if env_cc => Check::with_fix(
            Level::Warn,
            id,
            format!("not needed (cgo = false), but: {e:#}"),
            format!("install it, or drop env.CC from {table} of {where_file}"),
        ),
        (false, Err(e)) => Check::ok(
            id,
            format!("not needed (cgo = false); cgo builds would fail: {e:#}"),
        ),
    }
}

/// `cc = "auto" (...): zig 0.17.1 (...) for aarch64-linux-musl; CC="..."; -ldflags adds
/// -linkmode=external ...`.
pub(super) fn describe_pick(t: &CToolchain) -> String {
    let mut out = t.why.clone();
    if let Some(cc) = &t.cc {
        out.push_str(&format!("; CC={cc:?}"));
    }
    if !t.link_flags.is_empty() {
        out.push_str(&format!(
            "; -ldflags adds {}",
            t.link_flags
                .iter()
                .map(|f| f.flag.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    out
}

/// The `zig` line: where zig is, its version and the glibc versions it bundles; not
/// found is fine until a cgo build needs it (the cgo lines say so).
pub(super) fn zig_line(i: &Inputs) -> Check {
    let path_var = i.host.get("PATH").map(String::as_str);
    match i.zig.get(i.host, path_var, i.work_dir) {
        Ok(z) => {
            let glibc = match i.zig.glibc_range(&z, i.host) {
                Ok((lo, hi)) => format!("glibc {lo} to {hi} and musl bundled"),
                Err(e) => format!("bundled glibc versions unknown ({e})"),
            };
            Check::ok(
                "zig",
                format!(
                    "zig {} at {} (from {}): {glibc}",
                    z.version,
                    z.path.display(),
                    z.from.describe()
                ),
            )
        }
        Err(ZigProblem::NotFound(m)) => Check::ok(
            "zig",
            format!(
                "{m}; cgo builds with libc = \"musl\" or a glibc floor need it: {}",
                INSTALL_HINT
            ),
        ),
        Err(ZigProblem::Unusable(m)) => Check::with_fix(
            Level::Warn,
            "zig",
            m,
            "install a newer zig (pip install --upgrade ziglang), or point --zig / XBUILD_GO_ZIG at one",
        ),
    }
}
