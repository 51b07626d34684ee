//! Building the file index: each layer's entries placed in turn (whiteouts, opaque
//! directories, hard links, parents made), every step within the index's budgets, and
//! the bytes of the few small files the judgement reads stored beside it.

use super::*;

impl ImageFiles {
    pub(super) fn note(&mut self, what: String) {
        self.skipped += 1;
        if self.notes.len() < MAX_NOTES {
            self.notes.push(what);
        }
    }

    pub(super) fn insert(&mut self, path: String, node: Node) -> Result<(), ImageError> {
        if self.nodes.contains_key(&path) {
            // What was there is replaced: a resolution cached through it may not hold.
            self.last_dir = None;
        } else {
            if self.nodes.len() >= MAX_FILES {
                return Err(ImageError::budget(format!(
                    "more than {MAX_FILES} files (MAX_FILES, the bound on one image)"
                )));
            }
            self.path_bytes += path.len() as u64;
            if self.path_bytes > MAX_PATH_BYTES {
                return Err(ImageError::budget(format!(
                    "more than {} MiB of path names (MAX_PATH_BYTES, the bound on one image)",
                    MAX_PATH_BYTES >> 20
                )));
            }
        }
        self.nodes.insert(path, node);
        Ok(())
    }

    pub(super) fn remove(&mut self, path: &str) {
        if self.nodes.remove(path).is_some() {
            self.path_bytes = self.path_bytes.saturating_sub(path.len() as u64);
            self.last_dir = None;
        }
    }

    /// Removes `path` and what lies below it, keeping what `layer` itself wrote.
    pub(super) fn remove_lower(&mut self, path: &str, layer: usize) -> Result<(), ImageError> {
        self.remove_lower_below(path, layer)?;
        if self.nodes.get(path).is_some_and(|n| n.layer != layer) {
            self.remove(path);
        }
        Ok(())
    }

    /// Removes what lower layers left below `path`. Every path looked at is charged to
    /// [`MAX_WALK`]: a layer's own files below stay and are looked at again by each
    /// whiteout, so a million whiteouts over a million files stop there.
    pub(super) fn remove_lower_below(
        &mut self,
        path: &str,
        layer: usize,
    ) -> Result<(), ImageError> {
        let (lo, hi) = subtree(path);
        let mut looked = 0u64;
        let doomed: Vec<String> = self
            .nodes
            .range(lo..hi)
            .inspect(|_| looked += 1)
            .filter(|(_, n)| n.layer != layer)
            .map(|(k, _)| k.clone())
            .collect();
        self.spend(looked)?;
        for k in doomed {
            self.remove(&k);
        }
        Ok(())
    }

    /// Charges `steps` to [`MAX_WALK`].
    pub(super) fn spend(&mut self, steps: u64) -> Result<(), ImageError> {
        if steps > self.walk_left {
            return Err(ImageError::budget(format!(
                "more than {MAX_WALK} path components walked placing the entries \
                 (MAX_WALK: symlinks that amplify, or whiteouts that rescan?)"
            )));
        }
        self.walk_left -= steps;
        Ok(())
    }

    /// Resolves a directory for an entry to go into, creating missing ones as extraction
    /// does (`mkdir -p`, through symlinks, inside the root).
    pub(super) fn ensure_dir(
        &mut self,
        dir: &str,
        layer: usize,
    ) -> Result<Result<String, String>, ImageError> {
        if let Some((written, real)) = &self.last_dir {
            if written == dir {
                return Ok(Ok(real.clone()));
            }
        }
        let found = self.ensure_dir_walk(dir, layer)?;
        if let Ok(real) = &found {
            self.last_dir = Some((dir.to_string(), real.clone()));
        }
        Ok(found)
    }

    pub(super) fn ensure_dir_walk(
        &mut self,
        dir: &str,
        layer: usize,
    ) -> Result<Result<String, String>, ImageError> {
        for _ in 0..MAX_PATH {
            let (found, steps) = self.resolve_counted(dir, true);
            // Ok(Ok(dir)), Ok(Err(missing)), Err(why not)
            let found = match found {
                Lookup::Found { path, node } if node.kind == Kind::Dir => Ok(Ok(path)),
                Lookup::Found { path, .. } | Lookup::NotDir { at: path } => {
                    Err(format!("`{path}` is not a directory"))
                }
                Lookup::Loop { at } => Err(format!("symlink loop at `{at}`")),
                Lookup::Missing { at } => Ok(Err(at)),
            };
            self.spend(steps)?;
            match found {
                Ok(Ok(path)) => return Ok(Ok(path)),
                Err(why) => return Ok(Err(why)),
                Ok(Err(at)) => {
                    let node = Node {
                        layer,
                        ..ROOT.clone()
                    };
                    self.insert(at, node)?;
                }
            }
        }
        Ok(Err(format!("`{dir}` does not resolve")))
    }

    /// Applies one entry of layer `layer` (its `ordinal`-th): whiteouts remove lower
    /// layers' paths, other entries replace what was there.
    pub(in crate::image) fn apply(
        &mut self,
        layer: usize,
        ordinal: u64,
        e: &Entry,
    ) -> Result<(), ImageError> {
        // A hostile name may be a megabyte: its first 100 characters name it.
        let shown: String = e.path.chars().take(100).collect();
        let more = if shown.len() < e.path.len() {
            "…"
        } else {
            ""
        };
        let what = |m: &str| {
            format!(
                "layer {}: entry `{}{more}` {m}",
                layer + 1,
                shown.escape_debug()
            )
        };
        if e.path.len() > MAX_PATH || e.link.as_ref().is_some_and(|l| l.len() > MAX_PATH) {
            return Err(ImageError::budget(what(&format!(
                "has a name or link target longer than {MAX_PATH} bytes (MAX_PATH)"
            ))));
        }
        let deep = |p: &str| components(p).nth(MAX_PATH_DEPTH).is_some();
        if deep(&e.path) || e.link.as_deref().is_some_and(deep) {
            return Err(ImageError::budget(what(&format!(
                "has a name or link target of more than {MAX_PATH_DEPTH} components (MAX_PATH_DEPTH)"
            ))));
        }
        let Some(path) = clean_abs(&e.path) else {
            // Docker and containerd refuse such layers: the image would not run at all.
            return Err(ImageError::new(what(
                "climbs out of the root with `..` (container runtimes refuse such layers)",
            )));
        };
        if path == "/" {
            return Ok(());
        }
        let (parent, name) = parent_and_name(&path);
        let parent = match self.ensure_dir(parent, layer)? {
            Ok(p) => p,
            Err(why) => {
                self.note(what(&format!("skipped: {why}")));
                return Ok(());
            }
        };
        let at = |n: &str| {
            if parent == "/" {
                format!("/{n}")
            } else {
                format!("{parent}/{n}")
            }
        };
        if name == ".wh..wh..opq" {
            // Opaque directory: what lower layers had in it is gone.
            return self.remove_lower_below(&parent, layer);
        }
        if let Some(gone) = name.strip_prefix(".wh.") {
            if !gone.is_empty() && gone != "." && gone != ".." {
                self.remove_lower(&at(gone), layer)?;
            }
            return Ok(());
        }
        let path = at(name);
        let mut node = Node {
            kind: Kind::File,
            mode: e.mode & 0o7777,
            size: e.size,
            link: None,
            layer,
            src: None,
        };
        match e.kind {
            EntryKind::Dir => {
                if let Some(n) = self.nodes.get_mut(&path) {
                    if n.kind == Kind::Dir {
                        n.mode = node.mode;
                        n.layer = layer;
                        return Ok(());
                    }
                }
                node.kind = Kind::Dir;
                node.size = 0;
            }
            EntryKind::File => node.src = Some((layer, ordinal)),
            EntryKind::Sparse => {} // its bytes in the layer are not the file's
            EntryKind::Special => {
                node.kind = Kind::Special;
                node.size = 0;
            }
            EntryKind::Symlink => {
                node.kind = Kind::Symlink;
                node.size = 0;
                node.link = Some(e.link.clone().unwrap_or_default());
            }
            EntryKind::HardLink => {
                let target = e.link.as_deref().and_then(clean_abs);
                let found = target.as_deref().and_then(|t| {
                    let (tp, tn) = parent_and_name(t);
                    match self.resolve(tp, true) {
                        Lookup::Found { path: dir, .. } => {
                            let full = if dir == "/" {
                                format!("/{tn}")
                            } else {
                                format!("{dir}/{tn}")
                            };
                            self.nodes
                                .get(&full)
                                .filter(|n| n.kind != Kind::Dir)
                                .cloned()
                        }
                        _ => None,
                    }
                });
                match found {
                    Some(t) => {
                        node = Node { layer, ..t };
                    }
                    None => {
                        self.note(what(&format!(
                            "skipped: a hard link to `{}`, which the layers so far do not have",
                            e.link.as_deref().unwrap_or("").escape_debug()
                        )));
                        return Ok(());
                    }
                }
            }
        }
        // Whatever was there (a lower layer's directory included) is replaced.
        if self.nodes.get(&path).is_some_and(|n| n.kind == Kind::Dir) {
            let (lo, hi) = subtree(&path);
            let below: Vec<String> = self.nodes.range(lo..hi).map(|(k, _)| k.clone()).collect();
            for k in below {
                self.remove(&k);
            }
        }
        self.insert(path, node)
    }

    /// The regular files behind `paths` (after symlinks) of at most `cap` bytes whose
    /// bytes are not yet loaded: (resolved path, layer, ordinal).
    pub(in crate::image) fn to_load(
        &self,
        paths: &[String],
        cap: u64,
    ) -> Vec<(String, usize, u64)> {
        let mut out: Vec<(String, usize, u64)> = Vec::new();
        for p in paths {
            if let Some((real, node)) = self.stat(p) {
                if let (Kind::File, Some((layer, ord))) = (node.kind, node.src) {
                    if node.size <= cap
                        && !self.contents.contains_key(&real)
                        && !out.iter().any(|(r, _, _)| *r == real)
                    {
                        out.push((real, layer, ord));
                    }
                }
            }
        }
        out
    }

    /// File bytes held so far.
    pub(in crate::image) fn loaded_bytes(&self) -> u64 {
        self.contents.values().map(|b| b.len() as u64).sum()
    }

    pub(in crate::image) fn store(&mut self, path: String, bytes: Vec<u8>) {
        self.contents.insert(path, bytes);
    }
}
