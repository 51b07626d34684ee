//! Agreement with the standard tools: `verify --message-format json` over every ELF
//! file on the machine (the fixtures, /usr/bin, /usr/lib, the cross compilers'
//! sysroots, GOROOT's bin and pkg/tool), compared with readelf for class, endian,
//! machine, type, interpreter, needed, static, stripped and glibc_max, and with
//! `go version -m` for the Go facts. Every disagreement is listed; zero is the bar.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use util::*;

fn elf_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if ft.is_dir() {
                walk(&p, out);
            } else if ft.is_file() {
                let mut magic = [0u8; 4];
                let ok = std::fs::File::open(&p)
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                    .is_ok();
                if ok && magic == *b"\x7fELF" {
                    out.push(p);
                }
            }
        }
    }
    let mut out = Vec::new();
    for r in roots {
        walk(r, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// readelf's view of one file, from a single `readelf -hlSdV -W` run.
#[derive(Debug, Default)]
struct Seen {
    class: String,
    endian: String,
    machine: Option<u32>,
    kind: String,
    interpreter: Option<String>,
    /// A PT_INTERP program header exists (its path may be unreadable).
    has_interp: bool,
    needed: Vec<String>,
    stripped: bool,
    glibc_max: Option<String>,
}

fn machine_number(name: &str) -> Option<u32> {
    Some(match name {
        "AArch64" => 183,
        "Advanced Micro Devices X86-64" => 62,
        "ARM" => 40,
        "Intel 80386" => 3,
        "RISC-V" => 243,
        "PowerPC64" => 21,
        "PowerPC" => 20,
        "IBM S/390" => 22,
        "MIPS R3000" => 8,
        "LoongArch" => 258,
        "None" => 0,
        _ => return None,
    })
}

fn version_le(a: &str, b: &str) -> bool {
    let p = |s: &str| {
        s.split('.')
            .map(|x| x.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    p(a) <= p(b)
}

fn readelf_seen(path: &Path) -> Option<Seen> {
    let out = std::process::Command::new("readelf")
        .args(["-h", "-l", "-S", "-d", "-V", "-W"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let class = field("Class:")?;
    let mut s = Seen {
        class: if class.contains("64") {
            "elf64".into()
        } else {
            "elf32".into()
        },
        endian: if field("Data:")?.contains("big") {
            "big".into()
        } else {
            "little".into()
        },
        machine: machine_number(&field("Machine:")?),
        kind: match field("Type:")?.split_whitespace().next()? {
            "EXEC" => "exec",
            "DYN" => "dyn",
            "REL" => "rel",
            "CORE" => "core",
            "NONE" => "none",
            _ => "other",
        }
        .to_string(),
        ..Seen::default()
    };
    s.interpreter = text
        .lines()
        .find_map(|l| l.split("[Requesting program interpreter: ").nth(1))
        .map(|v| v.trim_end_matches(']').to_string());
    s.has_interp = text
        .lines()
        .skip_while(|l| !l.starts_with("Program Headers:"))
        .take_while(|l| !l.trim().is_empty())
        .any(|l| l.trim_start().starts_with("INTERP "));
    s.needed = text
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split("Shared library: [").nth(1))
        .map(|v| v.trim_end_matches(']').to_string())
        .collect();
    let sections: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Section Headers:"))
        .take_while(|l| !l.starts_with("Key to Flags"))
        .collect();
    s.stripped = !sections
        .iter()
        .any(|l| l.contains(" SYMTAB ") || l.contains(" .debug_") || l.contains(" .zdebug_"));
    let needs = text
        .lines()
        .skip_while(|l| !l.starts_with("Version needs section"))
        .filter_map(|l| l.split("Name: GLIBC_").nth(1))
        .filter_map(|v| v.split_whitespace().next())
        .filter(|v| {
            v.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        });
    for v in needs {
        if !s.glibc_max.as_deref().is_some_and(|m| version_le(v, m)) {
            s.glibc_max = Some(v.to_string());
        }
    }
    Some(s)
}

/// Which files `go version -m` calls Go binaries (batched), then each one's version and
/// settings from `go version -m -json FILE` (Go's own unquoting, not ours).
fn go_version_m(files: &[&PathBuf]) -> BTreeMap<PathBuf, (String, BTreeMap<String, String>)> {
    let mut go_files = Vec::new();
    for chunk in files.chunks(200) {
        let o = std::process::Command::new("go")
            .args(["version", "-m"])
            .args(chunk.iter())
            .env("GOTOOLCHAIN", "local")
            .output()
            .expect("go version -m");
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            if line.starts_with('\t') {
                continue;
            }
            if let Some((path, _)) = line.rsplit_once(": go") {
                go_files.push(PathBuf::from(path));
            }
        }
    }
    let mut out = BTreeMap::new();
    for f in go_files {
        let o = std::process::Command::new("go")
            .args(["version", "-m", "-json"])
            .arg(&f)
            .env("GOTOOLCHAIN", "local")
            .output()
            .expect("go version -m -json");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("go version -m -json {}: {e}", f.display()));
        let settings = v["Settings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|kv| {
                        (
                            kv["Key"].as_str().unwrap_or("").to_string(),
                            kv["Value"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(
            f,
            (v["GoVersion"].as_str().unwrap_or("").to_string(), settings),
        );
    }
    out
}

#[test]
fn verify_agrees_with_readelf_and_go_version_on_every_elf_file() {
    if !require_tool("readelf", "the cross-check compares with readelf") {
        return;
    }
    let goroot = sh("go", &["env", "GOROOT"]).trim().to_string();
    let mut roots = vec![
        fixture("bin"),
        PathBuf::from("/usr/bin"),
        PathBuf::from("/usr/lib"),
        PathBuf::from("/usr/aarch64-linux-gnu"),
        PathBuf::from("/usr/arm-linux-gnueabihf"),
        Path::new(&goroot).join("bin"),
        Path::new(&goroot).join("pkg/tool"),
    ];
    roots.retain(|r| r.exists());
    let files = elf_files(&roots);
    assert!(
        files.len() > 50,
        "found only {} ELF files under {roots:?}",
        files.len()
    );

    // Our view, many files per run.
    let mut ours: BTreeMap<PathBuf, serde_json::Value> = BTreeMap::new();
    let mut malformed = Vec::new();
    for chunk in files.chunks(300) {
        let mut args: Vec<&str> = vec!["verify", "--message-format", "json"];
        args.extend(chunk.iter().map(|p| p.to_str().unwrap()));
        let r = run(Path::new("/"), &args);
        assert!(
            r.code == Some(0) || r.code == Some(1),
            "verify crashed\n{}",
            r.stderr
        );
        for v in r.json() {
            match v["reason"].as_str() {
                Some("artifact") => {
                    ours.insert(
                        PathBuf::from(v["path"].as_str().unwrap()),
                        v["verdict"]["facts"].clone(),
                    );
                }
                Some("error") => malformed.push(v["message"].as_str().unwrap_or("").to_string()),
                _ => {}
            }
        }
    }

    let mut disagreements: Vec<String> = Vec::new();
    let mut compared = 0;
    for f in &files {
        let Some(seen) = readelf_seen(f) else {
            // readelf cannot read it either; we must have said it is malformed.
            if ours.contains_key(f) {
                disagreements.push(format!("{}: readelf cannot read it, we could", f.display()));
            }
            continue;
        };
        let Some(facts) = ours.get(f) else {
            disagreements.push(format!(
                "{}: readelf reads it, we said malformed",
                f.display()
            ));
            continue;
        };
        compared += 1;
        let mut diff = |what: &str, a: String, b: String| {
            if a != b {
                disagreements.push(format!("{}: {what}: ours {a}, readelf {b}", f.display()));
            }
        };
        // The facts readelf names in words, then those it may not show at all.
        for (key, theirs) in [
            ("class", &seen.class),
            ("endian", &seen.endian),
            ("type", &seen.kind),
        ] {
            diff(
                key,
                facts[key].as_str().unwrap_or("").into(),
                theirs.clone(),
            );
        }
        if let Some(m) = seen.machine {
            diff("machine", facts["e_machine"].to_string(), m.to_string());
        }
        for (key, theirs) in [
            ("interpreter", &seen.interpreter),
            ("glibc_max", &seen.glibc_max),
        ] {
            let ours = format!("{:?}", facts[key].as_str());
            diff(key, ours, format!("{:?}", theirs.as_deref()));
        }
        let needed = strings(&facts["needed"], "");
        diff(
            "needed",
            format!("{needed:?}"),
            format!("{:?}", seen.needed),
        );
        let is_static = !seen.has_interp && seen.needed.is_empty();
        for (key, theirs) in [("static", is_static), ("stripped", seen.stripped)] {
            diff(key, facts[key].to_string(), theirs.to_string());
        }
    }

    // Go facts against go version -m.
    let all: Vec<&PathBuf> = files.iter().collect();
    let gov = go_version_m(&all);
    let mut go_compared = 0;
    for f in &files {
        let Some(facts) = ours.get(f) else { continue };
        match (gov.get(f), facts["go"].is_null()) {
            (None, true) => {}
            (None, false) => disagreements.push(format!(
                "{}: we found Go build info, go version -m did not",
                f.display()
            )),
            (Some(_), true) => disagreements.push(format!(
                "{}: go version -m found Go build info, we did not",
                f.display()
            )),
            (Some((version, settings)), false) => {
                go_compared += 1;
                if facts["go"]["version"] != version.as_str() {
                    disagreements.push(format!(
                        "{}: go version: ours {}, go {version}",
                        f.display(),
                        facts["go"]["version"]
                    ));
                }
                let ours_settings: BTreeMap<String, String> = facts["go"]["settings"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                if &ours_settings != settings {
                    disagreements.push(format!(
                        "{}: go settings: ours {ours_settings:?}, go {settings:?}",
                        f.display()
                    ));
                }
            }
        }
    }
    for m in &malformed {
        eprintln!("malformed (readelf agreed above): {m}");
    }
    eprintln!(
        "cross-checked {} ELF files ({compared} with readelf, {go_compared} Go binaries with go version -m); {} malformed; {} disagreements",
        files.len(),
        malformed.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
