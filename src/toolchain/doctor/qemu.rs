//! Doctor's line about smoke runs of each target: natively, under which qemu (and for
//! dynamically linked artifacts from which library root), or skipped and why.

use crate::profile::ResolvedProfile;
use crate::target::Target;
use crate::toolchain::smoke::Runner;

use super::check::{Check, Inputs, Level};
use super::host::Host;

/// How `--smoke` would run the target's artifacts here (the rule of
/// [`crate::toolchain::smoke::runner_for`]): natively, under which qemu, or skipped and why. For a
/// profile whose artifacts are dynamically linked (cgo, `-buildmode=pie`) also where
/// qemu takes the target's loader and libraries from (its `-L`).
pub(super) fn qemu_line(p: &ResolvedProfile, target: &Target, host: &Host, i: &Inputs) -> Check {
    use crate::toolchain::smoke;
    let id = format!("qemu.{target}");
    let on = (host.os.as_str(), host.arch.as_str());
    let runner = match smoke::find_runner_on(on, target, i.host, i.work_dir) {
        Ok(r) => r,
        Err(c) => {
            let msg = format!("smoke runs of {target} are skipped here: {}", c.why);
            return match c.fix {
                Some(fix) => Check::with_fix(Level::Warn, id, msg, fix),
                None => Check::ok(id, msg),
            };
        }
    };
    let qemu = match &runner {
        Runner::Native => {
            return Check::ok(id, format!("native: {target} binaries run on this host"))
        }
        Runner::Emulator { qemu, .. } => qemu.display().to_string(),
    };
    let pie = p
        .flags
        .value
        .iter()
        .chain(&p.go_args)
        .any(|f| f.trim_start_matches('-') == "buildmode=pie");
    if !p.cgo.value && !pie {
        return Check::ok(id, format!("{qemu} can smoke-run {target} binaries"));
    }
    let why_dynamic = if p.cgo.value {
        "cgo = true"
    } else {
        "-buildmode=pie"
    };
    let env = crate::toolchain::childenv::child_env(i.host, i.goenv, p, target).vars;
    let loaders = target.arch().map_or(&[][..], |a| a.glibc_loaders);
    let mut first_err = None;
    for loader in loaders {
        match smoke::runner_for(on, target, Some(loader), i.host, &env, i.work_dir) {
            Ok(Runner::Emulator {
                root: Some(root), ..
            }) => {
                let from = smoke::library_root(target, i.host, &env, i.work_dir)
                    .map_or(String::new(), |r| format!(", {}", r.from));
                return Check::ok(
                    id,
                    format!(
                        "{qemu} can smoke-run {target} binaries; dynamically linked ones \
                         ({why_dynamic}) with the target's libraries from -L {} ({loader}{from})",
                        root.display()
                    ),
                );
            }
            Ok(_) => {
                return Check::ok(
                    id,
                    format!(
                        "{qemu} can smoke-run {target} binaries; dynamically linked ones \
                         ({why_dynamic}) with this host's own {loader} (no -L)"
                    ),
                )
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Check::with_fix(
            Level::Warn,
            id,
            format!(
                "{qemu} can smoke-run static {target} binaries, but this profile's are \
                 dynamically linked ({why_dynamic}): their smoke runs are skipped here: {}",
                e.why
            ),
            e.fix.unwrap_or_else(|| {
                "set QEMU_LD_PREFIX to a directory holding the target's loader and libraries".into()
            }),
        ),
        None => Check::ok(id, format!("{qemu} can smoke-run {target} binaries")),
    }
}
