use super::*;

#[test]
fn go_mod_and_go_work_lines() {
    assert!(
        GoMod::parse(Path::new("go.mod"), "go 1.21\n").is_err(),
        "no module line"
    );
    let m = GoMod::parse(
        Path::new("go.mod"),
        "module x\n\ngo 1.22.3 // min\ntoolchain go1.23.0\n",
    )
    .unwrap();
    assert_eq!(
        m.go.map(|(v, l)| (v.to_string(), l)),
        Some(("1.22.3".to_string(), 3))
    );
    assert_eq!(m.toolchain, Some(("go1.23.0".to_string(), 4)));
    let w = GoMod::scan(
        Path::new("go.work"),
        "go 1.23\n\ntoolchain go1.24.1\nuse ./a\n",
    );
    assert_eq!(w.module, "");
    assert_eq!(w.go.map(|(v, _)| v.to_string()), Some("1.23".to_string()));
    assert_eq!(w.toolchain, Some(("go1.24.1".to_string(), 3)));
}
