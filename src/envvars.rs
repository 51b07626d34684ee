//! Facts about environment variable names, shared by the child environment's builder
//! (`toolchain::childenv`), doctor and redaction ([`crate::sanitize::redact`]): which
//! variables change what `go build` produces, which of them take their values from a
//! short closed set, and the record of a variable kept out of the build.

use serde::Serialize;

/// Arch-level variables: one per GOARCH family; a build sets only its target's own.
pub const ARCH_LEVELS: &[&str] = &[
    "GOARM",
    "GOARM64",
    "GOAMD64",
    "GO386",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
];

/// The C toolchain's variables whose value go splits into words (cmd/internal/quoted).
pub const WORD_SPLIT: &[&str] = &[
    "CC",
    "CXX",
    "FC",
    "AR",
    "PKG_CONFIG",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_FFLAGS",
    "CGO_LDFLAGS",
];

/// Build settings besides [`ARCH_LEVELS`] whose values come from a short closed set
/// (so a plain-looking value may be shown as it is).
const CLOSED_SET: &[&str] = &[
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    "GOTOOLCHAIN",
    "GOFIPS140",
    "GO_EXTLINK_ENABLED",
];

/// Variables that change what `go build` produces, in the order doctor and the docs
/// list them. Found in the host environment or the `go env -w` file they are dropped,
/// and reported as such.
pub const BUILD_AFFECTING: &[&str] = &concat::<39>(&[
    &["GOOS", "GOARCH", "GOFLAGS", "CGO_ENABLED"],
    ARCH_LEVELS,
    &[
        "GOEXPERIMENT",
        "GOTOOLCHAIN",
        "GOROOT",
        "GOENV",
        "GODEBUG",
        "GOFIPS140",
        "GO_EXTLINK_ENABLED",
        "GOWORK",
    ],
    WORD_SPLIT,
    &[
        "CGO_CFLAGS_ALLOW",
        "CGO_CFLAGS_DISALLOW",
        "CGO_LDFLAGS_ALLOW",
        "CGO_LDFLAGS_DISALLOW",
        "GCCGO",
        "GO_GCFLAGS",
        "GO_LDFLAGS",
        "GOCOVERDIR",
    ],
]);

/// Whether a build setting's values come from a short closed set: GOOS, GOARCH,
/// CGO_ENABLED, the arch levels, GOTOOLCHAIN, GOFIPS140, GO_EXTLINK_ENABLED.
pub fn is_closed_set(name: &str) -> bool {
    CLOSED_SET.contains(&name) || ARCH_LEVELS.contains(&name)
}

/// The lists of `parts`, one after the other (`N` is their total length, checked when
/// compiling).
const fn concat<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut at, mut p) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[at] = parts[p][i];
            at += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(at == N, "concat: N is not the total length");
    out
}

/// A host variable or `go env -w` key that did not reach the child: its name and why,
/// never its value (which may be a secret, and is reported nowhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub name: String,
    /// "host" or the `go env -w` file's path.
    pub from: String,
    pub reason: String,
}
