use super::*;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn formats() {
    let v = vars(&[("A", "it's $HOME #1"), ("B", " lead\\"), ("E", "")]);
    assert_eq!(
        render(EnvFormat::Shell, &v).unwrap(),
        "export A='it'\\''s $HOME #1'\nexport B=' lead\\'\nexport E=''\n"
    );
    assert_eq!(
        render(EnvFormat::Make, &v).unwrap(),
        "XBUILD_GO_EMPTY :=\nA := it's $$HOME \\#1\nexport A\nB := $(XBUILD_GO_EMPTY) lead\\$(XBUILD_GO_EMPTY)\nexport B\nE := \nexport E\n"
    );
    assert_eq!(
        render(EnvFormat::Github, &vars(&[("M", "a\nb")])).unwrap(),
        "M<<XBUILD_GO_EOF\na\nb\nXBUILD_GO_EOF\n"
    );
    assert_eq!(
        render(EnvFormat::Dockerfile, &vars(&[("A", "x \"$y\"")])).unwrap(),
        "ARG A=\"x \\\"\\$y\\\"\"\nENV A=\"${A}\"\n"
    );
}

#[test]
fn no_value_starts_a_line_of_its_own() {
    let v = vars(&[("M", "a\n::warning x\nendef\ndefine y\n\x1b]0;t\x07")]);
    let shell = render(EnvFormat::Shell, &v).unwrap();
    assert!(!shell.contains('\x1b'), "{shell}");
    assert!(
        shell.lines().skip(1).all(|l| l.starts_with("\"'")),
        "continuation lines start with the closing quote\n{shell}"
    );
    let make = render(EnvFormat::Make, &v).unwrap();
    let body: Vec<&str> = make
        .lines()
        .skip_while(|l| *l != "define M")
        .skip(1)
        .take_while(|l| *l != "endef")
        .collect();
    assert_eq!(body.len(), 5, "{make}");
    assert!(
        body.iter().all(|l| l.starts_with("$(XBUILD_GO_EMPTY)")),
        "{make}"
    );
    assert!(
        render(EnvFormat::Dockerfile, &v).is_err(),
        "newline refused"
    );
}

#[test]
fn make_backslashes_before_hash() {
    assert_eq!(make_line("a\\#b", false), "a\\\\\\#b");
    assert_eq!(make_line("a\\\\#b", false), "a\\\\\\\\\\#b");
    assert_eq!(make_line("a\\b", false), "a\\b");
    assert_eq!(make_line("x\r", false), "x\r$(XBUILD_GO_EMPTY)");
    assert_eq!(make_line("endef", true), "$(XBUILD_GO_EMPTY)endef");
}

#[test]
fn keys_must_be_identifiers() {
    for bad in [
        "X=1;touch PWNED;Y",
        "M $(shell id)",
        "A\nB",
        "",
        "1A",
        "RUN x",
    ] {
        assert!(!is_identifier(bad), "{bad:?}");
        assert!(render(EnvFormat::Shell, &vars(&[(bad, "v")])).is_err());
    }
    assert!(is_identifier("_A1") && is_identifier("GOOS"));
}
