use clap::Parser;
use xbuild_go::{cli, commands};

fn main() {
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
