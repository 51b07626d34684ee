//! The dynamic loader's search for a library in an image, as each C library's loader
//! does it, and which file decided:
//!
//! - glibc (`elf/dl-load.c`, `_dl_map_object`): a name with a `/` is a path. Otherwise,
//!   when the requesting object has no `DT_RUNPATH`, the `DT_RPATH` of that object and of
//!   each object that loaded it, up to the executable (an object with a `DT_RUNPATH` has
//!   no `DT_RPATH` for glibc); `LD_LIBRARY_PATH`; the requesting object's own
//!   `DT_RUNPATH` (never its loaders'); `/etc/ld.so.cache` ([`super::ldcache`]); glibc's
//!   built-in directories ([`glibc_dirs`]). `DF_1_NODEFLIB` drops the cache entries in
//!   the built-in directories and the directories themselves. `/etc/ld.so.conf` is
//!   ldconfig's input and never read here: a library only it names is not found until
//!   ldconfig rewrites the cache ([`Search::why_not`] says so).
//! - musl (`ldso/dynlink.c`, `load_library`): the names it is itself (`libc.so`,
//!   `libpthread.so.0`, ...); `LD_LIBRARY_PATH`; the `DT_RUNPATH` (else `DT_RPATH`) of the
//!   requesting object and of each object that loaded it; then the lines (or
//!   `:`-separated entries) of `/etc/ld-musl-<arch>.path` when that file exists, else
//!   `/lib:/usr/local/lib:/usr/lib`.
//!
//! `$ORIGIN` is the directory the object runs from, which a base image does not say: an
//! entry that needs it is passed over (and said so) unless the caller knows where the
//! object will be. Relative entries (from the working directory), `$LIB` and
//! `$PLATFORM` are passed over likewise. `LD_LIBRARY_PATH` is the environment's at run
//! time and is not read. Every file looked at is within the caller's walk budget.

use super::files::{ImageFiles, Small};
use super::ldcache::{self, Abi, Read, MAX_LDCACHE};
use super::SMALL_CAP;
use crate::target;

/// Where glibc's loader reads its cache.
pub const LDCACHE: &str = "/etc/ld.so.cache";
/// musl's search path when no path file says otherwise.
const MUSL_DEFAULT: &[&str] = &["/lib", "/usr/local/lib", "/usr/lib"];

/// What an object on the search says about where its libraries are: its dynamic section,
/// and where it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paths {
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    /// `DF_1_NODEFLIB`: not the cache's built-in directories, nor those directories.
    pub nodeflib: bool,
    /// The directory the object is in (`$ORIGIN`), when known.
    pub origin: Option<String>,
}

/// A library found: the path the loader opens, where it resolves, and what decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: String,
    pub real: String,
    /// `DT_RUNPATH`, `DT_RPATH`, `/etc/ld.so.cache`, glibc's built-in directories,
    /// `/etc/ld-musl-aarch64.path`, musl's default path, or musl's loader itself.
    pub by: String,
}

/// One place the loader looks.
#[derive(Debug, Clone)]
enum Place<'a> {
    Dirs {
        by: String,
        dirs: Vec<String>,
    },
    /// The cache, with the directories whose entries are passed over (`DF_1_NODEFLIB`).
    Cache {
        cache: ldcache::Cache<'a>,
        abi: Abi,
        not_in: Vec<String>,
    },
}

/// Where one loader looks for the libraries of one object, in order.
#[derive(Debug, Clone)]
pub struct Search<'a> {
    files: &'a ImageFiles,
    musl: bool,
    places: Vec<Place<'a>>,
    /// What was passed over, and why: an entry with `$ORIGIN`, a cache glibc ignores.
    pub notes: Vec<String>,
    /// Set when what the loader finds cannot be told: a cache it would read past the
    /// end of, or one that was not read.
    pub unreadable: Option<String>,
}

/// Debian's multiarch directory names for a GOARCH.
fn multiarch(goarch: &str) -> Vec<&'static str> {
    match goarch {
        // The compiler triplet is i686-linux-gnu, the directory i386-linux-gnu.
        "386" => vec!["i386-linux-gnu"],
        // armhf, and armel for GOARM 5 and 6 binaries.
        "arm" => vec!["arm-linux-gnueabihf", "arm-linux-gnueabi"],
        _ => target::arch(goarch)
            .and_then(|a| a.gnu_triplet)
            .into_iter()
            .collect(),
    }
}

/// glibc's built-in directories (its `system_dirs`, as `ld.so --help` lists them) for
/// the image, and how the image's glibc was built: Debian's multiarch layout when the
/// image has a multiarch library directory (`/lib/<triplet>`, `/usr/lib/<triplet>`,
/// `/lib`, `/usr/lib`; not `/usr/local/lib`), else `/lib64` and `/usr/lib64` on a
/// 64-bit machine whose image has them (as Red Hat builds glibc), else `/lib`, `/usr/lib`.
pub fn glibc_dirs(files: &ImageFiles, goarch: &str) -> (Vec<String>, &'static str) {
    let triplets = multiarch(goarch);
    let has = |d: &str| files.is_dir(d);
    if triplets
        .iter()
        .any(|t| has(&format!("/lib/{t}")) || has(&format!("/usr/lib/{t}")))
    {
        let mut dirs = Vec::new();
        for t in &triplets {
            dirs.push(format!("/lib/{t}"));
            dirs.push(format!("/usr/lib/{t}"));
        }
        dirs.extend(["/lib".to_string(), "/usr/lib".to_string()]);
        return (dirs, "Debian's multiarch layout");
    }
    let wide = target::arch(goarch).is_some_and(|a| a.class == target::Class::Elf64);
    if wide && (has("/lib64") || has("/usr/lib64")) {
        return (
            vec!["/lib64".into(), "/usr/lib64".into()],
            "the lib64 layout",
        );
    }
    (vec!["/lib".into(), "/usr/lib".into()], "the lib layout")
}

/// Names musl's loader answers itself (it is the C library): `libc.so`,
/// `libpthread.so.0`, ... (musl's ldso/dynlink.c, `reserved`).
pub fn musl_builtin(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("lib") else {
        return false;
    };
    let Some((stem, after)) = rest.split_once(".so") else {
        return false;
    };
    ["c", "pthread", "rt", "m", "dl", "util", "xnet"].contains(&stem)
        && (after.is_empty() || after.starts_with('.'))
}

/// musl's path file for a loader: `<prefix>/etc/ld-musl-<arch>.path`, where the prefix
/// is the loader's directory's parent (`/lib/ld-musl-aarch64.so.1` gives
/// `/etc/ld-musl-aarch64.path`).
pub fn musl_path_file(loader: &str) -> Option<String> {
    let base = loader.rsplit('/').next()?;
    let arch = base.strip_prefix("ld-musl-")?.strip_suffix(".so.1")?;
    let prefix = if loader.starts_with('/') {
        let slashes: Vec<usize> = loader.match_indices('/').map(|(i, _)| i).collect();
        match slashes.len() {
            0 | 1 => "",
            n => &loader[..slashes[n - 2]],
        }
    } else {
        ""
    };
    Some(format!("{prefix}/etc/ld-musl-{arch}.path"))
}

/// The glibc loader of the image for a GOARCH (the first of the target table's that
/// is a file there), for reading the cache at image-read time.
fn image_glibc_loader(files: &ImageFiles, goarch: &str) -> Option<&'static str> {
    target::arch(goarch)?
        .glibc_loaders
        .iter()
        .copied()
        .find(|l| files.is_file(l))
}

/// The `libc.so.6` paths worth reading with the image: where its glibc loader finds it
/// for an executable that says nothing of its own (the cache, the built-in directories).
pub fn libc_paths(files: &ImageFiles, goarch: &str) -> Vec<String> {
    let loader = image_glibc_loader(files, goarch)
        .or_else(|| target::arch(goarch).and_then(|a| a.glibc_loaders.first().copied()))
        .unwrap_or("/lib/ld-linux.so.2");
    let search = Search::new(files, goarch, loader, &[&Paths::default()]);
    let mut left = super::files::MAX_LOOKUP_WALK;
    match search.find("libc.so.6", &mut left) {
        Ok(Some(f)) => vec![f.real],
        _ => Vec::new(),
    }
}

/// `entry` with `$ORIGIN` (`${ORIGIN}`) as `origin`, a real directory of the image (its
/// links resolved, made when the artifact is put there): the `..` right after it climb
/// from that directory, as the kernel would, even where the image does not have it yet.
fn expand_origin(entry: &str, origin: &str) -> String {
    let rest = entry
        .strip_prefix("${ORIGIN}")
        .or_else(|| entry.strip_prefix("$ORIGIN"));
    let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) else {
        return entry
            .replace("${ORIGIN}", origin)
            .replace("$ORIGIN", origin);
    };
    let mut at: Vec<&str> = origin.split('/').filter(|c| !c.is_empty()).collect();
    let mut parts = rest.split('/').filter(|c| !c.is_empty()).peekable();
    while let Some(c) = parts.peek() {
        match *c {
            ".." => {
                at.pop();
            }
            "." => {}
            _ => break,
        }
        parts.next();
    }
    at.extend(parts);
    format!("/{}", at.join("/"))
}

/// The entries of an RPATH-style list, `$ORIGIN` expanded when `origin` is known; what
/// cannot be expanded is left out and said in `notes`.
fn entries(
    list: &str,
    sep: &[char],
    origin: Option<&str>,
    what: &str,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for e in list.split(sep).filter(|e| !e.is_empty()) {
        let expanded = match origin {
            Some(o) => expand_origin(e, o),
            None => e.to_string(),
        };
        if expanded.contains("ORIGIN") && expanded.contains('$') {
            notes.push(format!(
                "{what} {e} is relative to where the binary runs ($ORIGIN), which the image does not say (a runs-on table's `path` says where the artifact sits)"
            ));
        } else if expanded.contains('$') {
            notes.push(format!(
                "{what} {e} names a token ($LIB, $PLATFORM) the loader expands for the machine it runs on: not searched"
            ));
        } else if !expanded.starts_with('/') {
            notes.push(format!(
                "{what} {e} is relative to the working directory at run time: not searched"
            ));
        } else {
            out.push(expanded);
        }
    }
    out
}

impl<'a> Search<'a> {
    /// The search of loader `loader` (the binary's `PT_INTERP`) of a GOARCH for the
    /// libraries of `chain[0]`, which `chain[1]` loaded, and so on up to the executable
    /// (the last); for the executable's own libraries the chain is the executable.
    pub fn new(files: &'a ImageFiles, goarch: &str, loader: &str, chain: &[&Paths]) -> Search<'a> {
        let mut s = Search {
            files,
            musl: loader.contains("ld-musl"),
            places: Vec::new(),
            notes: Vec::new(),
            unreadable: None,
        };
        let first = chain.first().copied().cloned().unwrap_or_default();
        if s.musl {
            for p in chain {
                let (tag, list) = match (&p.runpath, &p.rpath) {
                    (Some(r), _) => ("DT_RUNPATH", r),
                    (None, Some(r)) => ("DT_RPATH", r),
                    (None, None) => continue,
                };
                let dirs = entries(list, &[':', '\n'], p.origin.as_deref(), tag, &mut s.notes);
                s.places.push(Place::Dirs {
                    by: tag.into(),
                    dirs,
                });
            }
            let (dirs, by) = s.musl_path(loader);
            s.places.push(Place::Dirs { by, dirs });
            return s;
        }
        if first.runpath.is_none() {
            for p in chain.iter().filter(|p| p.runpath.is_none()) {
                if let Some(r) = &p.rpath {
                    let dirs = entries(r, &[':'], p.origin.as_deref(), "DT_RPATH", &mut s.notes);
                    s.places.push(Place::Dirs {
                        by: "DT_RPATH".into(),
                        dirs,
                    });
                }
            }
        }
        if let Some(r) = &first.runpath {
            let dirs = entries(
                r,
                &[':'],
                first.origin.as_deref(),
                "DT_RUNPATH",
                &mut s.notes,
            );
            s.places.push(Place::Dirs {
                by: "DT_RUNPATH".into(),
                dirs,
            });
        }
        let (system, layout) = glibc_dirs(files, goarch);
        s.add_cache(
            goarch,
            loader,
            if first.nodeflib {
                system.clone()
            } else {
                Vec::new()
            },
        );
        if first.nodeflib {
            s.notes.push(
                "the binary is linked -z nodeflib: glibc's built-in directories are not searched"
                    .into(),
            );
        } else {
            s.places.push(Place::Dirs {
                by: format!("glibc's built-in directories ({layout})"),
                dirs: system,
            });
        }
        s
    }

    /// The cache, as glibc reads it for `loader`'s ABI.
    fn add_cache(&mut self, goarch: &str, loader: &str, not_in: Vec<String>) {
        let Some(abi) = Abi::of(goarch, loader) else {
            self.notes
                .push(format!("{LDCACHE} is not read for {goarch}"));
            return;
        };
        let big = target::arch(goarch).is_some_and(|a| a.endian == target::Endian::Big);
        match self.files.read_small(LDCACHE, MAX_LDCACHE) {
            Small::Bytes(b) => match ldcache::read(b, big) {
                Read::Cache(cache) => self.places.push(Place::Cache { cache, abi, not_in }),
                Read::Ignored(why) => self
                    .notes
                    .push(format!("{LDCACHE} is there but glibc ignores it: {why}")),
                Read::Malformed(why) => self.unreadable = Some(format!("{LDCACHE}: {why}")),
            },
            Small::Missing => self.notes.push(format!("no {LDCACHE}")),
            Small::NotFile => self
                .notes
                .push(format!("{LDCACHE} is not a file: glibc reads no cache")),
            Small::TooBig(n) => {
                self.unreadable = Some(format!(
                    "{LDCACHE} is {n} bytes, more than the {} MiB read (MAX_LDCACHE)",
                    MAX_LDCACHE >> 20
                ))
            }
            Small::NotLoaded => {
                self.unreadable = Some(format!(
                    "{LDCACHE} was not read (the image's files passed MAX_LOADED)"
                ))
            }
        }
    }

    /// musl's system path: the path file's entries, or the default; and what decided.
    fn musl_path(&mut self, loader: &str) -> (Vec<String>, String) {
        let default = || MUSL_DEFAULT.iter().map(|d| d.to_string()).collect();
        let Some(file) = musl_path_file(loader) else {
            return (default(), "musl's default path".into());
        };
        match self.files.read_small(&file, SMALL_CAP) {
            Small::Missing => (default(), format!("musl's default path (no {file})")),
            Small::Bytes(b) => {
                let text = String::from_utf8_lossy(b).into_owned();
                (
                    entries(&text, &[':', '\n'], None, &file, &mut self.notes),
                    file,
                )
            }
            // musl searches nothing when the file is there but cannot be read.
            Small::NotFile => (
                Vec::new(),
                format!("{file} (not a readable file: musl searches no system path)"),
            ),
            Small::TooBig(_) | Small::NotLoaded => {
                self.unreadable = Some(format!("{file} was not read (larger than SMALL_CAP)"));
                (Vec::new(), file)
            }
        }
    }

    /// Where the loader finds `name`, and what decided; `Ok(None)` when it would not;
    /// `Err` when the walk budget `left` runs out.
    pub fn find(&self, name: &str, left: &mut u64) -> Result<Option<Found>, String> {
        if name.contains('/') {
            return Ok(self.files.file_within(name, left)?.map(|real| Found {
                path: name.to_string(),
                real,
                by: "its path".into(),
            }));
        }
        if self.musl && musl_builtin(name) {
            return Ok(Some(Found {
                path: name.to_string(),
                real: name.to_string(),
                by: "musl's loader itself".into(),
            }));
        }
        for place in &self.places {
            match place {
                Place::Dirs { by, dirs } => {
                    if let Some((path, real)) = self.files.find_library_within(name, dirs, left)? {
                        return Ok(Some(Found {
                            path,
                            real,
                            by: by.clone(),
                        }));
                    }
                }
                Place::Cache { cache, abi, not_in } => {
                    let Some(path) = cache.lookup(name, *abi)? else {
                        continue;
                    };
                    if not_in.iter().any(|d| path.starts_with(&format!("{d}/"))) {
                        continue;
                    }
                    // A stale entry (the file gone) sends the loader on, as it does.
                    if let Some(real) = self.files.file_within(&path, left)? {
                        return Ok(Some(Found {
                            path,
                            real,
                            by: LDCACHE.into(),
                        }));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Every place, in order, as messages name them: `DT_RUNPATH /opt/lib`,
    /// `/etc/ld.so.cache (glibc-ld.so.cache1.1, 12 entries)`, `glibc's built-in
    /// directories (Debian's multiarch layout) /lib/aarch64-linux-gnu:...`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .places
            .iter()
            .map(|p| match p {
                Place::Dirs { by, dirs } if dirs.is_empty() => format!("{by} (nothing)"),
                Place::Dirs { by, dirs } => format!("{by} {}", dirs.join(":")),
                Place::Cache { cache, .. } => {
                    format!(
                        "{LDCACHE} ({}, {} entries)",
                        cache.format.name(),
                        cache.len()
                    )
                }
            })
            .collect();
        parts.extend(self.notes.iter().cloned());
        parts.join("; ")
    }

    /// Why the image has `name` and the loader still would not find it, when it does:
    /// a directory `/etc/ld.so.conf` lists but the cache lacks (run ldconfig), or
    /// `/usr/local/lib`, which glibc does not search by itself.
    pub fn why_not(&self, name: &str, left: &mut u64) -> Result<Vec<String>, String> {
        let mut why = Vec::new();
        if self.musl || name.contains('/') {
            return Ok(why);
        }
        let cached = self.places.iter().any(|p| matches!(p, Place::Cache { .. }));
        for dir in &self.files.conf_dirs {
            if let Some((path, _)) =
                self.files
                    .find_library_within(name, std::slice::from_ref(dir), left)?
            {
                why.push(format!(
                    "/etc/ld.so.conf lists {dir}, which has {path}, but glibc's loader reads only {LDCACHE}{}: run ldconfig when the image is built",
                    if cached { ", which has no entry for it" } else { " (and the image has no cache it reads)" }
                ));
                return Ok(why);
            }
        }
        let local = ["/usr/local/lib".to_string()];
        if let Some((path, _)) = self.files.find_library_within(name, &local, left)? {
            why.push(format!(
                "{path} is in /usr/local/lib, which glibc's loader does not search by itself (musl's does): \
                 list the directory in /etc/ld.so.conf.d/ and run ldconfig, or link with -Wl,-rpath"
            ));
        }
        Ok(why)
    }
}

#[cfg(test)]
mod tests;
