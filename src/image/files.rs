//! The file index of an image: every path the layers leave (names, types, modes, sizes,
//! link targets), after whiteouts, with symlinks resolved inside the image root, and the
//! bytes of the few small files the judgement reads. Pure data once built: the
//! queries here (resolution within its budgets, listing, library lookup) do no I/O, so
//! verify can consume it; `build` places the layers' entries.

use std::collections::{BTreeMap, VecDeque};

use super::tarwalk::{Entry, EntryKind};
use super::{ImageError, Platform};

/// Symlinks followed while resolving one path, as Linux's MAXSYMLINKS.
pub const MAX_HOPS: usize = 40;
/// The longest path an entry or link target may have.
pub const MAX_PATH: usize = 4096;
/// The most components an entry's name or a link target may have.
pub const MAX_PATH_DEPTH: usize = 256;
/// The most paths the index holds.
pub const MAX_FILES: usize = 1_000_000;
/// The most bytes of path names the index holds, all paths together.
pub const MAX_PATH_BYTES: u64 = 256 << 20;
/// Path components walked while building the index (placing every entry in its
/// directory, links followed), all entries together: symlink chains that amplify stop here.
pub const MAX_WALK: u64 = 10_000_000;
/// Path components walked looking up the libraries one binary needs in an image, all
/// lookups together (every directory of the search path tried for every name).
pub const MAX_LOOKUP_WALK: u64 = 2_000_000;
/// Notes kept about skipped entries (the rest are counted).
const MAX_NOTES: usize = 20;

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// Device, FIFO.
    Special,
}

/// One path of the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    /// Permission bits (and setuid/setgid/sticky), e.g. `0o1777`.
    pub mode: u32,
    /// File size; 0 for others.
    pub size: u64,
    /// Symlink target as stored.
    pub link: Option<String>,
    /// The layer (from 0) that last wrote this path.
    pub layer: usize,
    /// Where its bytes are: the layer and the entry's ordinal in it (regular files).
    pub(super) src: Option<(usize, u64)>,
}

const ROOT: Node = Node {
    kind: Kind::Dir,
    mode: 0o755,
    size: 0,
    link: None,
    layer: 0,
    src: None,
};

/// The outcome of resolving a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Found at `path` (symlinks resolved).
    Found { path: String, node: &'a Node },
    /// Nothing at `at` (the first missing component, resolved).
    Missing { at: String },
    /// `at` is not a directory but the path goes on below it.
    NotDir { at: String },
    /// More than [`MAX_HOPS`] symlinks, at `at`.
    Loop { at: String },
}

/// The result of [`ImageFiles::read_small`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Small<'a> {
    Bytes(&'a [u8]),
    /// No such path (after symlinks).
    Missing,
    /// A directory, device or FIFO.
    NotFile,
    /// Larger than the cap: its size.
    TooBig(u64),
    /// A file whose bytes were not read when the image was (only the files listed in
    /// [`super::SMALL_FILES`], `/etc/ld.so.conf.d/*.conf` and the libc are).
    NotLoaded,
}

/// The files of one image, for one platform.
#[derive(Clone)]
pub struct ImageFiles {
    /// The reference as the profile wrote it.
    pub reference: String,
    /// The platform of the manifest read (from its config).
    pub platform: Platform,
    /// The manifest's digest, when the image has one.
    pub manifest: Option<String>,
    /// Layers applied.
    pub layers: usize,
    /// The config's `User`, if set.
    pub user: Option<String>,
    /// The directories `/etc/ld.so.conf` lists (its includes followed): what ldconfig
    /// builds the cache from, never read by the loader itself ([`super::ldpath`]).
    pub conf_dirs: Vec<String>,
    /// Entries skipped (a hard link to nothing, an entry under a file, ...), as notes.
    pub notes: Vec<String>,
    pub skipped: usize,
    /// Set when reading the image would have passed a budget: why. The index is then
    /// incomplete, and a judgement on it is `unknown`.
    pub over_budget: Option<String>,
    pub(super) nodes: BTreeMap<String, Node>,
    /// Bytes of path names held.
    path_bytes: u64,
    /// Components the building may still walk ([`MAX_WALK`]).
    walk_left: u64,
    /// The last directory an entry went into: (as written, resolved). Valid until a path
    /// that existed is replaced or removed.
    last_dir: Option<(String, String)>,
    pub(super) contents: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for ImageFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageFiles")
            .field("reference", &self.reference)
            .field("platform", &self.platform)
            .field("layers", &self.layers)
            .field("files", &self.nodes.len())
            .field("loaded", &self.contents.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Splits a path into its components, dropping empty ones and `.`.
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

fn join(parts: &[String]) -> String {
    if parts.is_empty() {
        "/".to_string()
    } else {
        let mut s = String::new();
        for p in parts {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}

/// Lexically cleaned absolute path of a tar name; `None` when `..` climbs above the root.
fn clean_abs(name: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in components(name) {
        if c == ".." {
            parts.pop()?;
        } else {
            parts.push(c.to_string());
        }
    }
    Some(join(&parts))
}

fn parent_and_name(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", n)) => ("/", n),
        Some((p, n)) => (p, n),
        None => ("/", path),
    }
}

/// The bounds of a path's descendants in the index: `/a/` up to `/a0`.
fn subtree(path: &str) -> (String, String) {
    if path == "/" {
        ("/".to_string(), "0".to_string())
    } else {
        (format!("{path}/"), format!("{path}0"))
    }
}

impl ImageFiles {
    /// Where a file put at the absolute `path` lands in the image: its directory's
    /// symlinks resolved inside the image (the missing part appended as it would be
    /// made), then its name. `None` when a component on the way is a file, a link to
    /// nothing or a loop, or the path climbs with `..`.
    pub fn place(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = components(path).collect();
        let (name, dirs) = parts.split_last()?;
        if parts.contains(&"..") {
            return None;
        }
        let mut at = String::new();
        let mut missing = false;
        for c in dirs {
            let next = format!("{at}/{c}");
            if missing {
                at = next;
                continue;
            }
            match self.resolve(&next, true) {
                Lookup::Found { path, node } if node.kind == Kind::Dir => {
                    at = if path == "/" { String::new() } else { path };
                }
                Lookup::Missing { at: gone } if gone == next => {
                    missing = true;
                    at = next;
                }
                _ => return None,
            }
        }
        Some(format!("{at}/{name}"))
    }

    pub(super) fn new(reference: &str, platform: Platform) -> ImageFiles {
        ImageFiles {
            reference: reference.to_string(),
            platform,
            manifest: None,
            layers: 0,
            user: None,
            conf_dirs: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
            over_budget: None,
            nodes: BTreeMap::new(),
            path_bytes: 0,
            walk_left: MAX_WALK,
            last_dir: None,
            contents: BTreeMap::new(),
        }
    }

    /// How many paths the image has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn node(&self, path: &str) -> Option<&Node> {
        if path == "/" {
            Some(&ROOT)
        } else {
            self.nodes.get(path)
        }
    }

    /// Resolves `path` inside the image root: absolute link targets start from the root,
    /// `..` never climbs above it, at most [`MAX_HOPS`] links. With `follow_last` false
    /// a final symlink is returned itself.
    pub fn resolve(&self, path: &str, follow_last: bool) -> Lookup<'_> {
        self.resolve_counted(path, follow_last).0
    }

    /// [`ImageFiles::resolve`], and the components it walked. The path so far is kept as
    /// one string (a component pushed or popped), so a deep path costs its length, not
    /// its length squared.
    fn resolve_counted(&self, path: &str, follow_last: bool) -> (Lookup<'_>, u64) {
        // `here` is "/a/b"; `ends` the length of `here` before each component.
        let mut here = String::new();
        let mut ends: Vec<usize> = Vec::new();
        let mut todo: VecDeque<&str> = components(path).collect();
        let mut hops = 0;
        let mut steps = 0u64;
        let shown = |h: &str| {
            if h.is_empty() {
                "/".to_string()
            } else {
                h.to_string()
            }
        };
        while let Some(c) = todo.pop_front() {
            steps += 1;
            if c == ".." {
                if let Some(end) = ends.pop() {
                    here.truncate(end);
                }
                continue;
            }
            ends.push(here.len());
            here.push('/');
            here.push_str(c);
            let Some(node) = self.node(&here) else {
                return (Lookup::Missing { at: here }, steps);
            };
            match node.kind {
                Kind::Symlink if follow_last || !todo.is_empty() => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return (Lookup::Loop { at: here }, steps);
                    }
                    let target = node.link.as_deref().unwrap_or("");
                    if let Some(end) = ends.pop() {
                        here.truncate(end);
                    }
                    if target.starts_with('/') {
                        here.clear();
                        ends.clear();
                    }
                    for t in components(target).collect::<Vec<_>>().into_iter().rev() {
                        todo.push_front(t);
                    }
                }
                Kind::Dir => {}
                _ if !todo.is_empty() => return (Lookup::NotDir { at: here }, steps),
                _ => {}
            }
        }
        let path = shown(&here);
        let found = match self.node(&path) {
            Some(node) => Lookup::Found { path, node },
            None => Lookup::Missing { at: path },
        };
        (found, steps)
    }

    /// Whether `path` exists after following symlinks.
    pub fn exists(&self, path: &str) -> bool {
        matches!(self.resolve(path, true), Lookup::Found { .. })
    }

    /// The node at `path` after symlinks, and its resolved path.
    pub fn stat(&self, path: &str) -> Option<(String, &Node)> {
        match self.resolve(path, true) {
            Lookup::Found { path, node } => Some((path, node)),
            _ => None,
        }
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.stat(path).is_some_and(|(_, n)| n.kind == Kind::Dir)
    }

    pub fn is_file(&self, path: &str) -> bool {
        self.stat(path).is_some_and(|(_, n)| n.kind == Kind::File)
    }

    /// Permission bits after symlinks.
    pub fn mode(&self, path: &str) -> Option<u32> {
        self.stat(path).map(|(_, n)| n.mode)
    }

    /// The names directly in a directory (after symlinks), sorted.
    pub fn list_dir(&self, path: &str) -> Vec<&str> {
        let Some((dir, node)) = self.stat(path) else {
            return Vec::new();
        };
        if node.kind != Kind::Dir {
            return Vec::new();
        }
        let (lo, hi) = subtree(&dir);
        let skip = lo.len();
        // The children only: past a child's own subtree in one jump (`c/` .. `c0`), so
        // a directory of a few names above a million files costs a few lookups.
        let mut out = Vec::new();
        let mut from = std::ops::Bound::Included(lo.clone());
        loop {
            let range = (from.clone(), std::ops::Bound::Excluded(hi.clone()));
            let Some((k, _)) = self.nodes.range::<String, _>(range).next() else {
                break;
            };
            let rest = &k[skip..];
            match rest.split_once('/') {
                None => {
                    out.push(rest);
                    from = std::ops::Bound::Excluded(k.clone());
                }
                Some((child, _)) => {
                    from = std::ops::Bound::Included(format!("{lo}{child}0"));
                }
            }
        }
        out
    }

    /// A file's bytes, when at most `cap` and read with the image.
    pub fn read_small(&self, path: &str, cap: u64) -> Small<'_> {
        let Some((real, node)) = self.stat(path) else {
            return Small::Missing;
        };
        if node.kind != Kind::File {
            return Small::NotFile;
        }
        if node.size > cap {
            return Small::TooBig(node.size);
        }
        match self.contents.get(&real) {
            Some(b) => Small::Bytes(b),
            None => Small::NotLoaded,
        }
    }

    /// Finds a library `name` in `dirs`, in order, as a loader does: a name with a slash
    /// is a path itself. Returns the path it was found at (before symlinks) and where
    /// that resolves; `Err` when the budget of path components walked, shared by the
    /// caller's lookups ([`MAX_LOOKUP_WALK`] for one binary), runs out.
    pub fn find_library_within(
        &self,
        name: &str,
        dirs: &[String],
        left: &mut u64,
    ) -> Result<Option<(String, String)>, String> {
        if name.contains('/') {
            return Ok(self
                .file_within(name, left)?
                .map(|real| (name.to_string(), real)));
        }
        for dir in dirs {
            let p = format!("{}/{name}", dir.trim_end_matches('/'));
            if let Some(real) = self.file_within(&p, left)? {
                return Ok(Some((p, real)));
            }
        }
        Ok(None)
    }

    /// Where `path` resolves when it is a regular file there, within the budget `left`
    /// of path components walked (see [`ImageFiles::find_library_within`]).
    pub fn file_within(&self, path: &str, left: &mut u64) -> Result<Option<String>, String> {
        let (found, steps) = self.resolve_counted(path, true);
        if steps > *left {
            return Err(format!(
                "looking up libraries walked more than {MAX_LOOKUP_WALK} path components \
                 (MAX_LOOKUP_WALK)"
            ));
        }
        *left -= steps;
        Ok(match found {
            Lookup::Found { path, node } if node.kind == Kind::File => Some(path),
            _ => None,
        })
    }
}

mod build;

#[cfg(test)]
mod tests;
