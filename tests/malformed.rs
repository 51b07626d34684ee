//! A generated corpus of broken executables, made from a real Go binary: truncated at
//! every header boundary, offsets past the end, huge counts, random byte flips, empty
//! and text files. `verify` must answer every one with a verdict or an error naming the
//! file and the problem, exit 1, and never panic.

mod util;

use util::cases::Rng;
use util::*;

fn corpus(good: &[u8]) -> Vec<(String, Vec<u8>)> {
    let elf = goblin::elf::Elf::parse(good).expect("the seed binary parses");
    let h = &elf.header;
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("text".into(), b"#!/bin/sh\nexec true\n".to_vec()),
        ("magic-only".into(), good[..4].to_vec()),
    ];
    // Truncated at every header boundary.
    let mut cuts = vec![4, 15, 16, 20, 51, 52, 63, 64, good.len() - 1];
    for k in 0..=u64::from(h.e_phnum) {
        cuts.push((h.e_phoff + k * u64::from(h.e_phentsize)) as usize);
    }
    for k in 0..3u64 {
        cuts.push((h.e_shoff + k * u64::from(h.e_shentsize)) as usize);
    }
    for ph in &elf.program_headers {
        cuts.push(ph.p_offset as usize);
        cuts.push((ph.p_offset + ph.p_filesz / 2) as usize);
    }
    for sh in elf
        .section_headers
        .iter()
        .filter(|s| s.sh_type != goblin::elf::section_header::SHT_NOBITS)
    {
        cuts.push(sh.sh_offset as usize);
    }
    cuts.sort_unstable();
    cuts.dedup();
    for c in cuts.into_iter().filter(|c| *c < good.len()) {
        out.push((format!("cut-{c:#x}"), good[..c].to_vec()));
    }
    // Header fields set to offsets past the end and huge counts (ELF64 little endian).
    let patch = |name: &str, off: usize, bytes: &[u8]| {
        let mut b = good.to_vec();
        b[off..off + bytes.len()].copy_from_slice(bytes);
        (name.to_string(), b)
    };
    let len = good.len() as u64;
    out.push(patch("phoff-past-end", 0x20, &(len + 1).to_le_bytes()));
    out.push(patch("shoff-max", 0x28, &u64::MAX.to_le_bytes()));
    out.push(patch("shoff-near-end", 0x28, &(len - 10).to_le_bytes()));
    out.push(patch("phnum-huge", 0x38, &0xffffu16.to_le_bytes()));
    out.push(patch("shnum-huge", 0x3c, &0xffffu16.to_le_bytes()));
    out.push(patch("phentsize-zero", 0x36, &0u16.to_le_bytes()));
    out.push(patch("shentsize-huge", 0x3a, &0xffffu16.to_le_bytes()));
    out.push(patch("shstrndx-past-table", 0x3e, &0xfff0u16.to_le_bytes()));
    out.push(patch("class-bad", 4, &[9]));
    out.push(patch("data-bad", 5, &[7]));
    // Every section header's offset and size pushed past the end, one at a time.
    for (i, _) in elf.section_headers.iter().enumerate().skip(1) {
        let base = h.e_shoff as usize + i * h.e_shentsize as usize;
        out.push(patch(
            &format!("sec{i}-offset-past-end"),
            base + 0x18,
            &(len * 2).to_le_bytes(),
        ));
        out.push(patch(
            &format!("sec{i}-size-huge"),
            base + 0x20,
            &(u64::MAX / 2).to_le_bytes(),
        ));
    }
    // Random flips: in the headers, in the section table, and in the build info.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let buildinfo = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".go.buildinfo"))
        .map(|s| s.sh_offset as usize)
        .expect(".go.buildinfo in a Go binary");
    let regions = [
        (0usize, 0x1000usize),
        (h.e_shoff as usize, good.len()),
        (buildinfo, buildinfo + 0x200),
    ];
    for n in 0..240 {
        let (lo, hi) = regions[n % regions.len()];
        let mut b = good.to_vec();
        for _ in 0..=rng.below(8) {
            let i = lo + rng.below(hi - lo);
            b[i] ^= (rng.next() as u8) | 1;
        }
        out.push((format!("flip-{n:03}"), b));
    }
    out
}

#[test]
fn every_broken_file_gets_a_verdict_or_a_named_error_never_a_panic() {
    let p = Project::copy_of("hello");
    run(p.path(), &["-o", "seed", "--ldflags", "-w"]).code(1); // unstripped, rejected: keep it
    run(
        p.path(),
        &["-o", "seed", "--ldflags", "-w", "--keep-rejected"],
    )
    .code(1);
    let good = std::fs::read(p.path().join("seed.rejected")).unwrap();
    let dir = p.path().join("corpus");
    std::fs::create_dir(&dir).unwrap();
    let cases = corpus(&good);
    for (name, bytes) in &cases {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    let mut args = vec![
        "verify",
        "--message-format",
        "json",
        "--target",
        "linux/arm64",
    ];
    args.extend(names.iter().copied());
    let r = run(&dir, &args);
    r.code(1);
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("panic caught"),
        "{r}"
    );
    let events = r.json();
    let mut answered = 0;
    for name in &names {
        let ev = events
            .iter()
            .find(|e| {
                e["path"].as_str() == Some(name)
                    || e["message"].as_str().is_some_and(|m| {
                        m.contains(&format!("/{name}:")) || m.starts_with(&format!("{name}:"))
                    })
            })
            .unwrap_or_else(|| panic!("no verdict or error for {name}\n{r}"));
        answered += 1;
        if ev["reason"] == "error" {
            let m = ev["message"].as_str().unwrap();
            assert!(
                m.len() > name.len() + 10,
                "{name}: error names no problem: {m}"
            );
        }
        if name.starts_with("cut-") || *name == "empty" || *name == "text" {
            assert_eq!(ev["reason"], "error", "{name} must be an error, got {ev}");
        }
    }
    assert_eq!(answered, names.len());
    eprintln!("{} broken files, each answered", names.len());
}
