use super::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn replaces_a_symlink_and_leaves_its_target_alone() {
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    let link = d.path().join("out.xml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    write_atomic(&link, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
    let mode = std::fs::metadata(&link).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o600, 0o600, "readable and writable by the owner");
    let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 2, "no temporary file left behind");
}

#[test]
fn refuses_a_directory() {
    let d = tempfile::tempdir().unwrap();
    assert!(write_atomic(d.path(), b"x").is_err());
}
