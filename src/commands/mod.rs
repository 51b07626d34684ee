//! One file per subcommand: glue from parsed arguments to library calls.

mod args;
mod build;
pub mod completions;
mod doctor;
mod env;
mod image;
mod init;
mod man;
pub use completions::complete;
mod matrix;
mod merge;
mod profiles;
mod targets;
mod verify;

use crate::cli::{Cli, ColorArg, Command, MessageFormatArg, OutputArgs};
use crate::error::{exit_for, Exit};
use crate::report::progress::ProgressWhen;
use crate::report::{ColorChoice, MessageFormat, Reporter};
use crate::sanitize::redact::Secrets;
use crate::toolchain::HostEnv;

/// Runs the parsed command line and returns the exit code. Every failure is reported
/// through the reporter (an `error` event in JSON, an `::error` annotation in the GitHub
/// format), and a failed write on stdout or stderr makes the run exit 2.
pub fn exec(cli: Cli) -> Exit {
    let host = crate::toolchain::host_env();
    let output = match &cli.command {
        None => &cli.build.output_args,
        Some(Command::Build(a)) => &a.output_args,
        Some(Command::Verify(a)) => &a.output_args,
        Some(Command::Env(a)) => &a.output_args,
        Some(Command::Doctor(a)) => &a.output_args,
        Some(Command::Targets(a)) => &a.output_args,
        Some(Command::Profiles(a)) => &a.output_args,
        Some(Command::Matrix(a)) => &a.output_args,
        Some(Command::Image(a)) => &a.build.output_args,
        Some(Command::Merge(a)) => &a.output_args,
        Some(Command::Init(a)) => &a.output_args,
        Some(Command::Completions(a)) => &a.output_args,
        Some(Command::Man(a)) => &a.output_args,
    };
    let r = reporter(output, &host);
    let result = match &cli.command {
        None => build::exec(&cli.build, host, &r),
        Some(Command::Build(args)) => build::exec(args, host, &r),
        Some(Command::Verify(args)) => verify::exec(args, host, &r),
        Some(Command::Env(args)) => env::exec(args, host, &r),
        Some(Command::Doctor(args)) => doctor::exec(args, host, &r),
        Some(Command::Targets(args)) => targets::exec(args, host, &r),
        Some(Command::Profiles(args)) => profiles::exec(args, host, &r),
        Some(Command::Matrix(args)) => matrix::exec(args, host, &r),
        Some(Command::Image(args)) => image::exec(args, host, &r),
        Some(Command::Merge(args)) => merge::exec(args, host, &r),
        Some(Command::Init(args)) => init::exec(args, host, &r),
        Some(Command::Completions(args)) => completions::exec(args, &r),
        Some(Command::Man(args)) => man::exec(args, &r),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(e) => {
            r.fatal(&e);
            exit_for(&e)
        }
    };
    r.finish(exit)
}

/// The host's secrets: credential-like variables and URL credentials of the host
/// environment and the `go env -w` file, and the netrc file's passwords (`$NETRC`,
/// else `~/.netrc`, as go reads it for GOAUTH=netrc).
fn secrets(host: &HostEnv) -> Secrets {
    let goenv = crate::toolchain::read_goenv(host);
    let goenv_pairs = goenv
        .text
        .as_deref()
        .map(crate::toolchain::goenv::parse)
        .unwrap_or_default();
    let netrc_path = host
        .get("NETRC")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            host.get("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| std::path::Path::new(h).join(".netrc"))
        });
    let netrc = netrc_path.and_then(|p| std::fs::read_to_string(p).ok());
    Secrets::collect(
        host.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        goenv_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        netrc.as_deref(),
    )
}

fn reporter(o: &OutputArgs, host: &HostEnv) -> Reporter {
    let r = Reporter::new(
        match o.message_format {
            MessageFormatArg::Human => MessageFormat::Human,
            MessageFormatArg::Json => MessageFormat::Json,
            MessageFormatArg::Github => MessageFormat::Github,
        },
        match o.color {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        },
        host.get("NO_COLOR").is_some_and(|v| !v.is_empty()),
        host.get("CARGO_TERM_COLOR").map(String::as_str),
        o.quiet,
        o.verbose,
    )
    .with_secrets(secrets(host));
    let env_when = host.get("CARGO_TERM_PROGRESS_WHEN").map(String::as_str);
    let when = match (o.progress, env_when) {
        (Some(ColorArg::Auto), _) => ProgressWhen::Auto,
        (Some(ColorArg::Always), _) => ProgressWhen::Always,
        (Some(ColorArg::Never), _) => ProgressWhen::Never,
        (None, Some(v)) => ProgressWhen::parse(v).unwrap_or_else(|| {
            r.warn(&format!(
                "CARGO_TERM_PROGRESS_WHEN=`{v}` is not auto, always or never: using auto"
            ));
            ProgressWhen::Auto
        }),
        (None, None) => ProgressWhen::Auto,
    };
    let mut r = r.with_progress(
        when,
        host.get("TERM").map(String::as_str),
        host.get("CI").is_some_and(|v| !v.is_empty()),
    );
    r.step_summary = host
        .get("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from);
    r
}
