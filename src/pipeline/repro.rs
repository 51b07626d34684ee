//! `--check-reproducible`: the same go command a second time, with a fresh GOCACHE, from
//! a copy of everything the build reads (the module, its go.work workspace and their
//! local `replace` directories) in another directory, and the git work tree around
//! them when there is one, so that go's VCS stamps see the same checkout.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::context::Context;
use crate::error::Exit;
use crate::toolchain::{run, vcs};
use crate::verify::{Check, Status};

/// Entries of a go.mod / go.work directive, single-line or block: `use ./a`,
/// `use ( ./a ./b )`, `replace x => ../x`. Comments removed, one string per entry.
fn directives(text: &str, verb: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let l = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if l.starts_with(')') {
                in_block = false;
            } else if !l.is_empty() {
                out.push(l.to_string());
            }
            continue;
        }
        let Some(rest) = l.strip_prefix(verb) else {
            continue;
        };
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '(') {
            continue;
        }
        let rest = rest.trim();
        if let Some(inner) = rest.strip_prefix('(') {
            let inner = inner.trim();
            match inner.strip_suffix(')') {
                // `use ( ./a ./b )` on one line
                Some(one) => out.extend(one.split_whitespace().map(str::to_string)),
                None => {
                    in_block = true;
                    if !inner.is_empty() {
                        out.push(inner.to_string());
                    }
                }
            }
        } else if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

fn unquote(s: &str) -> &str {
    s.trim_matches('"').trim_matches('`')
}

/// Local directories a go.mod or go.work file in `dir` points at: `use` entries, and
/// `replace` targets that are relative paths.
fn local_dirs(dir: &Path, text: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = directives(text, "use")
        .iter()
        .map(|u| dir.join(unquote(u)))
        .collect();
    for r in directives(text, "replace") {
        let Some((_, to)) = r.split_once("=>") else {
            continue;
        };
        let Some(path) = to.split_whitespace().next().map(unquote) else {
            continue;
        };
        if path.starts_with("./") || path.starts_with("../") {
            dirs.push(dir.join(path));
        }
    }
    dirs
}

/// Every directory the build reads from the file system (canonical): the module
/// directory, the workspace root and its members, and local replace directories of
/// the main modules.
fn input_dirs(ctx: &Context, module_dir: &Path) -> Vec<PathBuf> {
    let mut mains = vec![module_dir.to_path_buf()];
    let mut dirs = Vec::new();
    if let Some(Ok(work)) = &ctx.gowork {
        if let Some(root) = work.file.parent() {
            let text = std::fs::read_to_string(&work.file).unwrap_or_default();
            dirs.push(root.to_path_buf());
            let members = local_dirs(root, &text);
            mains.extend(members.iter().cloned());
            dirs.extend(members);
        }
    }
    for m in &mains {
        let text = std::fs::read_to_string(m.join("go.mod")).unwrap_or_default();
        dirs.extend(local_dirs(m, &text));
    }
    dirs.extend(mains);
    let mut canonical: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .collect();
    canonical.sort();
    canonical.dedup();
    // Keep only the outermost: a directory inside another is copied with it.
    let outer: Vec<PathBuf> = canonical
        .iter()
        .filter(|d| !canonical.iter().any(|o| o != *d && d.starts_with(o)))
        .cloned()
        .collect();
    outer
}

fn common_ancestor(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut it = paths.iter();
    let mut common = it.next()?.clone();
    for p in it {
        while !p.starts_with(&common) {
            if !common.pop() {
                return None;
            }
        }
    }
    Some(common)
}

/// Copies a source tree (without `.git` and our temporary files).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_s = name.to_string_lossy();
        if name_s == ".git" || name_s.starts_with(".xbuild-go-") {
            continue;
        }
        copy_entry(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

fn copy_entry(from: &Path, to: &Path) -> std::io::Result<()> {
    let ft = std::fs::symlink_metadata(from)?.file_type();
    if ft.is_dir() {
        copy_tree(from, to)
    } else if ft.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
    } else if ft.is_file() {
        std::fs::copy(from, to).map(|_| ())
    } else {
        Ok(())
    }
}

/// Lays out a copy of the build's inputs under `dest`; returns the root they share (its
/// copy is `dest`).
fn copy_inputs(ctx: &Context, module_dir: &Path, dest: &Path) -> anyhow::Result<PathBuf> {
    let mut dirs = input_dirs(ctx, module_dir);
    let module = std::fs::canonicalize(module_dir).unwrap_or_else(|_| module_dir.to_path_buf());
    let git = which::which_in("git", ctx.host.get("PATH").cloned(), &ctx.work_dir).ok();
    let repo = vcs::git_root(&module).and_then(|root| {
        let git = git.clone()?;
        let files = vcs::work_tree_files(&git, &root)?;
        Some((root, git, files))
    });
    if let Some((root, ..)) = &repo {
        dirs.push(root.clone());
    }
    let common = common_ancestor(&dirs).context("the build's directories share no root")?;
    let place = |d: &Path| dest.join(d.strip_prefix(&common).unwrap_or(Path::new("")));
    if let Some((root, git, files)) = &repo {
        let to = place(root);
        for f in files {
            let target = to.join(f);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            match copy_entry(&root.join(f), &target) {
                Ok(()) => {}
                // Deleted but still in the index: go's git status sees it missing too.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("copying {}", f.display())),
            }
        }
        // A repository at the same commit, sharing the objects: the same VCS stamps.
        std::fs::create_dir_all(&to)?;
        if vcs::mirror(git, root, &to).is_none() {
            anyhow::bail!("git could not mirror the checkout at {}", root.display());
        }
    }
    for d in &dirs {
        if repo.as_ref().is_some_and(|(root, ..)| d.starts_with(root)) {
            continue;
        }
        copy_tree(d, &place(d)).with_context(|| format!("copying {}", d.display()))?;
    }
    Ok(common)
}

/// Builds the same command a second time from a copy of the inputs in another
/// directory, with a fresh GOCACHE, and compares the two artifacts.
pub(super) fn reproducible_check(
    ctx: &Context,
    first: &run::GoBuild,
    module_dir: &Path,
    file_name: &std::ffi::OsStr,
    artifact: &[u8],
) -> anyhow::Result<Check> {
    let unknown = |why: String| Check {
        id: "build.reproducible".into(),
        status: Status::Unknown,
        expected: Some("byte-identical second build".into()),
        actual: "no second build".into(),
        message: Some(why),
    };
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-go-repro-")
        .tempdir()
        .context("creating a directory for the second build")?;
    let src = tmp.path().join("src");
    let common = match copy_inputs(ctx, module_dir, &src) {
        Ok(c) => c,
        Err(e) => {
            return Ok(unknown(format!(
                "copying the sources for the second build: {e:#}"
            )))
        }
    };
    let module = std::fs::canonicalize(module_dir).unwrap_or_else(|_| module_dir.to_path_buf());
    let out = tmp.path().join("out").join(file_name);
    let mut second = first.clone();
    second.dir = src.join(module.strip_prefix(&common).unwrap_or(Path::new("")));
    second.env.insert(
        "GOCACHE".into(),
        tmp.path().join("cache").display().to_string(),
    );
    // The second copy is built without the remote cache program: the audit of what the
    // cache served is a build that did not use it.
    second.env.remove("GOCACHEPROG");
    // go runs `git status` in the copy: no index refresh needed there.
    second.env.insert("GIT_OPTIONAL_LOCKS".into(), "0".into());
    if let Some(o) = second.args.iter().position(|a| a == "-o") {
        if let Some(slot) = second.args.get_mut(o + 1) {
            *slot = out.display().to_string();
        }
    }
    if let Err(e) = second.run(&|_| {}) {
        if crate::error::exit_for(&e) == Exit::Interrupted {
            return Err(e);
        }
        return Ok(unknown(format!("the second build failed: {e:#}")));
    }
    let b = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
    Ok(crate::verify::reproducible::compare(
        artifact,
        &b,
        &common.display().to_string(),
        &src.display().to_string(),
    ))
}

#[cfg(test)]
mod tests;
