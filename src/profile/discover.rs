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

    #[test]
    fn discovery_stops_at_repo_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let repo = root.join("repo");
        let module = repo.join("svc/api");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::write(module.join("go.mod"), "module x\n").unwrap();
        // A file above the repository root must never be found.
        std::fs::write(root.join(FILE_NAME), "").unwrap();
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
        let t = tempfile::tempdir().unwrap();
        let module = t.path().join("m");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(t.path().join(FILE_NAME), "").unwrap();
        assert_eq!(find_profile_file(&module), None);
    }

    #[test]
    fn module_dir_found_upward() {
        let t = tempfile::tempdir().unwrap();
        let module = t.path().join("m");
        let deep = module.join("cmd/a");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(module.join("go.mod"), "module x\n").unwrap();
        assert_eq!(find_module_dir(&deep), Some(module.clone()));
        assert_eq!(find_module_dir(t.path()), None);
    }
}
