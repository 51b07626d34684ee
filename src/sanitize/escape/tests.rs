use super::*;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

#[test]
fn terminal_escapes() {
    assert_eq!(value("a\nb\tc"), "a\\nb\\tc");
    assert_eq!(text("a\nb\tc"), "a\nb\tc");
    assert_eq!(text("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
    assert_eq!(text("csi\u{9b}2J"), "csi\\u{9b}2J");
    assert_eq!(value("rtl\u{202e}txt"), "rtl\\u{202e}txt");
    assert_eq!(value("plain ünïcode"), "plain ünïcode");
    assert!(matches!(value("plain"), Cow::Borrowed(_)));
}

#[test]
fn github_guard() {
    assert_eq!(
        github_lines("ok\n::warning x\n  ::error y\n##[group]z\na::b"),
        "ok\n\\::warning x\n\\  ::error y\n\\##[group]z\na::b"
    );
    assert!(is_workflow_command("\u{2003}::set-env"));
    assert!(!is_workflow_command("\\::x"));
}

#[test]
fn paths_keep_invalid_bytes_distinct() {
    let p = Path::new(OsStr::from_bytes(b"bin/\xff\xfeapp\n"));
    assert_eq!(lossless(p), "bin/\\xff\\xfeapp\n");
    assert_eq!(path(p), "bin/\\xff\\xfeapp\\n");
    assert_eq!(raw_bytes(p), Some(b"bin/\xff\xfeapp\n".to_vec()));
    assert_eq!(raw_bytes(Path::new("ok")), None);
}

#[test]
fn checksum_names_as_sha256sum_writes_them() {
    assert_eq!(checksum_name(b"dist/app"), (false, b"dist/app".to_vec()));
    assert_eq!(
        checksum_name(b"a\\b\nc\rd"),
        (true, b"a\\\\b\\nc\\rd".to_vec())
    );
}
