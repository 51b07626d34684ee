//! `cargo xbuild-go doctor`: toolchain and environment health, one line per finding
//! (ok / warn / error, with the fix), or one JSON object. Exit 0 when no line is an
//! error, 1 otherwise. The probes and judgements live in `toolchain::doctor`.

use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::error::Exit;
use crate::pipeline;
use crate::profile::Overrides;
use crate::report::{MessageFormat, Reporter, SCHEMA_VERSION};
use crate::toolchain::doctor::{self, Check, Inputs, Level};
use crate::toolchain::{self, HostEnv};

pub fn exec(args: &DoctorArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let overrides = Overrides {
        targets: super::args::targets(&args.profile),
        cache_program: args.cache.cache_program.clone(),
        no_cache_program: args.cache.no_cache_program,
        ..Overrides::default()
    };
    let req = super::args::request(&args.profile, overrides)?;
    // A missing -C directory is a usage error; a profile that does not resolve is a
    // doctor finding, reported with everything else.
    let work_dir = pipeline::work_dir(&req)?;
    let ctx = pipeline::context(&req, host.clone()).map_err(|e| format!("{e:#}"));
    let goenv = match &ctx {
        Ok(c) => c.goenv.clone(),
        Err(_) => toolchain::read_goenv(&host),
    };
    let go = toolchain::locate(args.profile.go.as_deref(), &host, &work_dir)
        .map_err(|e| format!("{e:#}"));
    // doctor asks zig itself every time: no remembered answers.
    let zig = toolchain::cc::ZigFinder::new(args.profile.zig.clone(), None);
    let checks = doctor::diagnose(&Inputs {
        host: &host,
        goenv: &goenv,
        go: go.as_ref().map_err(String::clone),
        profile: ctx.as_ref().map(|c| &c.profile).map_err(String::clone),
        work_dir: &work_dir,
        zig: &zig,
    });
    let mut checks = checks;
    if let Ok(c) = &ctx {
        if let Some(line) = pipeline::publish::remote::doctor_line(c) {
            checks.push(match line {
                Ok(message) => Check {
                    id: "lock".into(),
                    level: Level::Ok,
                    message,
                    fix: None,
                },
                Err((message, fix)) => Check {
                    id: "lock".into(),
                    level: Level::Warn,
                    message,
                    fix: Some(fix),
                },
            });
        }
    }
    let ok = doctor::healthy(&checks);
    match reporter.format {
        MessageFormat::Json => {
            let event = Event {
                reason: "doctor",
                schema: SCHEMA_VERSION,
                ok,
                checks: &checks,
            };
            // A struct, not a `Value`, so the keys keep this order on the line.
            reporter.print_json(&event);
        }
        MessageFormat::Human | MessageFormat::Github => print_screen(reporter, &checks),
    }
    Ok(if ok { Exit::Ok } else { Exit::VerifyFailed })
}

/// The JSON object: `{"reason":"doctor","schema":1,"ok":..,"checks":[..]}`.
#[derive(Serialize)]
struct Event<'a> {
    reason: &'static str,
    schema: u32,
    ok: bool,
    checks: &'a [Check],
}

/// The human screen on stdout: `  ok    go          /usr/local/go/bin/go (...)`, then a
/// count. With -q only the errors.
fn print_screen(reporter: &Reporter, checks: &[Check]) {
    let width = checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(0)
        .clamp(10, 24);
    for c in checks {
        if c.level != Level::Ok {
            let fix = c
                .fix
                .as_deref()
                .map_or(String::new(), |f| format!("\nfix: {f}"));
            reporter.annotate(
                c.level == Level::Error,
                &format!("doctor: {}", c.id),
                &format!("{}{fix}", c.message),
            );
        }
        if reporter.quiet && c.level != Level::Error {
            continue;
        }
        let (mark, code, rest) = line(c, width);
        reporter.print_marked(&mark, code, &rest);
    }
    if !reporter.quiet {
        let count = |l: Level| checks.iter().filter(|c| c.level == l).count();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        reporter.print(&format!(
            "{} ok, {}, {}",
            count(Level::Ok),
            plural(count(Level::Warn), "warning"),
            plural(count(Level::Error), "error")
        ));
    }
}

/// One line: the level word padded (and its colour code), then the id padded to
/// `width`, the message and the fix.
fn line(c: &Check, width: usize) -> (String, &'static str, String) {
    let code = match c.level {
        Level::Ok => "32",
        Level::Warn => "1;33",
        Level::Error => "1;31",
    };
    let fix = c
        .fix
        .as_deref()
        .map_or(String::new(), |f| format!("; fix: {f}"));
    (
        format!("{:<5}", c.level.as_str()),
        code,
        format!("{:<width$} {}{fix}", c.id, c.message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_align_and_carry_the_fix() {
        let c = Check {
            id: "env.GOFLAGS".into(),
            level: Level::Warn,
            message: "exported as \"-race\"".into(),
            fix: Some("unset GOFLAGS".into()),
        };
        let (mark, code, rest) = line(&c, 12);
        assert_eq!(
            format!("  {mark} {rest}"),
            "  warn  env.GOFLAGS  exported as \"-race\"; fix: unset GOFLAGS"
        );
        assert_eq!(code, "1;33");
    }
}
