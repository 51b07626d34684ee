//! The dynamic loader's search path in an image: the directories `/etc/ld.so.conf`
//! lists (its `include` lines with a `*` in the last component followed, as ldconfig
//! builds `/etc/ld.so.cache` from them), then glibc's and musl's default directories
//! for the architecture, Debian's multiarch ones included.

use super::files::{ImageFiles, Small};
use super::SMALL_CAP;
use crate::target;

/// Nested `include` levels followed.
const MAX_INCLUDE_DEPTH: usize = 4;
/// Directories taken from ld.so.conf.
const MAX_CONF_DIRS: usize = 256;

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

/// The directories searched without any configuration, in order.
pub fn default_dirs(goarch: &str) -> Vec<String> {
    let mut dirs = Vec::new();
    for t in multiarch(goarch) {
        dirs.push(format!("/lib/{t}"));
        dirs.push(format!("/usr/lib/{t}"));
    }
    if target::arch(goarch).is_some_and(|a| a.class == target::Class::Elf64) {
        dirs.push("/lib64".to_string());
        dirs.push("/usr/lib64".to_string());
    }
    dirs.push("/lib".to_string());
    dirs.push("/usr/lib".to_string());
    dirs.push("/usr/local/lib".to_string());
    dirs
}

/// `*` matches any run of characters; nothing else is special.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, rest)) => {
            let Some(tail) = name.strip_prefix(pre) else {
                return false;
            };
            if rest.is_empty() {
                return true;
            }
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob_match(rest, &tail[i..]))
        }
    }
}

fn read_conf(files: &ImageFiles, path: &str, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_INCLUDE_DEPTH || out.len() >= MAX_CONF_DIRS {
        return;
    }
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
                    if glob_match(name, entry) {
                        read_conf(files, &format!("{dir}/{entry}"), depth + 1, out);
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

/// ld.so.conf's directories, then the defaults not already listed.
pub fn search_path(files: &ImageFiles, defaults: &[String]) -> Vec<String> {
    let mut dirs = Vec::new();
    read_conf(files, "/etc/ld.so.conf", 0, &mut dirs);
    for d in defaults {
        if !dirs.contains(d) {
            dirs.push(d.clone());
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_ldconfig() {
        assert!(glob_match("*.conf", "aarch64-linux-gnu.conf"));
        assert!(glob_match("*.conf", ".conf"));
        assert!(!glob_match("*.conf", "x.conf.bak"));
        assert!(glob_match("libc.conf", "libc.conf"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
    }

    #[test]
    fn defaults_follow_the_architecture() {
        let arm64 = default_dirs("arm64");
        assert_eq!(arm64[0], "/lib/aarch64-linux-gnu");
        assert!(arm64.contains(&"/lib64".to_string()));
        let arm = default_dirs("arm");
        assert!(arm.contains(&"/usr/lib/arm-linux-gnueabihf".to_string()));
        assert!(!arm.contains(&"/lib64".to_string()));
        assert_eq!(default_dirs("386")[0], "/lib/i386-linux-gnu");
    }
}
