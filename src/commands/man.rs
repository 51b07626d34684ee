//! `cargo xbuild-go man [--out DIR]`: roff man pages from the command line definition
//! (clap_mangen), one for the command and one per subcommand.

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::{usage, Exit};
use crate::report::Reporter;

pub fn exec(args: &ManArgs, reporter: &Reporter) -> anyhow::Result<Exit> {
    // The default is the working directory, shown as `cargo-xbuild-go.1`, not `./…`.
    let dir = args.out.clone().unwrap_or_default();
    let shown = |p: &std::path::Path| crate::sanitize::escape::path(p);
    std::fs::create_dir_all(&dir).map_err(|e| usage(format!("--out {}: {e}", shown(&dir))))?;
    let root = Cli::command()
        .name("cargo-xbuild-go")
        .bin_name("cargo-xbuild-go");
    let mut pages: Vec<(String, clap::Command)> = vec![("cargo-xbuild-go".into(), root.clone())];
    for sub in root.get_subcommands() {
        let name = format!("cargo-xbuild-go-{}", sub.get_name());
        let bin = format!("cargo xbuild-go {}", sub.get_name());
        pages.push((name, sub.clone().bin_name(bin)));
    }
    for (name, cmd) in pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd)
            .title(name.to_uppercase())
            .section("1")
            .source(format!("cargo-xbuild-go {}", env!("CARGO_PKG_VERSION")))
            .manual("cargo-xbuild-go manual")
            .render(&mut buf)?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, &buf).map_err(|e| usage(format!("writing {}: {e}", shown(&path))))?;
        reporter.status("Wrote", &shown(&path));
    }
    Ok(Exit::Ok)
}
