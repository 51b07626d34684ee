//! `build.reproducible`: two builds of the same target compared byte for byte, and
//! when they differ, where (sections, the Go build ID, embedded paths, VCS stamps)
//! and the flag that would fix it.

use goblin::elf::Elf;

use super::{buildinfo, Check};

/// Compares the artifact with a second build made elsewhere. `first_dir` and
/// `second_dir` are the source directories of the two builds, to find embedded paths.
pub fn compare(first: &[u8], second: &[u8], first_dir: &str, second_dir: &str) -> Check {
    const ID: &str = "build.reproducible";
    if first == second {
        return Check::judged(ID, true, "byte-identical second build", "byte-identical");
    }
    let mut causes = Vec::new();
    let mut fixes = Vec::new();
    let holds = |hay: &[u8], needle: &str| {
        !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    };
    if holds(first, first_dir) || holds(second, second_dir) {
        causes.push(format!(
            "embedded source paths ({first_dir} is written into the binary)"
        ));
        fixes.push("-trimpath");
    }
    let vcs = |b: &[u8]| -> Vec<(String, String)> {
        buildinfo::from_bytes(b)
            .ok()
            .flatten()
            .map(|i| {
                i.settings
                    .into_iter()
                    .filter(|(k, _)| k.starts_with("vcs"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (va, vb) = (vcs(first), vcs(second));
    if va != vb {
        let keys: Vec<&str> = va.iter().chain(&vb).map(|(k, _)| k.as_str()).collect();
        causes.push(format!("VCS stamps differ ({})", dedup(keys).join(", ")));
        fixes.push("-buildvcs=false");
    }
    if let (Ok(a), Ok(b)) = (Elf::parse(first), Elf::parse(second)) {
        let sections = differing_sections(first, &a, second, &b);
        if !sections.is_empty() {
            let build_id = sections
                .iter()
                .any(|s| s == ".note.go.buildid" || s == ".note.gnu.build-id");
            causes.push(format!("sections differ: {}", sections.join(", ")));
            if build_id && causes.len() == 1 {
                causes.push(
                    "only the build ID: the inputs (paths, flags, toolchain) differ".to_string(),
                );
            }
        }
    } else if first.len() != second.len() {
        causes.push(format!(
            "sizes differ ({} and {} bytes)",
            first.len(),
            second.len()
        ));
    }
    let fix = if fixes.is_empty() {
        "find what the build reads from its surroundings (go:embed of generated files, cgo, -ldflags -X with a date)".to_string()
    } else {
        format!("add {} to the profile's flags", dedup(fixes).join(" and "))
    };
    let mut c = Check::judged(
        ID,
        false,
        "byte-identical second build",
        format!("differs: {}", causes.join("; ")),
    );
    c.message = Some(fix);
    c
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|x| seen.insert(*x));
    v
}

fn differing_sections(a_bytes: &[u8], a: &Elf, b_bytes: &[u8], b: &Elf) -> Vec<String> {
    let data = |bytes: &[u8], sh: &goblin::elf::SectionHeader| -> Option<Vec<u8>> {
        if sh.sh_type == goblin::elf::section_header::SHT_NOBITS {
            return Some(Vec::new());
        }
        let start = usize::try_from(sh.sh_offset).ok()?;
        let end = start.checked_add(usize::try_from(sh.sh_size).ok()?)?;
        bytes.get(start..end).map(<[u8]>::to_vec)
    };
    let mut out = Vec::new();
    for sa in &a.section_headers {
        let Some(name) = a.shdr_strtab.get_at(sa.sh_name).filter(|n| !n.is_empty()) else {
            continue;
        };
        let other = b
            .section_headers
            .iter()
            .find(|sb| b.shdr_strtab.get_at(sb.sh_name) == Some(name));
        let same = match other {
            Some(sb) => sa.sh_size == sb.sh_size && data(a_bytes, sa) == data(b_bytes, sb),
            None => false,
        };
        if !same {
            out.push(name.to_string());
        }
    }
    out
}
