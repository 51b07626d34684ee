//! What git says about a checkout, for the second build of `--check-reproducible`:
//! where the repository is, which files go's VCS stamping sees, and a throwaway
//! repository that shares its objects and commit so go stamps a copy the same way.

use std::path::{Path, PathBuf};

/// Commit times are written as the documents write every date.
pub use crate::date::rfc3339_utc;

/// The root of the git work tree holding `dir` (the nearest directory with `.git`).
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn git_out(git: &Path, dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = duct::cmd(git, args)
        .dir(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdout_capture()
        .stderr_null()
        .unchecked()
        .run()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn git_line(git: &Path, dir: &Path, args: &[&str]) -> Option<String> {
    let out = git_out(git, dir, args)?;
    let line = String::from_utf8(out).ok()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// Makes `copy` (holding a copy of `root`'s work tree files) a git repository at the
/// same commit as `root`, sharing its objects, with an index equal to that commit: go's
/// `git status` and `git log` there report the same revision, time and (for changes
/// against the commit) modified state as in `root`. `None` when git cannot.
pub fn mirror(git: &Path, root: &Path, copy: &Path) -> Option<()> {
    let head = git_line(git, root, &["rev-parse", "--verify", "HEAD"])?;
    let common = git_line(
        git,
        root,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )?;
    git_out(git, copy, &["init", "-q"])?;
    let objects = PathBuf::from(common).join("objects");
    std::fs::write(
        copy.join(".git/objects/info/alternates"),
        format!("{}\n", objects.display()),
    )
    .ok()?;
    std::fs::write(copy.join(".git/HEAD"), format!("{head}\n")).ok()?;
    git_out(git, copy, &["read-tree", "HEAD"])?;
    Some(())
}

/// The files of the work tree as go's `git status` sees them: tracked and untracked,
/// without ignored ones, relative to `root`. `None` when git cannot say.
pub fn work_tree_files(git: &Path, root: &Path) -> Option<Vec<PathBuf>> {
    use std::os::unix::ffi::OsStrExt as _;
    let out = git_out(
        git,
        root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    )?;
    Some(
        out.split(|b| *b == 0)
            .filter(|f| !f.is_empty())
            .map(|f| PathBuf::from(std::ffi::OsStr::from_bytes(f)))
            .collect(),
    )
}

/// What the source placeholders (`{tag}`, `{commit}`, `{commit-date}`, `{dirty}`) are
/// filled from: git's view of the checkout holding `dir`. Fields git cannot tell are
/// `None` (no repository, no commit yet, no tag).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFacts {
    /// The nearest tag reachable from HEAD (`git describe --tags --abbrev=0`).
    pub tag: Option<String>,
    pub commit: Option<String>,
    /// HEAD's committer time, seconds since the epoch.
    pub commit_time: Option<i64>,
    /// Whether `git status` reports changes (as go's `vcs.modified` does).
    pub dirty: Option<bool>,
}

/// Asks git about the checkout holding `dir` (three git commands; only called when a
/// template uses a source placeholder).
pub fn source_facts(git: &Path, dir: &Path) -> SourceFacts {
    let (commit, commit_time) = git_line(git, dir, &["log", "-1", "--format=%H %ct"])
        .and_then(|l| {
            let (h, t) = l.split_once(' ')?;
            Some((Some(h.to_string()), t.parse().ok()))
        })
        .unwrap_or((None, None));
    let tag = commit
        .as_ref()
        .and_then(|_| git_line(git, dir, &["describe", "--tags", "--abbrev=0", "HEAD"]));
    let dirty = git_out(git, dir, &["status", "--porcelain"]).map(|o| !o.is_empty());
    SourceFacts {
        tag,
        commit,
        commit_time,
        dirty,
    }
}

/// Where the checkout holding `dir` came from, for a provenance's source entry: the
/// `origin` remote's URL (else the first remote's) and the ref HEAD is on
/// (`refs/heads/main`); `None` where git cannot say (no remote, a detached HEAD).
pub fn remote_and_ref(git: &Path, dir: &Path) -> (Option<String>, Option<String>) {
    let remote = git_line(git, dir, &["remote", "get-url", "origin"]).or_else(|| {
        let first = git_line(git, dir, &["remote"])?;
        let name = first.lines().next()?.trim().to_string();
        git_line(git, dir, &["remote", "get-url", &name])
    });
    let head = git_line(git, dir, &["symbolic-ref", "-q", "HEAD"]);
    (remote, head)
}
