use super::*;

#[test]
fn host_paths_are_relative_or_named() {
    let w = [PathBuf::from("/work/app")];
    let cases = [
        (
            "/usr/local/go/bin/go build '-ldflags=-s -w' -o /root/.cache/x/out/h -- .",
            "<host>/go build '-ldflags=-s -w' -o <host>/h -- .",
        ),
        (
            "git+file:///work/app@refs/heads/main",
            "git+file://.@refs/heads/main",
        ),
        (
            "git+file:///srv/repo@refs/heads/main",
            "git+file://<host>/repo@refs/heads/main",
        ),
        (
            "git+https://example.com/a/b.git@refs/heads/main",
            "git+https://example.com/a/b.git@refs/heads/main",
        ),
        (
            "-extld=/opt/zig/zig -I/work/app/include -L/opt/lib",
            "-extld=<host>/zig -Iinclude -L<host>/lib",
        ),
        ("CC=/work/app/bin/cc", "CC=bin/cc"),
        ("./cmd/app", "./cmd/app"),
        ("https://go.dev/dl/go1.26.8", "https://go.dev/dl/go1.26.8"),
    ];
    for (text, want) in cases {
        assert_eq!(scrub_paths(text, &w), want, "{text}");
    }
}
