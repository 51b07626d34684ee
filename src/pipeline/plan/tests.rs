use super::*;

#[test]
fn binary_names() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        ("module example.com/hello\n", ".", "hello"),
        ("module example.com/hello // comment\n", "./", "hello"),
        ("module \"example.com/svc/v2\"\n", ".", "svc"),
        ("module example.com/multi\n", "./cmd/a", "a"),
        ("module example.com/multi\n", "./cmd/a/", "a"),
        ("module example.com/multi\n", "./cmd/x/../a", "a"),
        ("module example.com/multi\n", "example.com/multi/cmd/b", "b"),
        ("// leading comment\nmodule hello\n", ".", "hello"),
        ("module example.com/x\n", "./tools/gen.go", "gen"),
        ("module example.com/tool/v3\n", "./", "tool"),
    ];
    for (text, pkg, want) in cases {
        std::fs::write(t.path().join("go.mod"), text).unwrap();
        assert_eq!(
            binary_name(t.path(), pkg).unwrap(),
            want,
            "go.mod {text:?} package {pkg}"
        );
    }
    assert!(binary_name(t.path(), "./...").is_err(), "patterns rejected");
}

#[test]
fn packages_of_workspace_members_are_named_from_their_own_go_mod() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path();
    std::fs::create_dir_all(ws.join("app/cmd/srv")).unwrap();
    std::fs::create_dir_all(ws.join("tool")).unwrap();
    std::fs::write(ws.join("go.work"), "go 1.22\nuse (./app ./tool)\n").unwrap();
    std::fs::write(ws.join("app/go.mod"), "module example.com/app/v2\n").unwrap();
    std::fs::write(ws.join("tool/go.mod"), "module example.com/gen\n").unwrap();
    let cases = [
        (ws.to_path_buf(), "./app", "example.com/app/v2", "app"),
        (
            ws.to_path_buf(),
            "./app/cmd/srv",
            "example.com/app/v2/cmd/srv",
            "srv",
        ),
        (ws.to_path_buf(), "./tool", "example.com/gen", "gen"),
        (ws.join("app"), "../tool", "example.com/gen", "gen"),
        (
            ws.to_path_buf(),
            "example.com/gen",
            "example.com/gen",
            "gen",
        ),
    ];
    for (dir, pkg, import, name) in cases {
        assert_eq!(import_path(&dir, pkg), import, "{pkg} in {}", dir.display());
        assert_eq!(binary_name(&dir, pkg).unwrap(), name, "{pkg}");
    }
}
