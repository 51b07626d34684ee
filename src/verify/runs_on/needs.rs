//! Runtime needs: the files a Go binary will read where it runs, derived from the function
//! names in its pclntab, each with its evidence (the names that prove it) and whether the
//! binary carries its own remedy. The `runtime` list of the facts object; `runs-on.IMAGE`
//! judges it against the files an image has ([`super::provides::judge`]).
//!
//! Evidence was read from Go 1.26 binaries with `go tool nm` (see tests/runtime_needs.rs)
//! and the paths from Go's sources (`crypto/x509/root_linux.go`, `time/zoneinfo_unix.go`,
//! `os/user/lookup_unix.go`, `net/conf.go`, `net/dnsconfig_unix.go`, `net/hosts.go`,
//! `os/file.go`'s `TempDir`).

use serde::Serialize;

use crate::verify::go::pclntab::{self, PclnError, Pclntab};

/// At most this many evidence names are kept per need.
const MAX_EVIDENCE: usize = 6;

/// Every need's id, as `accept-needs` names them.
pub const NEEDS: &[&str] = &[
    "ca-roots",
    "zoneinfo",
    "passwd",
    "nss",
    "dns-config",
    "tmpdir",
];

/// One thing the binary will read at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    /// `ca-roots`, `zoneinfo`, `passwd`, `nss`, `dns-config` or `tmpdir`.
    pub need: &'static str,
    /// Function names that prove the need (at most six).
    pub evidence: Vec<String>,
    /// True when the binary carries its own remedy (embedded roots or zone data).
    pub satisfied_by_binary: bool,
    /// The function names of that remedy, when present.
    pub provided_by: Vec<String>,
    /// The files or directories the binary reads for it, in Go's order.
    pub reads: Vec<&'static str>,
    /// False for needs that are reported only (container runtimes supply resolver files).
    pub judged: bool,
}

/// The CA bundles Go reads on Linux, in its order (`crypto/x509/root_linux.go`).
pub const CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];
/// The certificate directories Go reads on Linux when no bundle loads.
pub const CA_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];
/// Where Go looks for zone files on Unix (`time/zoneinfo_unix.go`), before its GOROOT zip.
pub const ZONE_DIRS: &[&str] = &[
    "/usr/share/zoneinfo",
    "/usr/share/lib/zoneinfo",
    "/usr/lib/locale/TZ",
    "/etc/zoneinfo",
];

/// What a name is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    CaRoots,
    FallbackRoots,
    Zoneinfo,
    EmbeddedZones,
    Passwd,
    Group,
    Nss,
    DnsConfig,
    Tmpdir,
}

/// Classifies one function name. Exact names where Go's API is stable, prefixes for the
/// generated cgo stubs and the fallback-roots package.
fn mark(name: &[u8]) -> Option<Mark> {
    // Cheap first-byte filter: every evidence name starts with c, g, i, n, o or t.
    match name.first()? {
        b'c' | b'g' | b'i' | b'n' | b'o' | b't' => {}
        _ => return None,
    }
    Some(match name {
        b"crypto/x509.loadSystemRoots"
        | b"crypto/x509.systemRootsPool"
        | b"crypto/x509.initSystemRoots" => Mark::CaRoots,
        b"crypto/x509.SetFallbackRoots" => Mark::FallbackRoots,
        n if n.starts_with(b"golang.org/x/crypto/x509roots/fallback.") => Mark::FallbackRoots,
        // Not time.loadTzinfoFromDirOrZip: time.initLocal reaches it in nearly every binary
        // (TZ=Zone), and a missing zone there silently means UTC.
        b"time.LoadLocation" => Mark::Zoneinfo,
        b"time.registerLoadFromEmbeddedTZData" => Mark::EmbeddedZones,
        n if n.starts_with(b"time/tzdata.") => Mark::EmbeddedZones,
        b"os/user.Current" | b"os/user.Lookup" | b"os/user.LookupId" => Mark::Passwd,
        b"os/user.LookupGroup" | b"os/user.LookupGroupId" | b"os/user.(*User).GroupIds" => {
            Mark::Group
        }
        n if n.starts_with(b"net._C") || n.starts_with(b"net.cgoLookup") => Mark::Nss,
        n if n.starts_with(b"os/user._C") => Mark::Nss,
        b"net.dnsReadConfig" | b"net.parseNSSConfFile" | b"net.readHosts" => Mark::DnsConfig,
        b"os.CreateTemp" | b"os.MkdirTemp" | b"io/ioutil.TempFile" | b"io/ioutil.TempDir" => {
            Mark::Tmpdir
        }
        _ => return None,
    })
}

/// Packages whose functions can be evidence; a name that starts with none of them is not
/// read further (most of a binary's names), which keeps the pass over a large table cheap.
const PREFIXES: &[&[u8]] = &[
    b"crypto/x509.",
    b"golang.org/x/crypto/x509roots/fallback.",
    b"time.",
    b"time/tzdata.",
    b"os.",
    b"os/user.",
    b"net.",
    b"io/ioutil.",
];

/// The runtime needs of a binary from its function names. Every function's table entries
/// are bounds-checked; only names in the evidence packages are read to their NUL (at most
/// [`pclntab::name_budget`] bytes in all). Fails with the pclntab's error when an entry or
/// such a name cannot be read.
pub fn from_pclntab(tab: &Pclntab<'_>) -> Result<Vec<Need>, PclnError> {
    let mut found: Vec<(Mark, String)> = Vec::new();
    let mut budget = pclntab::name_budget(tab.table_len());
    for i in 0..tab.nfunc {
        let rest = tab.name_from(i)?;
        if !matches!(rest.first(), Some(b'c' | b'g' | b'i' | b'n' | b'o' | b't'))
            || !PREFIXES.iter().any(|p| rest.starts_with(p))
        {
            continue;
        }
        let name = tab.terminated(i, rest)?;
        budget = budget.checked_sub(name.len() + 1).ok_or_else(|| PclnError {
            offset: tab.offset,
            message: format!(
                "pclntab: function names add up to more than {} bytes by function {i}: the table at file offset {:#x} is malformed",
                pclntab::name_budget(tab.table_len()),
                tab.offset
            ),
        })?;
        note(&mut found, name);
    }
    Ok(from_marks(&found))
}

/// The runtime needs that a list of function names proves (from any source, e.g. a symbol
/// table).
pub fn from_names<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Vec<Need> {
    let mut found: Vec<(Mark, String)> = Vec::new();
    for name in names {
        note(&mut found, name);
    }
    from_marks(&found)
}

/// Records `name` when it is evidence, keeping per kind the [`MAX_EVIDENCE`] first names in
/// [`rank`] order, so the evidence does not depend on the order the names come in.
fn note(found: &mut Vec<(Mark, String)>, name: &[u8]) {
    let Some(m) = mark(name) else { return };
    let n = String::from_utf8_lossy(name).into_owned();
    if found.iter().any(|(k, v)| *k == m && *v == n) {
        return;
    }
    found.push((m, n));
    let mut same: Vec<usize> = (0..found.len()).filter(|&i| found[i].0 == m).collect();
    if same.len() > MAX_EVIDENCE {
        same.sort_by(|&a, &b| rank(&found[a].1).cmp(&rank(&found[b].1)));
        let drop = same[MAX_EVIDENCE];
        found.remove(drop);
    }
}

/// The order evidence is shown in: the names that say most first (the loader of system
/// roots, the cgo getaddrinfo call, the fallback setter), then by name.
fn rank(name: &str) -> (usize, &str) {
    const FIRST: &[&str] = &[
        "crypto/x509.loadSystemRoots",
        "crypto/x509.systemRootsPool",
        "crypto/x509.SetFallbackRoots",
        "time.LoadLocation",
        "time.registerLoadFromEmbeddedTZData",
        "net._C2func_getaddrinfo",
        "net._C_getaddrinfo",
        "os/user._Cfunc_mygetpwuid_r",
        "os/user.Current",
    ];
    (
        FIRST.iter().position(|f| *f == name).unwrap_or(FIRST.len()),
        name,
    )
}

/// The needs a set of classified names proves.
fn from_marks(found: &[(Mark, String)]) -> Vec<Need> {
    let names = |m: Mark| -> Vec<String> {
        let mut v: Vec<&String> = found
            .iter()
            .filter(|(k, _)| *k == m)
            .map(|(_, n)| n)
            .collect();
        v.sort_by(|a, b| rank(a).cmp(&rank(b)));
        v.into_iter().cloned().collect()
    };
    let mut needs = Vec::new();
    let mut push = |need, evidence: Vec<String>, provided_by: Vec<String>, reads, judged| {
        if !evidence.is_empty() {
            needs.push(Need {
                need,
                evidence,
                satisfied_by_binary: !provided_by.is_empty(),
                provided_by,
                reads,
                judged,
            });
        }
    };
    let mut ca_reads = CA_FILES.to_vec();
    ca_reads.extend(CA_DIRS);
    push(
        "ca-roots",
        names(Mark::CaRoots),
        names(Mark::FallbackRoots),
        ca_reads,
        true,
    );
    push(
        "zoneinfo",
        names(Mark::Zoneinfo),
        names(Mark::EmbeddedZones),
        ZONE_DIRS.to_vec(),
        true,
    );
    let (passwd, group) = (names(Mark::Passwd), names(Mark::Group));
    let mut reads = Vec::new();
    if !passwd.is_empty() {
        reads.push("/etc/passwd");
    }
    if !group.is_empty() {
        reads.push("/etc/group");
    }
    push(
        "passwd",
        passwd.into_iter().chain(group).collect(),
        Vec::new(),
        reads,
        true,
    );
    push("nss", names(Mark::Nss), Vec::new(), Vec::new(), true);
    push(
        "dns-config",
        names(Mark::DnsConfig),
        Vec::new(),
        vec!["/etc/nsswitch.conf", "/etc/hosts", "/etc/resolv.conf"],
        false,
    );
    push(
        "tmpdir",
        names(Mark::Tmpdir),
        Vec::new(),
        vec!["/tmp"],
        true,
    );
    needs
}

/// How the need shows in a message: "loads system CA roots (crypto/x509.loadSystemRoots)".
pub fn describe(n: &Need) -> String {
    let what = match n.need {
        "ca-roots" => "loads system CA roots",
        "zoneinfo" => "loads time zones by name",
        "passwd" => "looks up users",
        "nss" => "resolves names or users through libc (cgo)",
        "dns-config" => "reads the resolver configuration",
        "tmpdir" => "creates temporary files",
        other => other,
    };
    let ev = n.evidence.first().map(String::as_str).unwrap_or("");
    format!("{what} ({ev})")
}

/// The fixes for an unmet need, for messages.
pub fn fixes(n: &Need) -> &'static str {
    match n.need {
        "ca-roots" => "install ca-certificates in the image, or import golang.org/x/crypto/x509roots/fallback",
        "zoneinfo" => "install tzdata in the image, or import _ \"time/tzdata\" (or build with -tags timetzdata)",
        "passwd" => "add an /etc/passwd (and /etc/group) with the user the container runs as, or do not look users up",
        "nss" => "build with -tags netgo,osusergo (or cgo = false) so Go resolves names and users itself, or use an image with a libc",
        "tmpdir" => "create /tmp (mode 1777) in the image, or set TMPDIR to a writable directory, or mount a tmpfs at /tmp",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs_of(names: &[&str]) -> Vec<Need> {
        from_names(names.iter().map(|n| n.as_bytes()))
    }

    #[test]
    fn evidence_makes_needs_and_remedies_satisfy_them() {
        let ids = |v: &[Need]| v.iter().map(|n| n.need).collect::<Vec<_>>();
        assert!(needs_of(&["main.main", "fmt.Println", "time.initLocal"]).is_empty());
        let n = needs_of(&["crypto/x509.loadSystemRoots", "time.LoadLocation"]);
        assert_eq!(ids(&n), ["ca-roots", "zoneinfo"]);
        assert!(n.iter().all(|n| !n.satisfied_by_binary));
        let n = needs_of(&[
            "crypto/x509.loadSystemRoots",
            "crypto/x509.SetFallbackRoots",
            "time.LoadLocation",
            "time/tzdata.init.0",
        ]);
        assert!(n.iter().all(|n| n.satisfied_by_binary), "{n:?}");
        assert_eq!(n[0].provided_by, ["crypto/x509.SetFallbackRoots"]);
        let n = needs_of(&["os/user.Current", "os/user.LookupGroup"]);
        assert_eq!(n[0].reads, ["/etc/passwd", "/etc/group"]);
        let n = needs_of(&[
            "net._C2func_getaddrinfo",
            "net.dnsReadConfig",
            "os.MkdirTemp",
        ]);
        assert_eq!(ids(&n), ["nss", "dns-config", "tmpdir"]);
        assert!(!n[1].judged);
    }

    #[test]
    fn needs_come_from_every_table_layout_and_corruption_never_panics() {
        use crate::verify::go::pclntab::{tests::synth, Version};
        let names = [
            "runtime.main",
            "crypto/x509.loadSystemRoots",
            "time.LoadLocation",
            "time/tzdata.init.0",
            "os.CreateTemp",
            "main.main",
        ];
        for v in [
            Version::Go12,
            Version::Go116,
            Version::Go118,
            Version::Go120,
        ] {
            for big in [false, true] {
                let data = synth(v, 8, big, &names);
                let t = Pclntab::parse(&data, 0).unwrap();
                let got: Vec<(&str, bool)> = from_pclntab(&t)
                    .unwrap()
                    .iter()
                    .map(|n| (n.need, n.satisfied_by_binary))
                    .collect();
                assert_eq!(
                    got,
                    [("ca-roots", false), ("zoneinfo", true), ("tmpdir", false)],
                    "{v:?} big {big}"
                );
                for i in 0..data.len() {
                    let mut d = data.clone();
                    d[i] ^= 0xff;
                    if let Ok(t) = Pclntab::parse(&d, 0) {
                        if let Err(e) = from_pclntab(&t) {
                            assert!(e.message.contains("0x"), "{e}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn evidence_is_capped_and_deduplicated() {
        let names: Vec<String> = (0..20).map(|i| format!("net._Cfunc_f{i}")).collect();
        let n = from_names(names.iter().map(|n| n.as_bytes()));
        assert_eq!(n[0].evidence.len(), MAX_EVIDENCE);
        let n = from_names([&b"os.MkdirTemp"[..], b"os.MkdirTemp"]);
        assert_eq!(n[0].evidence, ["os.MkdirTemp"]);
        // The same names in any order give the same evidence, headline first.
        let mut names: Vec<String> = (0..10).map(|i| format!("net._Cfunc_g{i}")).collect();
        names.push("net._C2func_getaddrinfo".into());
        let a = from_names(names.iter().map(|n| n.as_bytes()));
        let b = from_names(names.iter().rev().map(|n| n.as_bytes()));
        assert_eq!(a, b);
        assert_eq!(a[0].evidence[0], "net._C2func_getaddrinfo");
    }
}
