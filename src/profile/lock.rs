//! `xbuild-go.lock`, beside the profile file: for each profile and registry base, the
//! digest its reference resolved to and the digest of each platform's manifest, so
//! later runs build on the same bytes. Parsed strictly (unknown keys, bad digests,
//! bad platforms, an entry twice: `file:line:column`, exit 2), rendered
//! deterministically (entries sorted by profile and reference, platforms sorted), and
//! judged by [`check`], a pure function that `--locked`, `--update-lock` and doctor's
//! stale-lock row share. Reading the file is the only I/O here; writing it is
//! [`crate::privfs::replace_mode`]'s (a temporary name in the same directory, then a
//! rename; no symlink followed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::file::{line_starts, location_in};
use crate::error::{failure, usage, Exit};

/// The lock file's name, in the profile file's directory.
pub const LOCK_FILE: &str = "xbuild-go.lock";
/// The format version written (and the only one read).
pub const VERSION: i64 = 1;
/// The largest lock file read.
pub const MAX_LOCK: u64 = 4 << 20;
/// The mode a new lock file is written with (less the umask): it is meant to be
/// committed beside the profile.
pub const MODE: u32 = 0o644;

/// The lock file beside `profile_file`.
pub fn path_beside(profile_file: &Path) -> PathBuf {
    profile_file
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(LOCK_FILE)
}

/// One locked base.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedBase {
    /// The profile whose image builds on it.
    pub profile: String,
    /// The registry reference, normalised as the registry client prints it
    /// (`docker.io/library/debian:12`).
    pub reference: String,
    /// `sha256:…` of what the reference resolved to (its index, or its one manifest).
    pub digest: String,
    /// Each platform the image is built for (`linux/arm64`) and the digest of the
    /// base's manifest for it.
    pub platforms: BTreeMap<String, String>,
}

/// The whole lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    bases: Vec<LockedBase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    base: Vec<Spanned<BaseToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseToml {
    profile: Spanned<String>,
    reference: Spanned<String>,
    digest: Spanned<String>,
    #[serde(default)]
    platforms: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Whether `s` is `sha256:` and 64 lower-case hex digits, or `sha512:` and 128.
pub fn digest_ok(s: &str) -> bool {
    let hex = |h: &str, n: usize| {
        h.len() == n
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match s.split_once(':') {
        Some(("sha256", h)) => hex(h, 64),
        Some(("sha512", h)) => hex(h, 128),
        _ => false,
    }
}

/// Whether `s` is a platform as the lock writes it: `os/arch` or `os/arch/variant`,
/// each part lower-case letters, digits and `_`.
pub fn platform_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

impl Lock {
    /// Reads the lock file at `path`: `Ok(None)` when there is none.
    pub fn load(path: &Path) -> anyhow::Result<Option<Lock>> {
        if let Err(e) = std::fs::symlink_metadata(path) {
            if e.kind() == std::io::ErrorKind::NotFound {
                return Ok(None);
            }
        }
        let bytes = crate::input::file::read(path, MAX_LOCK).map_err(|e| {
            usage(format!(
                "reading the lock file `{}`: {e}",
                crate::sanitize::escape::path(path)
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            usage(format!(
                "{}: not UTF-8 text: a lock file is TOML",
                crate::sanitize::escape::path(path)
            ))
        })?;
        Lock::parse(path, &text).map(Some)
    }

    /// Parses lock-file text read from `path` (named in errors, with line and column).
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Lock> {
        let starts = line_starts(text);
        let at = |offset: usize| location_in(path, text, &starts, offset);
        let file: FileToml = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_string();
            match e.span() {
                Some(s) => usage(format!("{}: {msg}", at(s.start))),
                None => usage(format!("{}: {msg}", path.display())),
            }
        })?;
        if let Some(v) = &file.version {
            if *v.get_ref() != VERSION {
                return Err(usage(format!(
                    "{}: lock file version {} is not one this tool reads (it writes version {VERSION}): \
                     run with --update-lock",
                    at(v.span().start),
                    v.get_ref()
                )));
            }
        }
        let mut bases: Vec<LockedBase> = Vec::new();
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for b in &file.base {
            let start = b.span().start;
            let b = b.get_ref();
            let digest_at = |d: &Spanned<String>, what: &str| -> anyhow::Result<String> {
                if digest_ok(d.get_ref()) {
                    Ok(d.get_ref().clone())
                } else {
                    Err(usage(format!(
                        "{}: {what} `{}` is not a digest (sha256: and 64 lower-case hex digits)",
                        at(d.span().start),
                        d.get_ref().escape_debug()
                    )))
                }
            };
            let nonempty = |s: &Spanned<String>, key: &str| -> anyhow::Result<String> {
                if s.get_ref().trim().is_empty() {
                    return Err(usage(format!("{}: `{key}` is empty", at(s.span().start))));
                }
                Ok(s.get_ref().clone())
            };
            let profile = nonempty(&b.profile, "profile")?;
            let reference = nonempty(&b.reference, "reference")?;
            let digest = digest_at(&b.digest, "digest")?;
            let mut platforms = BTreeMap::new();
            for (k, v) in &b.platforms {
                if !platform_ok(k.get_ref()) {
                    return Err(usage(format!(
                        "{}: `{}` is not a platform (write os/arch or os/arch/variant, e.g. linux/arm64)",
                        at(k.span().start),
                        k.get_ref().escape_debug()
                    )));
                }
                let d = digest_at(v, &format!("the manifest digest of {}", k.get_ref()))?;
                platforms.insert(k.get_ref().clone(), d);
            }
            let key = (profile.clone(), reference.clone());
            if let Some(first) = seen.get(&key) {
                return Err(usage(format!(
                    "{}: the base `{reference}` of profile `{profile}` is locked twice (first at line {first})",
                    at(start),
                )));
            }
            seen.insert(key, at(start).line);
            bases.push(LockedBase {
                profile,
                reference,
                digest,
                platforms,
            });
        }
        bases.sort();
        Ok(Lock { bases })
    }

    /// Every locked base, sorted by profile and reference.
    pub fn bases(&self) -> &[LockedBase] {
        &self.bases
    }

    /// The entry of `reference` in `profile`.
    pub fn get(&self, profile: &str, reference: &str) -> Option<&LockedBase> {
        self.bases
            .iter()
            .find(|b| b.profile == profile && b.reference == reference)
    }

    /// Records `base`, replacing the entry of its profile and reference.
    pub fn set(&mut self, base: LockedBase) {
        self.bases
            .retain(|b| !(b.profile == base.profile && b.reference == base.reference));
        self.bases.push(base);
        self.bases.sort();
    }

    /// Drops the entries of `profile` whose reference is not in `keep` (a base the
    /// profile no longer names).
    pub fn retain_profile(&mut self, profile: &str, keep: &[&str]) {
        self.bases
            .retain(|b| b.profile != profile || keep.contains(&b.reference.as_str()));
    }

    /// The file's text: a comment, the version, then each base, sorted; the same lock
    /// always renders to the same bytes, and [`Lock::parse`] reads them back.
    pub fn render(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# Written by cargo xbuild-go: the digest each image base resolved to, per profile.\n\
             # Commit it; `--update-lock` re-resolves, `--locked` fails when a base has moved.\n",
        );
        let _ = writeln!(out, "version = {VERSION}");
        for b in &self.bases {
            let _ = write!(
                out,
                "\n[[base]]\nprofile = {}\nreference = {}\ndigest = {}\nplatforms = {{",
                q(&b.profile),
                q(&b.reference),
                q(&b.digest)
            );
            let parts: Vec<String> = b
                .platforms
                .iter()
                .map(|(p, d)| format!(" {} = {}", q(p), q(d)))
                .collect();
            out.push_str(&parts.join(","));
            out.push_str(if parts.is_empty() { "}\n" } else { " }\n" });
        }
        out
    }
}

/// What a base resolves to now.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub digest: &'a str,
    /// Each platform built for and its manifest digest.
    pub platforms: &'a BTreeMap<String, String>,
}

/// How a lock entry stands against what the base resolves to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// The lock has this base at this digest, for these platforms.
    Fresh,
    /// The lock has no entry for this profile and reference.
    Missing,
    /// The reference resolves to another digest than the one locked.
    Moved { locked: String, current: String },
    /// The same digest, but the platforms built for are not those locked (one added,
    /// or a manifest digest that differs): `platforms` names them.
    PlatformsDiffer { platforms: Vec<String> },
}

/// Judges the lock's entry for `reference` in `profile` against `current`. Pure.
pub fn check(lock: &Lock, profile: &str, reference: &str, current: &Current<'_>) -> Freshness {
    let Some(b) = lock.get(profile, reference) else {
        return Freshness::Missing;
    };
    if b.digest != current.digest {
        return Freshness::Moved {
            locked: b.digest.clone(),
            current: current.digest.to_string(),
        };
    }
    let differ: Vec<String> = current
        .platforms
        .iter()
        .filter(|(p, d)| b.platforms.get(*p) != Some(*d))
        .map(|(p, _)| p.clone())
        .collect();
    if differ.is_empty() {
        Freshness::Fresh
    } else {
        Freshness::PlatformsDiffer { platforms: differ }
    }
}

impl Freshness {
    /// A one-line account of a lock that is not fresh (`None` when it is), naming the
    /// base, the lock file and both digests: for doctor's row and `--locked`.
    pub fn describe(&self, lock_file: &Path, profile: &str, reference: &str) -> Option<String> {
        let file = crate::sanitize::escape::path(lock_file);
        match self {
            Freshness::Fresh => None,
            Freshness::Missing => Some(format!(
                "the base `{reference}` of profile `{profile}` is not in {file}"
            )),
            Freshness::Moved { locked, current } => Some(format!(
                "the base `{reference}` of profile `{profile}` has moved: {file} locks {locked}, it now resolves to {current}"
            )),
            Freshness::PlatformsDiffer { platforms } => Some(format!(
                "the base `{reference}` of profile `{profile}` is locked in {file} without {} at its current digests",
                platforms.join(", ")
            )),
        }
    }

    /// `--locked`: an error (exit 4, nothing is to be written) unless the lock is fresh.
    pub fn require(&self, lock_file: &Path, profile: &str, reference: &str) -> anyhow::Result<()> {
        match self.describe(lock_file, profile, reference) {
            None => Ok(()),
            Some(why) => Err(failure(
                Exit::Toolchain,
                format!("{why}: --locked refuses to go on (run with --update-lock to re-resolve)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    fn sample() -> Lock {
        let mut l = Lock::default();
        for (profile, reference, c) in [
            ("release", "127.0.0.1:5000/base:1", 'a'),
            ("dev", "docker.io/library/debian:12", 'b'),
        ] {
            l.set(LockedBase {
                profile: profile.into(),
                reference: reference.into(),
                digest: d(c),
                platforms: BTreeMap::from([
                    ("linux/arm64".into(), d('c')),
                    ("linux/amd64".into(), d('e')),
                ]),
            });
        }
        l
    }

    #[test]
    fn a_lock_renders_sorted_and_reads_back() {
        let l = sample();
        let text = l.render();
        assert_eq!(text, sample().render(), "deterministic");
        let dev = text.find("profile = \"dev\"").unwrap();
        let rel = text.find("profile = \"release\"").unwrap();
        assert!(dev < rel, "sorted by profile:\n{text}");
        assert!(
            text.find("linux/amd64").unwrap() < text.find("linux/arm64").unwrap(),
            "platforms sorted:\n{text}"
        );
        let back = Lock::parse(Path::new("xbuild-go.lock"), &text).unwrap();
        assert_eq!(back, l);
        assert_eq!(Lock::parse(Path::new("x"), "").unwrap(), Lock::default());
    }

    #[test]
    fn bad_locks_are_refused_at_their_place() {
        let good = d('a');
        for (case, text, want) in [
            ("unknown key", format!("[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{good}\"\nsha = 1\n"), "x.lock:5:1: unknown field `sha`"),
            ("unknown top key", "bases = []\n".to_string(), "x.lock:1:1: unknown field `bases`"),
            ("bad digest", "[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"sha256:abc\"\n".to_string(), "x.lock:4:10: digest `sha256:abc` is not a digest"),
            ("upper-case hex", format!("[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{}\"\n", good.to_uppercase()), "x.lock:4:10:"),
            ("bad platform digest", format!("[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{good}\"\nplatforms = {{ \"linux/arm64\" = \"md5:00\" }}\n"), "x.lock:5:31: the manifest digest of linux/arm64"),
            ("bad platform", format!("[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{good}\"\nplatforms = {{ \"Linux\" = \"{good}\" }}\n"), "x.lock:5:15: `Linux` is not a platform"),
            ("missing digest", "[[base]]\nprofile = \"p\"\nreference = \"r\"\n".to_string(), "missing field `digest`"),
            ("twice", format!("[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{good}\"\n[[base]]\nprofile = \"p\"\nreference = \"r\"\ndigest = \"{good}\"\n"), "x.lock:5:1: the base `r` of profile `p` is locked twice (first at line 1)"),
            ("version", "version = 2\n".to_string(), "x.lock:1:11: lock file version 2"),
            ("empty profile", format!("[[base]]\nprofile = \"\"\nreference = \"r\"\ndigest = \"{good}\"\n"), "x.lock:2:11: `profile` is empty"),
        ] {
            let e = Lock::parse(Path::new("x.lock"), &text).unwrap_err();
            let msg = format!("{e:#}");
            assert!(msg.contains(want), "case {case}: {msg}");
            assert_eq!(crate::error::exit_for(&e), Exit::Usage, "case {case}");
            assert!(!msg.contains('\n'), "case {case}: one line: {msg}");
        }
    }

    #[test]
    fn check_tells_fresh_missing_moved_and_platforms_apart() {
        let l = sample();
        let p = |pairs: &[(&str, char)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, c)| (k.to_string(), d(*c))).collect()
        };
        let r = "127.0.0.1:5000/base:1";
        let both = p(&[("linux/amd64", 'e'), ("linux/arm64", 'c')]);
        let cases = [
            (
                "fresh",
                "release",
                r,
                d('a'),
                both.clone(),
                Freshness::Fresh,
            ),
            (
                "fresh, fewer platforms",
                "release",
                r,
                d('a'),
                p(&[("linux/arm64", 'c')]),
                Freshness::Fresh,
            ),
            (
                "other profile",
                "ci",
                r,
                d('a'),
                both.clone(),
                Freshness::Missing,
            ),
            (
                "other reference",
                "release",
                "127.0.0.1:5000/base:2",
                d('a'),
                both.clone(),
                Freshness::Missing,
            ),
            (
                "moved",
                "release",
                r,
                d('f'),
                both.clone(),
                Freshness::Moved {
                    locked: d('a'),
                    current: d('f'),
                },
            ),
            (
                "platform added",
                "release",
                r,
                d('a'),
                p(&[("linux/arm/v7", 'c'), ("linux/arm64", 'c')]),
                Freshness::PlatformsDiffer {
                    platforms: vec!["linux/arm/v7".into()],
                },
            ),
            (
                "manifest differs",
                "release",
                r,
                d('a'),
                p(&[("linux/arm64", 'f')]),
                Freshness::PlatformsDiffer {
                    platforms: vec!["linux/arm64".into()],
                },
            ),
        ];
        for (case, profile, reference, digest, platforms, want) in cases {
            let cur = Current {
                digest: &digest,
                platforms: &platforms,
            };
            let got = check(&l, profile, reference, &cur);
            assert_eq!(got, want, "case {case}");
            let lock_file = Path::new("/w/xbuild-go.lock");
            match got.require(lock_file, profile, reference) {
                Ok(()) => assert_eq!(want, Freshness::Fresh, "case {case}"),
                Err(e) => {
                    assert_eq!(crate::error::exit_for(&e), Exit::Toolchain, "case {case}");
                    let msg = format!("{e:#}");
                    assert!(
                        msg.contains(reference) && msg.contains("/w/xbuild-go.lock"),
                        "case {case}: {msg}"
                    );
                    if let Freshness::Moved { locked, current } = &want {
                        assert!(
                            msg.contains(locked) && msg.contains(current),
                            "case {case}: {msg}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_lock_is_written_atomically_beside_the_profile() {
        let t = tempfile::tempdir().unwrap();
        let profile = t.path().join("xbuild-go.toml");
        let path = path_beside(&profile);
        assert_eq!(path, t.path().join(LOCK_FILE));
        assert_eq!(Lock::load(&path).unwrap(), None, "no lock yet");
        let victim = t.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        crate::privfs::replace_mode(&path, sample().render().as_bytes(), MODE).unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "keep",
            "the symlink was not followed"
        );
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(Lock::load(&path).unwrap(), Some(sample()));
    }
}
