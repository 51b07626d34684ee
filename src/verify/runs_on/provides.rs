//! What an image's files provide for what a Go binary reads at run time (the CA roots,
//! zoneinfo, `/etc/passwd` and `/etc/group`, `/etc/nsswitch.conf`, `/tmp`), and the one
//! judgement of a binary's runtime needs against them. The named-image table and real
//! images answer the same questions through [`ImageContents`], so a tree judged as
//! `debian:12-slim` and as `oci:…` gets the same verdict from the same code.
//!
//! The judgement follows the binary's linkage: a statically linked binary carries its own
//! libc (musl's, or glibc's with its built-in `files` and `dns` NSS backends), so it needs
//! no NSS modules from the image, but it still reads `/etc/passwd`, `/etc/hosts` and the
//! rest as files.

use super::images::{Entry, EntryKind, ImageContents, Libc, RunsAs};
use super::needs::{describe, fixes, Need};
/// Where Go looks for CA roots and zones, as the needs that read them say.
pub use super::needs::{CA_DIRS, CA_FILES, ZONE_DIRS};
use crate::verify::{Check, Status};

/// The first of `paths` the image has as a `kind` with something in it (a file with bytes,
/// a directory with entries), in the order given.
pub fn first_filled(image: &dyn ImageContents, paths: &[&str], kind: EntryKind) -> Option<Entry> {
    paths
        .iter()
        .find_map(|p| image.lookup(p).filter(|e| e.kind == kind && e.filled))
}

/// What an image provides for the runtime needs that are judged by its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provided {
    /// The first CA bundle of [`CA_FILES`] the image has.
    pub ca_bundle: Option<Entry>,
    /// The first certificate directory of [`CA_DIRS`] with files in it.
    pub ca_dir: Option<Entry>,
    /// The first zoneinfo directory of [`ZONE_DIRS`] with zones in it.
    pub zoneinfo: Option<Entry>,
    /// Whatever is at `/tmp` (a directory, one hopes).
    pub tmp: Option<Entry>,
}

impl Provided {
    /// Asks the image.
    pub fn of(image: &dyn ImageContents) -> Provided {
        Provided {
            ca_bundle: first_filled(image, CA_FILES, EntryKind::File),
            ca_dir: first_filled(image, CA_DIRS, EntryKind::Dir),
            zoneinfo: first_filled(image, ZONE_DIRS, EntryKind::Dir),
            tmp: image.lookup("/tmp"),
        }
    }

    /// Where Go finds CA roots there: the bundle, else the directory.
    pub fn ca_roots(&self) -> Option<&Entry> {
        self.ca_bundle.as_ref().or(self.ca_dir.as_ref())
    }

    /// `/tmp`'s permission bits, when it is a directory whose bits are known.
    pub fn tmp_dir_mode(&self) -> Option<u32> {
        self.tmp
            .as_ref()
            .filter(|e| e.kind == EntryKind::Dir)
            .and_then(|e| e.mode)
    }
}

/// What the image has of the files Go reads at run time, in one line: `CA bundle
/// /etc/ssl/certs/ca-certificates.crt; zoneinfo /usr/share/zoneinfo; /etc/passwd (root 0);
/// /etc/group; /etc/nsswitch.conf (hosts: files dns); /tmp 1777`.
pub fn files_text(image: &dyn ImageContents) -> String {
    let has = Provided::of(image);
    let file = |path: &str| image.lookup(path).filter(|e| e.kind == EntryKind::File);
    let noted = |path: &str| match file(path) {
        None => format!("no {path}"),
        Some(Entry { note: Some(n), .. }) => format!("{path} ({n})"),
        Some(_) => path.to_string(),
    };
    [
        match (&has.ca_bundle, &has.ca_dir) {
            (Some(b), _) => format!("CA bundle {}", b.path),
            (None, Some(d)) => format!("CA certificates in {} (no bundle)", d.path),
            (None, None) => "no CA bundle".to_string(),
        },
        match &has.zoneinfo {
            Some(z) => format!("zoneinfo {}", z.path),
            None => "no zoneinfo".to_string(),
        },
        noted("/etc/passwd"),
        noted("/etc/group"),
        noted("/etc/nsswitch.conf"),
        match has.tmp_dir_mode() {
            Some(m) => format!("/tmp {m:o}"),
            None => "no /tmp".to_string(),
        },
    ]
    .join("; ")
}

/// How the binary reaches its libc, which decides what its user and host lookups need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// Statically linked: its own libc reads `/etc/passwd` and `/etc/hosts` itself.
    Static,
    /// Dynamically linked against the libc its loader belongs to.
    Dynamic(Libc),
}

/// The runtime needs judged against an image's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// One line per unmet judged need, with the need: what the binary does, what the
    /// image lacks (the files looked for), the fixes.
    pub unmet: Vec<(&'static str, String)>,
    /// One short line per need that is met, e.g. "ca-roots: /etc/ssl/cert.pem".
    pub met: Vec<String>,
    /// Reported, never failed: resolver files and their absence.
    pub notes: Vec<String>,
}

/// Judges `needs` against the files of image `name`, for a binary linked as `linkage`.
pub fn judge(needs: &[Need], linkage: Linkage, name: &str, image: &dyn ImageContents) -> Judgement {
    let mut j = Judgement::default();
    let has = Provided::of(image);
    // The paths a need reads that the image has, and those it has not, in Go's order.
    let split = |n: &Need| -> (Vec<&'static str>, Vec<&'static str>) {
        n.reads.iter().partition(|p| image.lookup(p).is_some())
    };
    for n in needs {
        if n.satisfied_by_binary {
            j.met.push(format!(
                "{}: in the binary ({})",
                n.need,
                n.provided_by.join(", ")
            ));
            continue;
        }
        // What the image lacks, as documented (the table's `absent`) or plainly, and the
        // files Go looked for unless `what` names them all.
        let lacks = |what: &str, looked: &[&str]| -> (&'static str, String) {
            let (has, plain) = match looked.iter().find_map(|p| image.absence(p)) {
                Some(s) => (s, false),
                None => (format!("no {what}"), true),
            };
            let looked = if plain && looked.iter().all(|p| what.contains(p)) {
                String::new()
            } else {
                format!(" (looked for {})", looked.join(", "))
            };
            let text = format!(
                "the binary {} and {name} has {has}{looked}: {}",
                describe(n),
                fixes(n)
            );
            (n.need, text)
        };
        match n.need {
            "ca-roots" => match has.ca_roots() {
                Some(e) => j.met.push(format!("ca-roots: {}", e.path)),
                None => j.unmet.push(lacks("CA bundle", &n.reads)),
            },
            "zoneinfo" => match &has.zoneinfo {
                Some(e) => j.met.push(format!("zoneinfo: {}", e.path)),
                None => j.unmet.push(lacks("zoneinfo", &n.reads)),
            },
            "passwd" => {
                let (_, missing) = split(n);
                if !missing.is_empty() {
                    j.unmet.push(lacks(&missing.join(" or "), &missing));
                    continue;
                }
                let current = n.evidence.iter().any(|e| e == "os/user.Current");
                match image.runs_as().filter(|_| current) {
                    Some(RunsAs {
                        user,
                        listed: Some(false),
                    }) => j.unmet.push((
                        n.need,
                        format!(
                            "the binary {} and {name} runs as user {user}, which its /etc/passwd does not list \
                             (user.Current fails with `user: unknown userid`): {}",
                            describe(n),
                            fixes(n)
                        ),
                    )),
                    _ => {
                        let users = image
                            .lookup("/etc/passwd")
                            .and_then(|e| e.note)
                            .map(|u| format!(" ({u})"))
                            .unwrap_or_default();
                        j.met.push(format!("passwd: {}{users}", n.reads.join(", ")));
                    }
                }
            }
            "nss" => match (linkage, image.libc()) {
                (Linkage::Static, _) => j.met.push(
                    "nss: none needed (statically linked: its own libc reads the files)"
                        .to_string(),
                ),
                (Linkage::Dynamic(Libc::Musl), _) | (Linkage::Dynamic(_), Libc::Musl) => j
                    .met
                    .push("nss: musl (no NSS; reads the files itself)".to_string()),
                (Linkage::Dynamic(_), Libc::Glibc) => {
                    j.met.push("nss: glibc's NSS modules".to_string())
                }
                (Linkage::Dynamic(_), Libc::None) => {
                    j.unmet.push(lacks("libc (and so no NSS modules)", &[]))
                }
            },
            "tmpdir" => match &has.tmp {
                Some(e) if e.kind == EntryKind::Dir && e.mode.map_or(true, |m| m & 0o002 != 0) => {
                    j.met.push(format!(
                        "tmpdir: /tmp{}",
                        e.mode.map(|m| format!(" ({m:o})")).unwrap_or_default()
                    ))
                }
                Some(e) => j.unmet.push((
                    n.need,
                    format!(
                        "the binary {} and /tmp in {name} is not a world-writable directory{}: {}",
                        describe(n),
                        e.mode.map(|m| format!(" (mode {m:o})")).unwrap_or_default(),
                        fixes(n)
                    ),
                )),
                None => j.unmet.push(lacks("/tmp", &["/tmp"])),
            },
            _ => j.notes.push(resolver_note(n, name, &split(n))),
        }
    }
    j
}

/// The note on the resolver files: which the image has, which not, and why that is not
/// judged.
fn resolver_note(n: &Need, name: &str, (present, absent): &(Vec<&str>, Vec<&str>)) -> String {
    let mut note = format!("{}: ", n.need);
    if !present.is_empty() {
        note.push_str(&format!("{name} has {}", present.join(", ")));
    }
    if !absent.is_empty() {
        if !present.is_empty() {
            note.push_str("; ");
        }
        let mut why = Vec::new();
        if absent.iter().any(|p| *p != "/etc/nsswitch.conf") {
            why.push("container runtimes supply /etc/hosts and /etc/resolv.conf");
        }
        if absent.contains(&"/etc/nsswitch.conf") {
            why.push("without /etc/nsswitch.conf Go looks in /etc/hosts first, then DNS");
        }
        note.push_str(&format!(
            "{} not in {name} ({})",
            absent.join(", "),
            why.join("; ")
        ));
    }
    note
}

/// `runs-on.IMAGE` once the artifact would start (`started`, passing): its runtime needs
/// (`runtime`: `None` for files without a pclntab) judged against the image's files. A
/// real image's check also says what files it has (`files_note`).
pub fn finish(
    started: Check,
    runtime: Option<&Result<Vec<Need>, String>>,
    linkage: Linkage,
    name: &str,
    image: &dyn ImageContents,
    files_note: Option<String>,
    accepted: &[String],
) -> Check {
    let mut c = started;
    let files = files_note.map(|f| format!("image files: {f}"));
    let needs = match runtime {
        None => {
            c.message = files;
            return c;
        }
        Some(Err(e)) => {
            return Check::unknown(
                &c.id,
                c.expected.clone().unwrap_or_default(),
                format!("the binary's function names could not be read, so what it reads at run time is unknown: {e}"),
            )
        }
        Some(Ok(r)) => r,
    };
    let j = judge(needs, linkage, name, image);
    // What the profile accepts unmet (`accept-needs`) passes, said as accepted.
    let (taken, unmet): (Vec<_>, Vec<_>) = j
        .unmet
        .into_iter()
        .partition(|(need, _)| accepted.iter().any(|a| a == need));
    let taken_needs: Vec<&str> = taken.iter().map(|(need, _)| *need).collect();
    let mut parts = Vec::new();
    if unmet.is_empty() {
        if !j.met.is_empty() {
            c.actual = format!("{}; runtime needs met ({})", c.actual, j.met.join("; "));
        }
        if !taken.is_empty() {
            let texts: Vec<&str> = taken.iter().map(|(_, t)| t.as_str()).collect();
            parts.push(format!(
                "accepted unmet (accept-needs): {}",
                texts.join("; ")
            ));
        }
        parts.extend(j.notes);
        c = c.accepting(&taken_needs);
    } else {
        c.status = Status::Fail;
        c.actual = format!(
            "would start, but {} runtime need{} unmet",
            unmet.len(),
            if unmet.len() == 1 { "" } else { "s" }
        );
        let texts: Vec<&str> = unmet.iter().map(|(_, t)| t.as_str()).collect();
        let mut msg = texts.join("; ");
        if !taken_needs.is_empty() {
            msg.push_str(&format!(" (accepted: {})", taken_needs.join(", ")));
        }
        if !j.notes.is_empty() {
            msg.push_str(&format!(" (also: {})", j.notes.join("; ")));
        }
        parts.push(msg);
    }
    parts.extend(files);
    c.message = (!parts.is_empty()).then(|| parts.join("; "));
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::runs_on::needs::from_names;

    fn needs_of(names: &[&str]) -> Vec<Need> {
        from_names(names.iter().map(|n| n.as_bytes()))
    }

    /// An image given as a list of (path, kind, mode): what a reader of real images would
    /// provide through the same seam.
    struct Listed(
        Libc,
        Vec<(&'static str, EntryKind, Option<u32>)>,
        Option<RunsAs>,
    );

    impl ImageContents for Listed {
        fn libc(&self) -> Libc {
            self.0
        }
        fn lookup(&self, path: &str) -> Option<Entry> {
            let want = path.trim_end_matches('/');
            self.1
                .iter()
                .find(|(p, _, _)| *p == want)
                .map(|(p, k, m)| Entry {
                    path: p.to_string(),
                    kind: *k,
                    mode: *m,
                    note: None,
                    source: "test".into(),
                    filled: true,
                })
        }
        fn runs_as(&self) -> Option<RunsAs> {
            self.2.clone()
        }
    }

    #[test]
    fn needs_follow_linkage_and_the_user_the_image_runs_as() {
        // A cgo user lookup and a cgo host lookup: passwd, nss (and the resolver files).
        let needs = needs_of(&["os/user.Current", "net._C2func_getaddrinfo"]);
        let passwd = vec![("/etc/passwd", EntryKind::File, None)];
        let as_user = |listed| {
            Some(RunsAs {
                user: "65532".into(),
                listed,
            })
        };
        let no_libc = Listed(Libc::None, passwd.clone(), as_user(Some(true)));
        let j = judge(&needs, Linkage::Static, "s", &no_libc);
        assert!(j.unmet.is_empty(), "{j:#?}");
        assert!(
            j.met
                .iter()
                .any(|m| m.starts_with("nss: none needed (statically linked")),
            "{j:#?}"
        );
        // Dynamic glibc needs NSS modules; static still reads the file, and the user the
        // image runs as must be listed, for user.Current: one unmet need each, named.
        let empty = Listed(Libc::None, Vec::new(), as_user(None));
        let unlisted = Listed(Libc::Musl, passwd, as_user(Some(false)));
        for (name, linkage, image, needle) in [
            (
                "s",
                Linkage::Dynamic(Libc::Glibc),
                &no_libc,
                "s has no libc",
            ),
            (
                "e",
                Linkage::Static,
                &empty,
                "e has no /etc/passwd: add an /etc/passwd",
            ),
            (
                "u",
                Linkage::Static,
                &unlisted,
                "u runs as user 65532, which its /etc/passwd does not list",
            ),
        ] {
            let j = judge(&needs, linkage, name, image);
            assert_eq!(j.unmet.len(), 1, "{name}: {j:#?}");
            assert!(j.unmet[0].1.contains(needle), "{name}: {j:#?}");
        }
        let lookup_only = needs_of(&["os/user.Lookup"]);
        assert!(judge(&lookup_only, Linkage::Static, "u", &unlisted)
            .unmet
            .is_empty());
    }

    #[test]
    fn judgement_goes_through_the_image_files_seam() {
        let needs = needs_of(&[
            "crypto/x509.loadSystemRoots",
            "time.LoadLocation",
            "os.MkdirTemp",
            "net._C2func_getaddrinfo",
            "net.dnsReadConfig",
        ]);
        let img = Listed(
            Libc::None,
            vec![
                ("/etc/ssl/cert.pem", EntryKind::File, None),
                ("/usr/share/zoneinfo", EntryKind::File, None), // a file is not the directory
                ("/tmp", EntryKind::Dir, Some(0o755)),
            ],
            None,
        );
        let j = judge(&needs, Linkage::Dynamic(Libc::Glibc), "img", &img);
        assert_eq!(j.met, ["ca-roots: /etc/ssl/cert.pem"]);
        assert_eq!(j.unmet.len(), 3, "{j:#?}");
        assert!(
            j.unmet[0].1.contains("time.LoadLocation")
                && j.unmet[0]
                    .1
                    .contains("img has no zoneinfo (looked for /usr/share/zoneinfo, "),
            "{j:#?}"
        );
        assert!(j.unmet[1].1.contains("no libc"), "{j:#?}");
        assert!(j.unmet[2].1.contains("mode 755"), "{j:#?}");
        assert_eq!(j.notes.len(), 1);
        let musl = Listed(
            Libc::Musl,
            vec![("/tmp", EntryKind::Dir, Some(0o1777))],
            None,
        );
        let j = judge(&needs, Linkage::Dynamic(Libc::Musl), "m", &musl);
        assert!(j.met.iter().any(|m| m.starts_with("nss: musl")), "{j:#?}");
        assert!(j.met.iter().any(|m| m == "tmpdir: /tmp (1777)"), "{j:#?}");
    }

    #[test]
    fn accepted_needs_pass_saying_so_and_the_rest_still_fail() {
        let needs = needs_of(&["time.LoadLocation", "os.MkdirTemp"]);
        let bare = Listed(Libc::None, Vec::new(), None);
        let started = || Check::judged("runs-on.x", true, "starts on x", "static arm64 binary");
        let judged = |accepted: &[&str]| {
            let accepted: Vec<String> = accepted.iter().map(|a| a.to_string()).collect();
            finish(
                started(),
                Some(&Ok(needs.clone())),
                Linkage::Static,
                "x",
                &bare,
                None,
                &accepted,
            )
        };
        let c = judged(&["zoneinfo", "tmpdir"]);
        assert_eq!(
            (c.status, c.accepted()),
            (Status::Pass, Some("zoneinfo, tmpdir")),
            "{c:#?}"
        );
        assert!(
            c.actual
                .ends_with("static arm64 binary (accepted: zoneinfo, tmpdir)"),
            "{c:#?}"
        );
        assert!(
            c.message
                .as_deref()
                .unwrap_or("")
                .starts_with("accepted unmet (accept-needs): the binary loads time zones"),
            "{c:#?}"
        );
        let c = judged(&["zoneinfo"]);
        assert_eq!((c.status, c.accepted()), (Status::Fail, None), "{c:#?}");
        let msg = c.message.as_deref().unwrap_or("");
        assert!(
            msg.contains("creates temporary files") && msg.contains("(accepted: zoneinfo)"),
            "{msg}"
        );
        assert!(!msg.contains("time.LoadLocation"), "{msg}");
        assert_eq!(judged(&[]).accepted(), None);
        // How many are unmet, counted in words: one need, two needs.
        for (accepted, want) in [
            (&["zoneinfo"][..], "would start, but 1 runtime need unmet"),
            (&[][..], "would start, but 2 runtime needs unmet"),
        ] {
            assert_eq!(judged(accepted).actual, want, "accepted {accepted:?}");
        }
    }
}
