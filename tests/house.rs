//! The house rules of `src/` (src/lib.rs's module doc and docs/architecture.md say
//! them), read off the source itself so they stay true:
//! - each top-level module imports only modules of its own layer or below;
//! - no import cycle between files (but the few in [`KNOWN_CYCLES`], which may only
//!   shrink);
//! - no file over [`MAX_CODE_LINES`] lines of code (unit tests in a file of their own
//!   do not count; tests inline in a module do).
//!
//! A dependency is every `crate::…`, `super::…` and `self::…` path in the code (in
//! `use` lines or inline), and every `use NAME::…` of a child module, resolved to the
//! file that defines the longest prefix of the path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles accepted for now, each as `a <-> b <-> …` (sorted). None are left; a cycle
/// not listed fails, and so does a listed one that is gone or changed, so the list can
/// only shrink.
const KNOWN_CYCLES: &[&str] = &[];

/// Lines of code (not blank, not a comment) a file may have.
const MAX_CODE_LINES: usize = 800;

/// The layers, bottom first (layer 1 is the first row, as src/lib.rs and
/// docs/architecture.md number them). A module may import its own layer's modules and
/// those of lower layers, never a higher one.
const LAYERS: &[&[&str]] = &[
    // Facts and neutral helpers every layer may use.
    &[
        "target", "error", "sanitize", "envvars", "digest", "date", "input", "privfs", "suggest",
    ],
    &["profile"],
    &["image", "verify", "assemble"],
    &["toolchain", "registry"],
    &["report"],
    &["evidence"],
    &["pipeline"],
    &["commands", "cli"],
];

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

/// A source file and the module path it defines (`["verify", "elf"]`).
#[derive(Debug, Clone)]
struct Source {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources() -> Vec<Source> {
    let root = src_dir();
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap();
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().map(String::as_str) == Some("mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                // The crate root declares modules; the binary uses the library by name.
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(Source { path, module, text });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // Never pass by looking at nothing: the walk must have found the crate's rooms.
    for room in [
        "target",
        "profile",
        "verify",
        "toolchain",
        "report",
        "pipeline",
    ] {
        assert!(
            out.iter()
                .any(|s| s.module.first().map(String::as_str) == Some(room)),
            "tests/house.rs found no source of `{room}` under {}",
            root.display()
        );
    }
    out
}

/// The code of a file without comments and string literals (so a doc comment or a
/// message naming `crate::x` is no dependency).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings r"..." / r#"..."#.
        if c == b'r' && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) {
            let prev_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            if !prev_ident {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) == Some(&b'"') {
                    j += 1;
                    loop {
                        if j >= b.len() {
                            break;
                        }
                        if b[j] == b'"' && b[j + 1..].iter().take(hashes).all(|&h| h == b'#') {
                            j += 1 + hashes;
                            break;
                        }
                        j += 1;
                    }
                    out.push_str("\"\"");
                    i = j;
                    continue;
                }
            }
        }
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        // A char literal ('x', '\n', '"'), not a lifetime ('a).
        if c == b'\'' {
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            if b.get(i + 2) == Some(&b'\'') {
                i += 3;
                continue;
            }
        }
        out.push(c as char);
        i += 1;
    }
    out
}

/// `super::` paths inside an inline `mod NAME { … }` (a file's `mod tests`) are relative
/// to that inner module: rewritten to what they mean from the file's own module, so
/// `use super::*;` in a file's tests is the file itself, not its parent.
fn flatten_inline_mods(code: &str) -> String {
    let b = code.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out: Vec<u8> = Vec::with_capacity(code.len());
    let mut depth = 0usize;
    // The brace depth each open inline module's body is at.
    let mut mods: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !ident(b[i - 1]);
        if at_word && b[i..].starts_with(b"mod ") {
            // `mod NAME {` opens an inline module; `mod NAME;` declares a file.
            let rest = &b[i + 4..];
            let name_len = rest.iter().take_while(|&&c| ident(c)).count();
            let next = rest[name_len..].iter().find(|c| !c.is_ascii_whitespace());
            if next == Some(&b'{') {
                mods.push(depth + 1);
            }
        }
        if at_word && (i == 0 || b[i - 1] != b':') && b[i..].starts_with(b"super::") {
            let mut n = 0;
            while b[i + n * 7..].starts_with(b"super::") {
                n += 1;
            }
            let inner = mods.len();
            if n > inner {
                out.extend_from_slice("super::".repeat(n - inner).as_bytes());
            } else {
                out.extend_from_slice(b"self::");
            }
            i += n * 7;
            continue;
        }
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                if mods.last() == Some(&depth) {
                    mods.pop();
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every `use` statement's paths (braces expanded) and every inline
/// `crate::`/`super::`/`self::` path.
fn paths_in(code: &str) -> Vec<(Vec<String>, bool)> {
    let mut paths = Vec::new();
    // use statements, braces expanded.
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let after = &rest[at + 3..];
        let Some(end) = after.find(';') else { break };
        // A `pub use` re-export is the module's face, not a use of what it names.
        let before = rest[..at].trim_end();
        let reexport = before.ends_with("pub")
            || (before.ends_with(')')
                && before.rsplit("pub(").next().is_some_and(|t| t.len() < 12));
        let tree = after[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut found = Vec::new();
        expand(&tree, &mut Vec::new(), &mut found);
        paths.extend(found.into_iter().map(|p| (p, reexport)));
        rest = &after[end..];
    }
    // Inline paths.
    for anchor in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(pos) = code[from..].find(anchor) {
            let start = from + pos;
            from = start + anchor.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = code[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if tail.ends_with("::") {
                // The head of a use tree (`crate::a::{b, c}`): its use statement counts.
                continue;
            }
            let segs: Vec<String> = tail
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            paths.push((segs, false));
        }
    }
    paths
}

fn find_word(s: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = s[from..].find(word) {
        let at = from + p;
        let before = s[..at].chars().next_back();
        let after = s[at + word.len()..].chars().next();
        let bounded_before = !matches!(before, Some(c) if c.is_alphanumeric() || c == '_');
        let bounded_after = after.is_some_and(char::is_whitespace);
        if bounded_before && bounded_after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Expands a use tree such as `crate::{a::B,c::{d,e}}` into paths.
fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim().trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let head = &tree[..open];
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base: Vec<String> = head
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let depth = prefix.len();
        prefix.extend(base);
        for part in split_top(inner) {
            if part.is_empty() {
                continue;
            }
            expand(part, prefix, out);
        }
        prefix.truncate(depth);
    } else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        let mut full = prefix.clone();
        full.extend(
            path.split("::")
                .filter(|s| !s.is_empty() && *s != "*")
                .map(str::to_string),
        );
        out.push(full);
    }
}

/// Splits `a,b::{c,d},e` at the commas outside braces.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A module's `use` items, public or not (children may name a parent's private ones):
/// (module, name) → the path it names.
type Reexports = BTreeMap<(Vec<String>, String), Vec<String>>;
/// Each file's dependencies, by module path.
type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// `path` as written in module `here`, made absolute; `None` for another crate's path.
fn absolute(
    here: &[String],
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    Some(match first.as_str() {
        "crate" => path[1..].to_vec(),
        "self" => here.iter().chain(&path[1..]).cloned().collect(),
        "super" => {
            let mut base = here.to_vec();
            let mut segs = path;
            while segs.first().map(String::as_str) == Some("super") {
                base.pop();
                segs = &segs[1..];
            }
            base.into_iter().chain(segs.iter().cloned()).collect()
        }
        _ => {
            // `use child::…` of a child module (2018 uniform paths).
            let mut child = here.to_vec();
            child.push(first.clone());
            if !modules.contains(&child) {
                return None;
            }
            here.iter().chain(path).cloned().collect()
        }
    })
}

/// The file that defines what `path` names: the longest prefix that is a file of ours,
/// following that file's `pub use` re-exports to where the item really lives.
fn file_of(mut path: Vec<String>, modules: &BTreeSet<Vec<String>>, re: &Reexports) -> Vec<String> {
    for _ in 0..16 {
        let mut p = path.clone();
        while !p.is_empty() && !modules.contains(&p) {
            p.pop();
        }
        if p.len() < path.len() {
            if let Some(target) = re.get(&(p.clone(), path[p.len()].clone())) {
                let mut next = target.clone();
                next.extend(path[p.len() + 1..].iter().cloned());
                if next != path {
                    path = next;
                    continue;
                }
            }
        }
        return p;
    }
    path
}

fn reexports(srcs: &[Source], modules: &BTreeSet<Vec<String>>) -> Reexports {
    let mut re = Reexports::new();
    for src in srcs {
        for (path, is_reexport) in paths_in(&flatten_inline_mods(&code_only(&src.text))) {
            // Private `use` items are aliases too: a child may name them.
            let _ = is_reexport;
            let Some(last) = path.last() else {
                continue;
            };
            // A path that starts at another alias of the same module (`use go::gocheck;`
            // then `pub use gocheck::GoFacts;`) is kept relative: `file_of` follows it.
            let abs = absolute(&src.module, &path, modules)
                .unwrap_or_else(|| src.module.iter().chain(&path).cloned().collect());
            re.insert((src.module.clone(), last.clone()), abs);
        }
    }
    re
}

/// The files a source depends on, by module path. A `pub use` re-export is the
/// module's face, not a use of what it names: it is followed, not counted.
fn deps_of(src: &Source, modules: &BTreeSet<Vec<String>>, re: &Reexports) -> BTreeSet<Vec<String>> {
    let mut deps = BTreeSet::new();
    for (path, is_reexport) in paths_in(&flatten_inline_mods(&code_only(&src.text))) {
        if is_reexport {
            continue;
        }
        let Some(abs) = absolute(&src.module, &path, modules) else {
            continue;
        };
        let p = file_of(abs, modules, re);
        if !p.is_empty() && p != src.module {
            deps.insert(p);
        }
    }
    deps
}

fn graph() -> (Vec<Source>, Graph) {
    let srcs = sources();
    let modules: BTreeSet<Vec<String>> = srcs.iter().map(|s| s.module.clone()).collect();
    let re = reexports(&srcs, &modules);
    let g = srcs
        .iter()
        .map(|s| (s.module.clone(), deps_of(s, &modules, &re)))
        .collect();
    (srcs, g)
}

fn name(m: &[String]) -> String {
    m.join("::")
}

#[test]
fn every_module_imports_only_its_layer_and_below() {
    let (_, g) = graph();
    let mut broken = Vec::new();
    for (file, deps) in &g {
        let Some(mine) = layer_of(&file[0]) else {
            broken.push(format!(
                "{}: the top-level module `{}` has no layer in tests/house.rs (add it where it belongs)",
                name(file),
                file[0]
            ));
            continue;
        };
        for dep in deps {
            let theirs = layer_of(&dep[0]).unwrap_or(usize::MAX);
            if theirs > mine {
                broken.push(format!(
                    "{} (layer {}: {}) imports {} (layer {}: {})",
                    name(file),
                    mine + 1,
                    file[0],
                    name(dep),
                    theirs.saturating_add(1),
                    dep[0]
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} imports break the layers (bottom first: {:?}):\n{}",
        broken.len(),
        LAYERS,
        broken.join("\n")
    );
}

#[test]
fn no_import_cycle_between_files() {
    let (_, g) = graph();
    // Tarjan's strongly connected components.
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        on: BTreeSet<&'a Vec<String>>,
        stack: Vec<&'a Vec<String>>,
        next: usize,
        sccs: Vec<Vec<&'a Vec<String>>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let Some((w, _)) = g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.push(w);
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                t.sccs.push(scc);
            }
        }
    }
    let mut t = T {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        sccs: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    let mut known_seen = BTreeSet::new();
    let cycles: Vec<String> = t
        .sccs
        .iter()
        .filter(|scc| {
            let mut names: Vec<String> = scc.iter().map(|m| name(m)).collect();
            names.sort();
            let joined = names.join(" <-> ");
            let known = KNOWN_CYCLES.contains(&joined.as_str());
            if known {
                known_seen.insert(joined);
            }
            !known
        })
        .map(|scc| {
            let mut names: Vec<String> = scc.iter().map(|m| name(m)).collect();
            names.sort();
            // The edges inside the cycle, so the one to cut can be chosen.
            let mut edges = Vec::new();
            for from in scc {
                for to in g.get(*from).into_iter().flatten() {
                    if scc.contains(&to) {
                        edges.push(format!("  {} -> {}", name(from), name(to)));
                    }
                }
            }
            edges.sort();
            format!("{}\n{}", names.join(" <-> "), edges.join("\n"))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "{} import cycles between files:\n{}",
        cycles.len(),
        cycles.join("\n")
    );
    let gone: Vec<&&str> = KNOWN_CYCLES
        .iter()
        .filter(|k| !known_seen.contains(**k))
        .collect();
    assert!(
        gone.is_empty(),
        "cycles listed in KNOWN_CYCLES are gone or changed: remove them from the list \
         (it may only shrink):\n{gone:#?}"
    );
}

/// Lines that are neither blank nor only a comment.
fn code_lines(text: &str) -> usize {
    let mut in_block = false;
    text.lines()
        .filter(|l| {
            let t = l.trim();
            if in_block {
                if t.contains("*/") {
                    in_block = false;
                }
                return false;
            }
            if t.starts_with("/*") {
                in_block = !t.contains("*/");
                return false;
            }
            !t.is_empty() && !t.starts_with("//")
        })
        .count()
}

#[test]
fn no_file_is_over_800_lines_of_code() {
    let mut big: Vec<(usize, String)> = sources()
        .iter()
        .map(|s| (code_lines(&s.text), s.path.display().to_string()))
        .filter(|(n, _)| *n > MAX_CODE_LINES)
        .collect();
    big.sort_by(|a, b| b.cmp(a));
    assert!(
        big.is_empty(),
        "{} files are over {MAX_CODE_LINES} lines of code (split them by responsibility; \
         unit tests may move to a file of their own):\n{}",
        big.len(),
        big.iter()
            .map(|(n, p)| format!("{n:5} {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// The reader itself, on code whose answer is known.
#[test]
fn the_reader_finds_use_trees_inline_paths_and_skips_comments_and_strings() {
    let code = code_only(
        "use crate::{verify::{elf, pe::Pe}, report as r};\n\
         // crate::commented::out\n\
         let s = \"crate::in_a_string\";\n\
         let c = '\"'; let x = crate::toolchain::run::go(1);\n\
         use super::super::up;\n",
    );
    let got: BTreeSet<String> = paths_in(&code).iter().map(|(p, _)| p.join("::")).collect();
    for want in [
        "crate::verify::elf",
        "crate::verify::pe::Pe",
        "crate::report",
        "crate::toolchain::run::go",
        "super::super::up",
    ] {
        assert!(got.contains(want), "missing {want} in {got:?}");
    }
    assert!(!got
        .iter()
        .any(|p| p.contains("commented") || p.contains("in_a_string")));
    assert_eq!(
        code_lines("// a\n\nfn x() {}\n/* b\n c */\nlet y = 1;\n"),
        2
    );
    let inner = flatten_inline_mods(
        "use super::a;\nmod tests {\n use super::*; use super::super::b;\n}\nuse super::c;",
    );
    assert_eq!(
        inner,
        "use super::a;\nmod tests {\n use self::*; use super::b;\n}\nuse super::c;"
    );
}
