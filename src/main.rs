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
        // --help, --version and usage errors: clap's text and code, or exit 2 when that
        // text cannot be written (a closed pipe stays quiet).
        Err(e) => match e.print() {
            Err(w) if w.kind() != std::io::ErrorKind::BrokenPipe => 2,
            _ => e.exit_code(),
        },
    };
    std::process::exit(code);
}
