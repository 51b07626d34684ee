//! One file per subcommand: glue from parsed arguments to library calls.

mod build;
mod doctor;
mod env;
mod matrix;
mod profiles;
mod targets;
mod verify;

use crate::cli::{Cli, ColorArg, Command, MessageFormatArg, OutputArgs, ProfileArgs};
use crate::error::Exit;
use crate::pipeline::Request;
use crate::profile::{Overrides, BUILTIN_PROFILE};
use crate::report::{ColorChoice, MessageFormat, Reporter};
use crate::toolchain::HostEnv;

/// Runs the parsed command line.
pub fn exec(cli: Cli) -> anyhow::Result<Exit> {
    let host = crate::toolchain::host_env();
    match cli.command {
        None => build::exec(&cli.build, host),
        Some(Command::Build(args)) => build::exec(&args, host),
        Some(Command::Verify(args)) => verify::exec(&args, host),
        Some(Command::Env(args)) => env::exec(&args, host),
        Some(Command::Doctor(args)) => doctor::exec(&args, host),
        Some(Command::Targets(args)) => targets::exec(&args, host),
        Some(Command::Profiles(args)) => profiles::exec(&args, host),
        Some(Command::Matrix(args)) => matrix::exec(&args, host),
    }
}

fn reporter(o: &OutputArgs, host: &HostEnv) -> Reporter {
    let mut r = Reporter::new(
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
    );
    r.step_summary = host
        .get("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from);
    r
}

fn request<'a>(p: &'a ProfileArgs, overrides: Overrides) -> anyhow::Result<Request<'a>> {
    let cwd = std::env::current_dir()
        .map_err(|e| crate::error::usage(format!("cannot read the working directory: {e}")))?;
    Ok(Request {
        cwd,
        dir: p.dir.as_deref(),
        config: p.config.as_deref(),
        profile: p.profile.as_deref().unwrap_or(BUILTIN_PROFILE),
        overrides,
    })
}

fn targets(p: &ProfileArgs) -> Option<Vec<String>> {
    (!p.targets.is_empty()).then(|| p.targets.clone())
}
