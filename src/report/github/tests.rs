use super::*;

#[test]
fn cells_hold_no_markup() {
    assert_eq!(
        cell("dist/<img src=x>|*b*`c`"),
        "dist/&lt;img src\\=x&gt;\\|\\*b\\*\\`c\\`"
    );
    assert_eq!(cell("a&b \"q\""), "a&amp;b &quot;q&quot;");
}

#[test]
fn profile_locations_are_read_from_the_message() {
    type Want = Option<(&'static str, Option<(usize, usize)>)>;
    let cases: [(&str, &str, Want); 7] = [
        (
            "unknown key",
            "/repo/xbuild-go.toml:2:1: unknown field `pakage`",
            Some(("/repo/xbuild-go.toml", Some((2, 1)))),
        ),
        (
            "after a profile name",
            "profile `golden` at /repo/xbuild-go.toml:12:11: package `./nope`: no directory",
            Some(("/repo/xbuild-go.toml", Some((12, 11)))),
        ),
        (
            "unknown profile: the file alone",
            "/repo/xbuild-go.toml: unknown profile `zzz`; profiles: golden",
            Some(("/repo/xbuild-go.toml", None)),
        ),
        (
            "relative",
            "xbuild-go.toml:3:7: invalid type",
            Some(("xbuild-go.toml", Some((3, 7)))),
        ),
        ("no file", "go not found on PATH", None),
        ("a .toml inside a word", "/repo/a.tomlx:1:1: bad", None),
        (
            "a broken position is no position",
            "/repo/xbuild-go.toml:x:1: bad",
            None,
        ),
    ];
    for (case, message, want) in cases {
        let got = profile_location(message).map(|(f, at)| (f.to_str().unwrap(), at));
        assert_eq!(got, want, "case {case}");
    }
}
