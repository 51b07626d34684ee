//! `cargo xbuild-go completions SHELL` and the completion requests its script makes
//! (`XBUILD_GO_COMPLETE=SHELL cargo-xbuild-go -- WORDS…`, clap_complete's dynamic
//! completion): flags, subcommands, `--target` pairs and `--profile` names.

use clap::CommandFactory;
use clap_complete::env::EnvCompleter;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{usage, Exit};
use crate::report::Reporter;

/// The variable the script sets when it asks for completions.
pub const COMPLETE_VAR: &str = "XBUILD_GO_COMPLETE";

fn shell(name: &str) -> anyhow::Result<&'static dyn EnvCompleter> {
    use clap_complete::env::{Bash, Elvish, Fish, Powershell, Zsh};
    Ok(match name {
        "bash" => &Bash,
        "zsh" => &Zsh,
        "fish" => &Fish,
        "powershell" => &Powershell,
        "elvish" => &Elvish,
        _ => return Err(usage(format!("completions: unknown shell `{name}`"))),
    })
}

fn command() -> clap::Command {
    // Completed as `cargo-xbuild-go`, the binary the script registers for.
    Cli::command().bin_name("cargo-xbuild-go")
}

pub fn exec(args: &CompletionsArgs, _reporter: &Reporter) -> anyhow::Result<Exit> {
    let sh = shell(&args.shell)?;
    let mut buf = Vec::new();
    sh.write_registration(
        COMPLETE_VAR,
        "cargo-xbuild-go",
        "cargo-xbuild-go",
        "cargo-xbuild-go",
        &mut buf,
    )?;
    crate::report::raw::write_stdout(&buf)?;
    Ok(Exit::Ok)
}

/// Answers a completion request: `words` are the command line after `--` (the
/// program name first). The `xbuild-go` word cargo inserts is skipped. Returns the
/// exit code.
pub fn complete(shell_name: &str, words: Vec<std::ffi::OsString>) -> i32 {
    let Ok(sh) = shell(shell_name) else {
        return 2;
    };
    let mut words = words;
    let cargo_word = words.get(1).is_some_and(|w| w == "xbuild-go");
    if cargo_word {
        words.remove(1);
    }
    let mut cmd = command();
    cmd.build();
    let cwd = std::env::current_dir().ok();
    let mut buf = Vec::new();
    let done = if shell_name == "bash" {
        // Bash's request names the word being completed by its index, which counts
        // the `xbuild-go` word removed above.
        let var = |k: &str| std::env::var(k).ok();
        let index: usize = var("_CLAP_COMPLETE_INDEX")
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        let index = if cargo_word {
            index.saturating_sub(1)
        } else {
            index
        };
        let ifs = var("_CLAP_IFS").unwrap_or_else(|| "\n".into());
        clap_complete::engine::complete(&mut cmd, words, index, cwd.as_deref()).map(|c| {
            let values: Vec<String> = c
                .iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect();
            buf.extend_from_slice(values.join(&ifs).as_bytes());
        })
    } else {
        sh.write_complete(&mut cmd, words, cwd.as_deref(), &mut buf)
    };
    if done.is_err() {
        return 1;
    }
    match crate::report::raw::write_stdout(&buf) {
        Ok(()) => 0,
        Err(_) => 2,
    }
}
