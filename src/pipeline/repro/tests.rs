use super::*;

#[test]
fn directive_forms() {
    let text = "module x\n\nuse ./a\nuse (\n\t./b // member\n\t\"./c d\"\n)\nuse ( ./e ./f )\n\
                user ./not\nreplace example.com/l => ../lib\nreplace (\n\texample.com/m v1.0.0 => ./m\n\
                \texample.com/n => example.com/n2 v1.2.0\n)\n";
    assert_eq!(
        directives(text, "use"),
        ["./a", "./b", "\"./c d\"", "./e", "./f"]
    );
    let dirs = local_dirs(Path::new("/w"), text);
    let want: Vec<PathBuf> = [
        "/w/./a",
        "/w/./b",
        "/w/./c d",
        "/w/./e",
        "/w/./f",
        "/w/../lib",
        "/w/./m",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(dirs, want);
}

#[test]
fn common_ancestors() {
    let p = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
    assert_eq!(
        common_ancestor(&p(&["/r/a/b", "/r/a/c", "/r/lib"])),
        Some(PathBuf::from("/r"))
    );
    assert_eq!(common_ancestor(&p(&["/r/a"])), Some(PathBuf::from("/r/a")));
    assert_eq!(common_ancestor(&p(&["/x", "/y"])), Some(PathBuf::from("/")));
}
