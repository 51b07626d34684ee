//! Asking the located `go` what the build needs: its version (when no VERSION file
//! sits beside it), the targets it supports, the main packages a pattern matches.
//! Each runs go in the scrubbed environment of a build; failing to run is exit 4.

use std::collections::BTreeMap;

use crate::error::{failure, usage, Exit};
use crate::profile::GoVersion;

use super::locate::Go;

/// One `go tool dist list -json` entry.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct DistTarget {
    #[serde(rename = "GOOS")]
    pub goos: String,
    #[serde(rename = "GOARCH")]
    pub goarch: String,
    #[serde(rename = "CgoSupported", default)]
    pub cgo_supported: bool,
    #[serde(rename = "FirstClass", default)]
    pub first_class: bool,
}

/// Runs `go ARGS` in `env` and returns its stdout. A `go` that cannot be started or
/// fails is exit 4, naming the command and quoting go's stderr.
pub fn go_output(
    go: &Go,
    args: &[&str],
    env: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<u8>> {
    let shown = format!("{} {}", go.path.display(), args.join(" "));
    let out = duct::cmd(&go.path, args)
        .full_env(env)
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .map_err(|e| failure(Exit::Toolchain, format!("cannot run `{shown}`: {e}")))?;
    if !out.status.success() {
        return Err(failure(
            Exit::Toolchain,
            format!(
                "`{shown}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(out.stdout)
}

/// Runs `go ARGS` (a `go list`) in `dir` and `env`, whatever its status: the callers
/// judge a failure in their own words. A `go` that cannot be started is exit 4.
fn run_go_list<S: AsRef<std::ffi::OsStr>>(
    go: &Go,
    dir: &std::path::Path,
    args: &[S],
    env: &BTreeMap<String, String>,
) -> anyhow::Result<std::process::Output> {
    duct::cmd(&go.path, args)
        .dir(dir)
        .full_env(env)
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .map_err(|e| {
            failure(
                Exit::Toolchain,
                format!("cannot run `{} list`: {e}", go.path.display()),
            )
        })
}

/// Asks the toolchain which GOOS/GOARCH pairs it supports (`go tool dist list -json`),
/// in the scrubbed environment of a build.
pub fn dist_list(go: &Go, env: &BTreeMap<String, String>) -> anyhow::Result<Vec<DistTarget>> {
    let out = go_output(go, &["tool", "dist", "list", "-json"], env)?;
    serde_json::from_slice(&out).map_err(|e| {
        crate::error::failure(
            crate::error::Exit::Toolchain,
            format!(
                "`{} tool dist list -json` printed no target list: {e}",
                go.path.display()
            ),
        )
    })
}

/// The main packages a pattern such as `./cmd/...` matches, as go lists them in `dir`
/// with the target's environment and build tags (build constraints apply): import
/// paths of packages named `main`. A pattern go cannot list is exit 2 with go's words.
pub fn list_main_packages(
    go: &Go,
    dir: &std::path::Path,
    env: &BTreeMap<String, String>,
    tags: &[String],
    pattern: &str,
) -> anyhow::Result<Vec<String>> {
    let mut args = vec!["list".to_string(), "-e".to_string()];
    if !tags.is_empty() {
        args.push(format!("-tags={}", tags.join(",")));
    }
    args.push("-f={{.ImportPath}}\t{{.Name}}\t{{if .Error}}{{.Error}}{{end}}".to_string());
    args.push(pattern.to_string());
    let out = run_go_list(go, dir, &args, env)?;
    if !out.status.success() {
        return Err(usage(format!(
            "package pattern `{pattern}`: go list failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut mains = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(path), Some(name), err) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Some(e) = err.filter(|e| !e.is_empty()) {
            return Err(usage(format!("package pattern `{pattern}`: {path}: {e}")));
        }
        if name == "main" {
            mains.push(path.to_string());
        }
    }
    Ok(mains)
}

/// Asks `go env GOVERSION` (used only when no VERSION file sits beside the binary).
pub fn query_version(go: &Go, env: &BTreeMap<String, String>) -> anyhow::Result<GoVersion> {
    let out = go_output(go, &["env", "GOVERSION"], env)?;
    let text = String::from_utf8_lossy(&out);
    GoVersion::parse(text.trim()).map_err(|e| {
        failure(
            Exit::Toolchain,
            format!(
                "`{} env GOVERSION` printed no version: {e}",
                go.path.display()
            ),
        )
    })
}

/// A main package of a module, as `init` writes it into a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainPackage {
    /// The package's import path.
    pub import_path: String,
    /// Its directory, absolute.
    pub dir: std::path::PathBuf,
    /// The package, or a package of the module it imports, has files that import "C".
    pub cgo: bool,
}

/// Every main package of the module in `dir` (`go list -deps ./...`), with whether it
/// or a non-standard package it imports uses cgo. `env` should enable cgo, so that
/// files importing "C" are not excluded by their build constraint. A module go cannot
/// list is exit 2 with go's words.
pub fn list_module_mains(
    go: &Go,
    dir: &std::path::Path,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<MainPackage>> {
    let format = "-f={{.ImportPath}}\t{{.Name}}\t{{.DepOnly}}\t{{.Standard}}\t\
                  {{len .CgoFiles}}\t{{join .Deps \",\"}}\t{{.Dir}}";
    let args = ["list", "-e", "-deps", format, "./..."];
    let out = run_go_list(go, dir, &args, env)?;
    if !out.status.success() {
        return Err(usage(format!(
            "{}: go list ./... failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.splitn(7, '\t').collect::<Vec<_>>())
        .filter(|f| f.len() == 7)
        .collect();
    let cgo_packages: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|f| f[3] != "true" && f[4] != "0")
        .map(|f| f[0])
        .collect();
    let uses_cgo = |path: &str| cgo_packages.contains(path);
    let mut mains = Vec::new();
    for f in &rows {
        if f[1] != "main" || f[2] == "true" {
            continue;
        }
        let cgo = uses_cgo(f[0]) || f[5].split(',').any(|d| !d.is_empty() && uses_cgo(d));
        mains.push(MainPackage {
            import_path: f[0].to_string(),
            dir: std::path::PathBuf::from(f[6]),
            cgo,
        });
    }
    Ok(mains)
}
