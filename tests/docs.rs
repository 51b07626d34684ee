//! The documentation is checked against the code: every profile key the schema knows
//! is in docs/profile.md and nothing else is; every check id the tool can emit is in
//! docs/verification.md; every relative link resolves; and every fenced block marked
//! as runnable (```toml profile, ```sh run; see docs/README.md) is run through the
//! real binary, with the real go, and exits as the block says.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use util::{base_env, bin, fixture, repo, require_tool, run_env, Project};
use xbuild_go::profile::schema::{FILE_KEYS, IMAGE_KEYS, LAYER_KEYS, TARGET_KEYS, VERIFY_KEYS};

/// README.md and every page in docs/, sorted.
fn pages() -> Vec<PathBuf> {
    let mut v = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    v.extend(docs);
    v
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One fenced block: its info string, first line number and body.
struct Block {
    info: String,
    line: usize,
    body: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                open = Some(Block {
                    info: line.trim_start().trim_start_matches('`').trim().to_string(),
                    line: i + 1,
                    body: String::new(),
                })
            }
            (Some(_), true) => out.extend(open.take()),
            (Some(b), false) => {
                b.body.push_str(line);
                b.body.push('\n');
            }
            (None, false) => {}
        }
    }
    out
}

/// The lines of `text` outside fenced blocks.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The keys in the first column of the table that follows `<!-- keys: NAME -->`.
fn documented_keys(text: &str, name: &str) -> Vec<String> {
    let marker = format!("<!-- keys: {name} -->");
    let mut lines = text.lines().skip_while(|l| l.trim() != marker);
    assert!(
        lines.next().is_some(),
        "docs/profile.md has no `{marker}` before its table of {name} keys"
    );
    lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.trim_start().starts_with('|'))
        .filter_map(|row| {
            let cell = row.trim().trim_start_matches('|').split('|').next()?.trim();
            let key = cell.strip_prefix('`')?.strip_suffix('`')?;
            Some(key.to_string())
        })
        .collect()
}

#[test]
fn every_profile_key_is_documented_and_nothing_else() {
    let doc = read(&repo().join("docs/profile.md"));
    let mut problems = Vec::new();
    for (name, known) in [
        ("file", FILE_KEYS),
        ("layer", LAYER_KEYS),
        ("target", TARGET_KEYS),
        ("verify", VERIFY_KEYS),
        ("image", IMAGE_KEYS),
    ] {
        let documented = documented_keys(&doc, name);
        let documented_set: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
        let known_set: BTreeSet<&str> = known.iter().copied().collect();
        for k in known_set.difference(&documented_set) {
            problems.push(format!(
                "{name} key `{k}` is known to the schema but has no row in docs/profile.md"
            ));
        }
        for k in documented_set.difference(&known_set) {
            problems.push(format!(
                "{name} key `{k}` is documented in docs/profile.md but the schema does not know it"
            ));
        }
        if documented.len() != documented_set.len() {
            problems.push(format!(
                "the {name} table of docs/profile.md lists a key twice"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Check ids are dotted names of these families (`runs-on.IMAGE` per image).
const CHECK_FAMILIES: &[&str] = &[
    "elf",
    "macho",
    "pe",
    "link",
    "symbols",
    "arm",
    "aarch64",
    "go",
    "libc",
    "size",
    "run",
    "build",
    "provenance",
];

/// String literals of the check-id shape that are file names, not check ids.
const NOT_CHECK_IDS: &[&str] = &["go.mod", "go.work", "go.sum", "libc.so", "libc.conf"];

/// Every string literal in `code` (no raw strings; good enough for ids).
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut chars = line.chars();
        let mut cur: Option<String> = None;
        while let Some(c) = chars.next() {
            match (&mut cur, c) {
                (None, '"') => cur = Some(String::new()),
                (Some(_), '"') => out.extend(cur.take()),
                (Some(s), '\\') => {
                    s.push('\\');
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                }
                (Some(s), c) => s.push(c),
                (None, '\'') => {
                    // A char literal such as '"' must not open a string.
                    let rest: String = chars.clone().take(3).collect();
                    if rest.starts_with("\"'") || rest.starts_with("\\\"'") {
                        chars.nth(rest.find('\'').unwrap_or(0));
                    }
                }
                (None, _) => {}
            }
        }
    }
    out
}

/// The check id a literal stands for, if it is one: `runs-on.{name}` and
/// `run.smoke.{name}` (format strings) are `runs-on.IMAGE` and `run.smoke.IMAGE`.
fn as_check_id(lit: &str) -> Option<String> {
    if lit == "format" {
        return Some(lit.to_string());
    }
    for family in ["runs-on", "run.smoke"] {
        if let Some(rest) = lit.strip_prefix(&format!("{family}.")) {
            return (rest.starts_with('{') && rest.ends_with('}'))
                .then(|| format!("{family}.IMAGE"));
        }
    }
    let (family, name) = lit.split_once('.')?;
    let ok = CHECK_FAMILIES.contains(&family)
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        && !NOT_CHECK_IDS.contains(&lit);
    ok.then(|| lit.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "tests") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs")
            && p.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(p);
        }
    }
}

/// The check ids the source can emit: literals of the id shape in library code (unit
/// tests cut off; doctor's lines are findings, not checks).
fn check_ids_in_source() -> BTreeMap<String, String> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut ids = BTreeMap::new();
    for f in files {
        if f.to_string_lossy().contains("doctor") {
            continue;
        }
        let text = read(&f);
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for lit in string_literals(code) {
            if let Some(id) = as_check_id(&lit) {
                ids.entry(id).or_insert_with(|| rel(&f));
            }
        }
    }
    ids
}

/// The check ids `verify` reports for the small binaries in fixtures/bin.
fn check_ids_emitted() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let cwd = tempfile::tempdir().unwrap();
    for (file, target) in [
        ("aarch64-bti", "linux/arm64"),
        ("aarch64-dynamic", "linux/arm64"),
        ("aarch64-dynamic-unstripped", "linux/arm64"),
        ("aarch64-static-nolibc", "linux/arm64"),
        ("armel-static-nolibc-soft", "linux/arm/v7"),
        ("armhf-dynamic", "linux/arm/v7"),
        ("armhf-static-nolibc", "linux/arm/v7"),
        ("x86_64-dynamic", "linux/amd64"),
    ] {
        let path = fixture(&format!("bin/{file}"));
        let path = path.to_str().unwrap();
        let r = run_env(
            cwd.path(),
            &[
                "verify",
                path,
                "--target",
                target,
                "--message-format",
                "json",
            ],
            &base_env(),
        );
        let artifacts = r.artifacts();
        assert!(!artifacts.is_empty(), "no artifact event\n{r}");
        for a in artifacts {
            for c in a["verdict"]["checks"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                let id = if id.starts_with("runs-on.") {
                    "runs-on.IMAGE"
                } else {
                    id
                };
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

#[test]
fn every_check_id_is_in_verification_md() {
    let doc = read(&repo().join("docs/verification.md"));
    let source = check_ids_in_source();
    assert!(
        source.len() >= 20,
        "found only {} check ids in src/ ({:?}): has the way checks are made changed? \
         Update check_ids_in_source",
        source.len(),
        source.keys()
    );
    let mut missing: Vec<String> = source
        .iter()
        .filter(|(id, _)| !doc.contains(&format!("`{id}`")))
        .map(|(id, file)| format!("`{id}` (made in {file}) is not in docs/verification.md"))
        .collect();
    for id in check_ids_emitted() {
        if !doc.contains(&format!("`{id}`")) {
            missing.push(format!(
                "`{id}` (emitted by verify) is not in docs/verification.md"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .into_iter()
        .filter_map(|(_, l)| {
            let h = l.trim_start_matches('#');
            (l.starts_with('#') && h.starts_with(' ')).then(|| slug(h))
        })
        .collect()
}

/// Every `(page, line, item)` that `find` picks out of the pages' texts.
fn in_pages(find: impl Fn(&str) -> Vec<(usize, String)>) -> Vec<(PathBuf, usize, String)> {
    let mut out = Vec::new();
    for page in pages() {
        let found = find(&read(&page));
        out.extend(
            found
                .into_iter()
                .map(|(line, item)| (page.clone(), line, item)),
        );
    }
    out
}

/// Every `](target)` in the prose of `text`.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(text) {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            if let Some(j) = rest.find(')') {
                out.push((n, rest[..j].to_string()));
                rest = &rest[j..];
            }
        }
    }
    out
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    let relative: Vec<_> = in_pages(links)
        .into_iter()
        .filter(|(_, _, target)| !target.contains("://") && !target.starts_with("mailto:"))
        .collect();
    for (page, line, target) in &relative {
        let (file, anchor) = match target.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (target.as_str(), None),
        };
        let dest = if file.is_empty() {
            page.clone()
        } else {
            page.parent().unwrap().join(file)
        };
        let at = format!("{}:{line}: `{target}`", rel(page));
        if !dest.exists() {
            broken.push(format!("{at}: {} does not exist", dest.display()));
            continue;
        }
        if let Some(a) = anchor {
            let dest_text = if dest.is_file() {
                read(&dest)
            } else {
                String::new()
            };
            if !anchors(&dest_text).contains(a) {
                broken.push(format!("{at}: {} has no heading #{a}", rel(&dest)));
            }
        }
    }
    let checked = relative.len();
    assert!(checked > 20, "only {checked} relative links found");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The exit a block expects: its `# exit N` line, else 0.
fn expected_exit(body: &str) -> i32 {
    body.lines()
        .find_map(|l| l.trim().strip_prefix("# exit ")?.trim().parse().ok())
        .unwrap_or(0)
}

/// `cargo xbuild-go` in a block runs the binary under test.
const SH_PRELUDE: &str = r#"cargo() { if [ "$1" = xbuild-go ]; then shift; "$XBUILD_GO_BIN" "$@"; else command cargo "$@"; fi; }
"#;

#[test]
fn runnable_blocks_in_the_docs_run() {
    if !require_tool("go", "runs the docs' examples") {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let mut env = base_env();
    env.insert(
        "XBUILD_GO_CACHE_DIR".into(),
        cache.path().to_str().unwrap().into(),
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let text = read(&page);
        let mut profile: Option<String> = None;
        for b in blocks(&text) {
            let at = format!("{}:{}", rel(&page), b.line);
            let want = expected_exit(&b.body);
            let project = Project::copy_of("hello");
            let r = match b.info.as_str() {
                "toml profile" => {
                    project.file("xbuild-go.toml", &b.body);
                    if want == 0 {
                        profile = Some(b.body.clone());
                    }
                    run_env(project.path(), &["profiles"], &env)
                }
                "sh run" => {
                    if let Some(p) = &profile {
                        project.file("xbuild-go.toml", p);
                    }
                    let out = Command::new("sh")
                        .arg("-ec")
                        .arg(format!("{SH_PRELUDE}{}", b.body))
                        .current_dir(project.path())
                        .env_clear()
                        .envs(&env)
                        .env("XBUILD_GO_BIN", bin())
                        .output()
                        .expect("spawn sh");
                    util::Run {
                        cmd: format!("sh -ec {:?}", b.body),
                        cwd: project.path().to_path_buf(),
                        code: out.status.code(),
                        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                    }
                }
                _ => continue,
            };
            ran += 1;
            if r.code != Some(want) {
                failures.push(format!("{at}: expected exit {want}\n{r}"));
            }
        }
    }
    assert!(ran >= 10, "only {ran} runnable blocks found in the docs");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The README stays a front door: the reference lives in docs/.
#[test]
fn readme_is_at_most_300_lines_and_keeps_its_two_commands() {
    let readme = read(&repo().join("README.md"));
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines; move reference text to docs/"
    );
    // .ci/run and the tests rely on these two commands at the top.
    for cmd in [
        "cargo run --release -- xbuild-go -C fixtures/go/hello --target linux/arm64",
        "cargo test",
    ] {
        assert!(
            readme.lines().take(15).any(|l| l.trim() == cmd),
            "README.md no longer starts with `{cmd}`"
        );
    }
}

/// Every source file of `src/` but the unit-test files, relative to `src/`.
fn source_files(dir: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "tests" {
                source_files(&p, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.insert(rel(&p).trim_start_matches("src/").to_string());
        }
    }
}

#[test]
fn architecture_names_every_source_file_in_its_room() {
    let text = read(&repo().join("docs/architecture.md"));
    let table = text
        .split_once("<!-- files -->")
        .expect("docs/architecture.md has a `<!-- files -->` table")
        .1;
    let mut named = BTreeSet::new();
    let mut rows = 0;
    for line in table.lines().skip_while(|l| l.trim().is_empty()) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let room = cells[1].split(' ').next().unwrap_or("").trim_matches('`');
        let files = cells[2];
        let Some(dir) = room.strip_prefix("src/") else {
            continue;
        };
        rows += 1;
        for f in files.split_whitespace() {
            let path = format!("{dir}{}", f.trim_matches('`'));
            assert!(named.insert(path.clone()), "{path} is named twice");
        }
    }
    assert!(rows > 10, "only {rows} rooms in the table");
    let mut actual = BTreeSet::new();
    source_files(&repo().join("src"), &mut actual);
    let missing: Vec<_> = actual.difference(&named).collect();
    let stale: Vec<_> = named.difference(&actual).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md's file table is out of date:\n  not named: {missing:?}\n  named but absent: {stale:?}"
    );
}

/// Every `src/….rs` path in `text` (not part of a longer path or word), with its line.
fn source_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("src/") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || "_/.-".contains(c)))
                .unwrap_or(tail.len());
            let path = tail[..end].trim_end_matches('.');
            rest = &tail[end..];
            let before = line.len() - tail.len();
            let standalone = before == 0
                || !line.as_bytes()[before - 1].is_ascii_alphanumeric()
                    && line.as_bytes()[before - 1] != b'/';
            if standalone && path.ends_with(".rs") {
                out.push((n + 1, path.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_source_path_the_docs_name_exists() {
    let named = in_pages(source_paths);
    let broken: Vec<String> = named
        .iter()
        .filter(|(_, _, path)| !repo().join(path).is_file())
        .map(|(page, line, path)| format!("{}:{line}: {path} does not exist", rel(page)))
        .collect();
    let checked = named.len();
    assert!(
        checked > 10,
        "only {checked} source paths found in the docs"
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
