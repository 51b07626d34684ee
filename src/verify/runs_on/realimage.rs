//! `runs-on.IMAGE` for a real image (`oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`):
//! the artifact judged against the files the image really has, from the index
//! [`crate::image`] built. Pure: the image was read before; nothing is read here.
//!
//! Judged: the loader (`PT_INTERP`) exists, after symlinks inside the image; every
//! `DT_NEEDED` library is on the loader's search path; the `GLIBC_x.y` versions the
//! binary needs are defined by the image's `libc.so.6`. Then the binary's runtime needs
//! are judged by [`provides::finish`], the same judgement the named-image table gets,
//! through [`ImageContents`], and the check says what files Go reads the image has.

use crate::image::{ldpath, ImageFiles, Kind, Lookup, Small};
use crate::target;

use super::images::{Entry, EntryKind, ImageContents, Libc, RunsAs};
use super::libs::{self, loader_family, Artifact};
use super::provides;
use super::start;
use crate::verify::Check;

/// A check id for an entry: characters the report schema does not allow in ids become `_`.
pub fn check_id(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_:./@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("runs-on.{clean}")
}

/// One user of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
}

/// `/etc/passwd`'s users, `None` without the file or when it was not read (larger than
/// the read cap, or not a regular file).
fn users(files: &ImageFiles) -> Option<Vec<User>> {
    match files.read_small("/etc/passwd", crate::image::SMALL_CAP) {
        Small::Bytes(b) => Some(parse_passwd(b)),
        _ => None,
    }
}

/// `name:x:uid:...` lines; others skipped.
pub fn parse_passwd(bytes: &[u8]) -> Vec<User> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.trim();
            let _pw = f.next()?;
            let uid = f.next()?.trim().parse().ok()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| User {
                name: name.to_string(),
                uid,
            })
        })
        .collect()
}

/// What a file Go reads says, when that matters: `/etc/passwd`'s users (`root 0, nonroot
/// 65532`), `/etc/nsswitch.conf`'s `hosts:` line.
fn note(files: &ImageFiles, path: &str) -> Option<String> {
    match path {
        "/etc/passwd" => Some(match users(files) {
            Some(u) if !u.is_empty() => {
                let shown: Vec<String> = u
                    .iter()
                    .take(6)
                    .map(|u| format!("{} {}", u.name, u.uid))
                    .collect();
                start::list_more(&shown, u.len())
            }
            _ => "unread".to_string(),
        }),
        "/etc/nsswitch.conf" => match files.read_small(path, crate::image::SMALL_CAP) {
            Small::Bytes(b) => String::from_utf8_lossy(b)
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .find(|l| l.starts_with("hosts:"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")),
            _ => None,
        },
        _ => None,
    }
}

/// A real image answers the questions about its files from its index: symlinks resolved
/// inside the image, the path as asked.
impl ImageContents for ImageFiles {
    fn libc(&self) -> Libc {
        image_libc(self, &self.platform.arch).family
    }

    fn lookup(&self, path: &str) -> Option<Entry> {
        let want = path.trim_end_matches('/');
        let (_, node) = self.stat(want)?;
        let (kind, filled) = match node.kind {
            Kind::File => (EntryKind::File, node.size > 0),
            Kind::Dir => (EntryKind::Dir, !self.list_dir(want).is_empty()),
            Kind::Symlink | Kind::Special => (EntryKind::Other, false),
        };
        Some(Entry {
            path: want.to_string(),
            kind,
            mode: Some(node.mode),
            note: note(self, want),
            source: format!("the image ({})", self.platform),
            filled,
        })
    }

    /// The config's `User` (its user part; root when unset), looked up by uid when it
    /// is a number, else by name.
    fn runs_as(&self) -> Option<RunsAs> {
        let spec = self.user.as_deref().unwrap_or("");
        let user = match spec.split(':').next().unwrap_or("") {
            "" => "0",
            u => u,
        };
        let listed = users(self).map(|all| match user.parse::<u32>() {
            Ok(uid) => all.iter().any(|u| u.uid == uid),
            Err(_) => all.iter().any(|u| u.name == user),
        });
        Some(RunsAs {
            user: user.to_string(),
            listed,
        })
    }
}

/// The libc an image has for an architecture: found by its loaders, and for glibc the
/// version its `libc.so.6` defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLibc {
    pub family: Libc,
    /// The loader found (as the target table names it).
    pub loader: Option<String>,
    /// glibc: where `libc.so.6` is (resolved), and its highest `GLIBC_x.y`, or why not.
    pub glibc: Option<(String, Result<String, String>)>,
}

/// The highest `GLIBC_x.y` the `libc.so.6` at `real` defines, or why it cannot be told.
fn glibc_version(files: &ImageFiles, real: &str) -> Result<String, String> {
    match files.read_small(real, crate::image::LIBC_CAP) {
        Small::Bytes(b) => match libs::glibc_defined(b) {
            Ok(vs) => vs
                .last()
                .cloned()
                .ok_or_else(|| format!("{real} defines no GLIBC_x.y version (not glibc?)")),
            Err(e) => Err(format!("{real}: {e}")),
        },
        Small::TooBig(n) => Err(format!(
            "{real} is {n} bytes, more than the {} MiB read of a libc",
            crate::image::LIBC_CAP >> 20
        )),
        _ => Err(format!("{real} was not read")),
    }
}

/// What libc the image has for `goarch`.
pub fn image_libc(files: &ImageFiles, goarch: &str) -> ImageLibc {
    let arch = target::arch(goarch);
    let found = |list: &[&str]| {
        list.iter()
            .find(|l| files.is_file(l))
            .map(|l| l.to_string())
    };
    let glibc_loader = arch.and_then(|a| found(a.glibc_loaders));
    let musl_loader = arch.and_then(|a| found(a.musl_loaders));
    let glibc = ldpath::libc_paths(files, goarch)
        .into_iter()
        .next()
        .map(|real| {
            let v = glibc_version(files, &real);
            (real, v)
        });
    match (glibc_loader, musl_loader) {
        (Some(l), _) => ImageLibc {
            family: Libc::Glibc,
            loader: Some(l),
            glibc,
        },
        (None, Some(l)) => ImageLibc {
            family: Libc::Musl,
            loader: Some(l),
            glibc: None,
        },
        (None, None) => ImageLibc {
            family: if glibc.is_some() {
                Libc::Glibc
            } else {
                Libc::None
            },
            loader: None,
            glibc,
        },
    }
}

impl ImageLibc {
    fn describe(&self) -> String {
        let version = match &self.glibc {
            Some((_, Ok(v))) => Some(v.as_str()),
            _ => None,
        };
        start::libc_text(self.family, version)
    }
}

/// `runs-on.IMAGE` against a real image's files; `path` is where the artifact sits in
/// the image, when the profile says (its directory is `$ORIGIN`).
pub fn check(
    name: &str,
    files: &ImageFiles,
    a: &Artifact,
    accepted: &[String],
    path: Option<&str>,
) -> Check {
    let (facts, goarch, needs, runtime) = (a.facts, a.goarch, a.glibc, a.runtime);
    let id = check_id(name);
    if let Some(why) = &files.over_budget {
        return Check::unknown(
            &id,
            format!("starts on {name}"),
            format!("{name} was not read to the end, so it cannot be judged: {why}"),
        );
    }
    let arch = goarch.unwrap_or(&files.platform.arch);
    let libc = image_libc(files, arch);
    let expected = format!("starts on {name} ({}, {})", files.platform, libc.describe());
    let fail = |why: String| start::would_not_start(&id, &expected, why);
    let finish = |c: Check| {
        let text = provides::files_text(files);
        let linkage = start::linkage(facts);
        provides::finish(c, runtime, linkage, name, files, Some(text), accepted)
    };
    let goarch = match start::linux_goarch(name, facts, goarch) {
        Ok(a) => a,
        Err(why) => return fail(why),
    };
    if files.platform.arch != goarch {
        return fail(format!(
            "{name} was read for {}, but the binary is {goarch}",
            files.platform
        ));
    }
    if facts.static_ {
        return finish(Check::judged(
            &id,
            true,
            expected.clone(),
            format!("static {goarch} binary"),
        ));
    }
    let mut found = Vec::new();
    let interp = facts.interpreter.as_deref().unwrap_or("");
    if !interp.is_empty() {
        let family = start::wanted_libc(interp);
        let has = match (&libc.family, &libc.loader) {
            (Libc::None, _) => ", and the image has no libc at all".to_string(),
            (_, Some(l)) => format!(", the image has {} ({l})", libc.describe()),
            (_, None) => format!(", the image has {}", libc.describe()),
        };
        match files.resolve(interp, true) {
            Lookup::Found { path, node } if node.kind == Kind::File => {
                found.push(if path == interp {
                    interp.to_string()
                } else {
                    format!("{interp} → {path}")
                });
            }
            Lookup::Found { path, .. } => {
                return fail(format!(
                "{name}: the loader {interp} is not a file there ({path} is a directory or device)"
            ))
            }
            Lookup::Missing { at } => {
                let where_ = if at == interp {
                    String::new()
                } else {
                    format!(" (nothing at {at})")
                };
                return fail(format!(
                    "{name} has no {interp}{where_}: the binary needs {family}{has}; \
                     ship the loader in the image, use a base image with {family}, or build static with cgo = false"
                ));
            }
            Lookup::NotDir { at } => {
                return fail(format!(
                "{name} has no {interp}: {at} is not a directory; the binary needs {family}{has}"
            ))
            }
            Lookup::Loop { at } => {
                return fail(format!(
                    "{name}: resolving {interp} meets a symlink loop at {at}"
                ))
            }
        }
    }
    let paths = ldpath::Paths {
        rpath: facts.search.rpath.clone(),
        runpath: facts.search.runpath.clone(),
        nodeflib: facts.search.nodeflib,
        // As glibc takes it (from /proc/self/exe): the directory with its links resolved.
        origin: path.and_then(|p| files.place(p)).map(|p| origin_of(&p)),
    };
    let search = ldpath::Search::new(files, goarch, interp, &[&paths]);
    let unknown = |why: String| Check::unknown(&id, expected.clone(), why);
    if let Some(why) = &search.unreadable {
        return unknown(format!(
            "what the loader of {name} finds cannot be told: {why}"
        ));
    }
    // Every directory tried for every name, within one budget: a binary needing
    // thousands of names on an image of symlink chains is answered, as unknown.
    let mut left = crate::image::files::MAX_LOOKUP_WALK;
    let walked = |why: String| unknown(format!("{name}: {why}, so it cannot be judged"));
    if loader_family(interp) == Libc::Glibc && !needs.versions.is_empty() {
        let libc = match search.find("libc.so.6", &mut left) {
            Ok(Some(f)) => f,
            Ok(None) => {
                return fail(format!(
                "{name} has no libc.so.6 where the loader looks ({}), and the binary needs glibc",
                search.describe()
            ))
            }
            Err(why) => return walked(why),
        };
        let have = match glibc_version(files, &libc.real) {
            Ok(v) => v,
            Err(why) => {
                return unknown(format!(
                    "cannot tell the glibc version of {name} ({}): {why}",
                    libc.real
                ))
            }
        };
        let over = needs.above(&have);
        if !over.is_empty() {
            let parts: Vec<String> = over
                .iter()
                .map(|(v, s)| format!("GLIBC_{v}{}", libs::symbols_text(s)))
                .collect();
            return fail(format!(
                "{name} has glibc {have} ({} defines up to GLIBC_{have}), the binary needs {}: \
                 it would fail with `GLIBC_{} not found`; link against an older glibc, use a newer base image, or build static with cgo = false",
                libc.real,
                parts.join("; "),
                over.last().map_or("", |(v, _)| v)
            ));
        }
        found.push(format!("glibc {have}"));
    }
    let mut missing: Vec<&str> = Vec::new();
    for n in &facts.needed {
        match search.find(n, &mut left) {
            Ok(Some(f)) => found.push(format!("{n} found via {}", f.by)),
            Ok(None) => missing.push(n),
            Err(why) => return walked(why),
        }
    }
    if !missing.is_empty() {
        let mut why = Vec::new();
        for n in &missing {
            match search.why_not(n, &mut left) {
                Ok(w) => why.extend(w),
                Err(e) => return walked(e),
            }
        }
        let text = format!(
            "{name} has no {} where the loader looks ({}){}",
            missing.join(", "),
            search.describe(),
            why.iter().map(|w| format!("; {w}")).collect::<String>()
        );
        // A directory relative to where the binary runs may hold them: not known here.
        if search.notes.iter().any(|n| n.contains("$ORIGIN")) {
            return unknown(text);
        }
        return fail(format!(
            "{text}: install it in the image or link it statically"
        ));
    }
    finish(Check::judged(&id, true, expected.clone(), found.join(", ")))
}

/// The directory of the absolute `path` (`$ORIGIN` of a binary there): `/` for `/app`.
fn origin_of(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_the_directory_of_the_path() {
        for (path, want) in [
            ("/app", "/"),
            ("/usr/local/bin/app", "/usr/local/bin"),
            ("/a/b", "/a"),
        ] {
            assert_eq!(origin_of(path), want, "{path}");
        }
    }

    #[test]
    fn ids_keep_to_the_schema() {
        assert_eq!(check_id("oci:img:latest"), "runs-on.oci:img:latest");
        assert_eq!(check_id("oci:my img"), "runs-on.oci:my_img");
    }

    #[test]
    fn a_libc_that_is_no_elf_is_an_error_not_a_version() {
        assert!(libs::glibc_defined(b"\x7fELF\x02\x01").is_err());
        assert!(libs::glibc_defined(b"not an elf at all").is_err());
    }

    #[test]
    fn passwd_lines_parse() {
        let users = parse_passwd(
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\nbad line\n",
        );
        assert_eq!(
            users,
            vec![
                User {
                    name: "root".into(),
                    uid: 0
                },
                User {
                    name: "nobody".into(),
                    uid: 65534
                }
            ]
        );
    }
}
