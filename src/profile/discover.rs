//! Finding the Go module directory and the profile file.

use std::path::{Path, PathBuf};

use super::FILE_NAME;

/// The directory holding `go.mod`, searching `start` and its parents.
pub fn find_module_dir(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("go.mod").is_file())
        .map(Path::to_path_buf)
}

/// The `go.work` file go would use with `GOWORK` unset: in `start` or the nearest parent.
pub fn find_workspace(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("go.work"))
        .find(|f| f.is_file())
}

/// Where `go build` runs: the nearer of the module directory and the workspace root.
/// Inside a workspace member that is the member (go still finds the go.work above
/// it); at a workspace root with no go.mod of its own, the root.
pub fn find_build_dir(start: &Path, workspace: Option<&Path>) -> Option<PathBuf> {
    let module = find_module_dir(start);
    let root = workspace.and_then(Path::parent).map(Path::to_path_buf);
    match (module, root) {
        (Some(m), Some(r)) => Some(if m.starts_with(&r) { m } else { r }),
        (m, r) => m.or(r),
    }
}

/// `xbuild-go.toml` in `start` or the nearest parent, stopping at the repository root
/// (the first directory holding `.git`). Outside a repository only `start` is searched,
/// so a stray file in a parent such as `/tmp` is never picked up.
pub fn find_profile_file(start: &Path) -> Option<PathBuf> {
    let in_repo = start.ancestors().any(|d| d.join(".git").exists());
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !in_repo || dir.join(".git").exists() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary directory holding the directories `dirs` and the `files` (path, text).
    fn tree(dirs: &[&str], files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        for (f, text) in files {
            std::fs::write(t.path().join(f), text).unwrap();
        }
        t
    }

    #[test]
    fn discovery_stops_at_repo_root() {
        // A file above the repository root must never be found.
        let t = tree(
            &["repo/svc/api", "repo/.git"],
            &[("repo/svc/api/go.mod", "module x\n"), (FILE_NAME, "")],
        );
        let repo = t.path().join("repo");
        let module = repo.join("svc/api");
        assert_eq!(find_profile_file(&module), None, "above repo root");
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(
            find_profile_file(&module),
            Some(repo.join(FILE_NAME)),
            "repo root"
        );
        std::fs::write(module.join(FILE_NAME), "").unwrap();
        assert_eq!(
            find_profile_file(&module),
            Some(module.join(FILE_NAME)),
            "nearest wins"
        );
    }

    #[test]
    fn outside_a_repo_only_the_start_dir() {
        let t = tree(&["m"], &[(FILE_NAME, "")]);
        assert_eq!(find_profile_file(&t.path().join("m")), None);
    }

    #[test]
    fn build_dir_in_and_around_workspaces() {
        let t = tree(
            &["ws/app/cmd", "ws/docs"],
            &[
                ("ws/go.work", "go 1.22\nuse ./app\n"),
                ("ws/app/go.mod", "module x\n"),
            ],
        );
        let ws = t.path().join("ws");
        let cases = [
            (ws.clone(), ws.clone()),
            (ws.join("docs"), ws.clone()),
            (ws.join("app"), ws.join("app")),
            (ws.join("app/cmd"), ws.join("app")),
        ];
        for (start, want) in cases {
            let work = find_workspace(&start);
            assert_eq!(work, Some(ws.join("go.work")), "{}", start.display());
            assert_eq!(
                find_build_dir(&start, work.as_deref()),
                Some(want),
                "{}",
                start.display()
            );
        }
        // A workspace nested inside a module: the workspace root is nearer.
        std::fs::write(t.path().join("go.mod"), "module outer\n").unwrap();
        let work = find_workspace(&ws.join("docs"));
        assert_eq!(
            find_build_dir(&ws.join("docs"), work.as_deref()),
            Some(ws.clone())
        );
        assert_eq!(
            find_build_dir(&ws.join("docs"), None),
            Some(t.path().to_path_buf())
        );
    }

    #[test]
    fn module_dir_found_upward() {
        let t = tree(&["m/cmd/a"], &[("m/go.mod", "module x\n")]);
        let module = t.path().join("m");
        let deep = module.join("cmd/a");
        assert_eq!(find_module_dir(&deep), Some(module.clone()));
        assert_eq!(find_module_dir(t.path()), None);
    }
}
