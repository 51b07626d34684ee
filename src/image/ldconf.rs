//! `/etc/ld.so.conf`, ldconfig's input: the directories it lists, its `include` lines
//! with a `*` in the last component followed, as ldconfig builds `/etc/ld.so.cache` from
//! them. The loader never reads it ([`super::ldpath`]); the tool reads it to say why a
//! library a directory of it holds is missing from a stale cache. Every step is bounded:
//! include depth, files read, names matched, directories kept.

use super::files::{ImageFiles, Small};
use super::SMALL_CAP;

/// Nested `include` levels followed.
pub const MAX_INCLUDE_DEPTH: usize = 4;
/// Configuration files read while following `include` lines, all levels together (the
/// same file read twice counts twice): includes that fan out stop here.
pub const MAX_INCLUDE_READS: usize = 256;
/// Directory entries matched against `include` patterns, all lines together.
pub const MAX_GLOB_TESTS: usize = 100_000;
/// Directories taken from ld.so.conf.
pub const MAX_CONF_DIRS: usize = 256;

/// `*` matches any run of characters; nothing else is special. The two-pointer
/// wildcard match: on a mismatch, back to just after the last `*` with one more
/// character taken by it, so at worst pattern length × name length steps, never the
/// exponential backtracking of `a*a*a*a*b` tried every way.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j) = (0, 0);
    // The last star's position in the pattern, and where in the name it began.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == n[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// What following ld.so.conf may still spend.
struct Spend {
    reads: usize,
    tests: usize,
    /// Why the search path is incomplete, once a budget is passed.
    over: Option<String>,
}

fn read_conf(
    files: &ImageFiles,
    path: &str,
    depth: usize,
    spend: &mut Spend,
    out: &mut Vec<String>,
) {
    if spend.over.is_some() || out.len() >= MAX_CONF_DIRS {
        return;
    }
    if depth > MAX_INCLUDE_DEPTH {
        spend.over = Some(format!(
            "/etc/ld.so.conf includes nest more than {MAX_INCLUDE_DEPTH} deep (MAX_INCLUDE_DEPTH), at {path}"
        ));
        return;
    }
    if spend.reads == 0 {
        spend.over = Some(format!(
            "/etc/ld.so.conf's includes read more than {MAX_INCLUDE_READS} files (MAX_INCLUDE_READS)"
        ));
        return;
    }
    spend.reads -= 1;
    let Small::Bytes(bytes) = files.read_small(path, SMALL_CAP) else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(pat) = line.strip_prefix("include") {
            if !pat.starts_with(char::is_whitespace) {
                continue;
            }
            for pat in pat.split_whitespace() {
                let pat = if pat.starts_with('/') {
                    pat.to_string()
                } else {
                    format!("/etc/{pat}")
                };
                let (dir, name) = pat.rsplit_once('/').unwrap_or(("/", &pat));
                if dir.contains('*') {
                    continue; // only the last component may be a pattern
                }
                for entry in files.list_dir(dir) {
                    if spend.tests == 0 {
                        spend.over = Some(format!(
                            "/etc/ld.so.conf's include patterns were tried on more than \
                             {MAX_GLOB_TESTS} names (MAX_GLOB_TESTS)"
                        ));
                    }
                    if spend.over.is_some() {
                        return;
                    }
                    spend.tests -= 1;
                    if glob_match(name, entry) {
                        read_conf(files, &format!("{dir}/{entry}"), depth + 1, spend, out);
                    }
                }
            }
            continue;
        }
        if line.starts_with("hwcap") {
            continue;
        }
        for dir in line.split([' ', '\t', ',', ':', '=']) {
            if dir.starts_with('/') && out.len() < MAX_CONF_DIRS {
                let d = dir.trim_end_matches('/');
                let d = if d.is_empty() { "/" } else { d };
                if !out.iter().any(|o| o == d) {
                    out.push(d.to_string());
                }
            }
        }
    }
}

/// The directories ld.so.conf lists, in order; and why that list is incomplete, when
/// following it passed a budget.
pub fn conf_dirs(files: &ImageFiles) -> (Vec<String>, Option<String>) {
    let mut dirs = Vec::new();
    let mut spend = Spend {
        reads: MAX_INCLUDE_READS,
        tests: MAX_GLOB_TESTS,
        over: None,
    };
    read_conf(files, "/etc/ld.so.conf", 0, &mut spend, &mut dirs);
    (dirs, spend.over)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_ldconfig() {
        for (pattern, name, matches) in [
            ("*.conf", "aarch64-linux-gnu.conf", true),
            ("*.conf", ".conf", true),
            ("*.conf", "x.conf.bak", false),
            ("libc.conf", "libc.conf", true),
            ("a*b*c", "aXXbYYc", true),
            ("*", "", true),
            ("a**", "a", true),
            ("a*b", "a", false),
            ("*a*a*b", "xaYaab", true),
            ("ab", "abc", false),
        ] {
            assert_eq!(glob_match(pattern, name), matches, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn a_pathological_glob_is_answered_in_linear_time() {
        // Backtracking tries every split: 4096 chars and seven stars would never end.
        let name = "a".repeat(4096);
        let started = std::time::Instant::now();
        assert!(!glob_match("a*a*a*a*a*a*a*b", &name));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
