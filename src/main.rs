use clap::Parser;
use xbuild_go::{cli, commands, report, toolchain};

fn main() {
    // The hidden mode go starts as GOCACHEPROG (docs/environment.md).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == toolchain::cacheprog::WRAPPER_ARG)
    {
        let code = toolchain::cacheprog::wrapper(&args[2..]).unwrap_or_else(|e| {
            report::wrapper_failed(&e);
            4
        });
        std::process::exit(code);
    }
    // A completion request from the script of `completions SHELL`: the words after `--`.
    if let Some(shell) = std::env::var_os(commands::completions::COMPLETE_VAR)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.into_string().ok())
    {
        let words: Vec<std::ffi::OsString> = args
            .iter()
            .skip_while(|a| *a != "--")
            .skip(1)
            .cloned()
            .collect();
        std::process::exit(commands::complete(&shell, words));
    }
    let code = match cli::Cli::try_parse_from(cli::normalize_args(std::env::args_os())) {
        Ok(cli) => commands::exec(cli).code(),
        Err(mut e) if e.kind() == clap::error::ErrorKind::UnknownArgument => {
            suggest_subcommand(&mut e);
            match e.print() {
                Err(w) if w.kind() != std::io::ErrorKind::BrokenPipe => 2,
                _ => e.exit_code(),
            }
        }
        // --help, --version and usage errors: clap's text and code, or exit 2 when that
        // text cannot be written (a closed pipe stays quiet).
        Err(e) => match e.print() {
            Err(w) if w.kind() != std::io::ErrorKind::BrokenPipe => 2,
            _ => e.exit_code(),
        },
    };
    std::process::exit(code);
}

/// A word the default action does not take (`cargo xbuild-go doctr`) that is close to a
/// subcommand's name gets clap's own tip: `a similar subcommand exists: 'doctor'`.
fn suggest_subcommand(e: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue};
    use clap::CommandFactory;
    let Some(ContextValue::String(given)) = e.get(ContextKind::InvalidArg) else {
        return;
    };
    if given.starts_with('-') {
        return;
    }
    let cmd = cli::Cli::command();
    let names: Vec<&str> = cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .collect();
    if let Some(name) = xbuild_go::suggest::closest(given, names.iter().copied()) {
        e.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::String(name.to_string()),
        );
    }
}
