use clap::Parser;
use xbuild_go::{cli, commands, error};

fn main() {
    let cli = cli::Cli::parse_from(cli::normalize_args(std::env::args_os()));
    let code = match commands::exec(cli) {
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("error: {e:#}");
            error::exit_for(&e).code()
        }
    };
    std::process::exit(code);
}
