//! Verifying a large Go binary, all checks: cmd/compile built for linux/arm64 (about
//! 30 MB, unstripped), mapped as the tool maps it. Needs `go` on PATH; the binary is
//! built once into target/bench-fixtures.
//!
//!     cargo bench --bench verify

use std::path::PathBuf;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use xbuild_go::profile::{resolve, Overrides};
use xbuild_go::target::Target;
use xbuild_go::verify::{go::pclntab, runs_on::needs, verify, Policy};

fn large_go_binary() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures");
    let out = dir.join("compile-linux-arm64");
    if !out.exists() {
        std::fs::create_dir_all(&dir).expect("target/bench-fixtures");
        let st = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg("cmd/compile")
            .env("GOOS", "linux")
            .env("GOARCH", "arm64")
            .env("CGO_ENABLED", "0")
            .env("GOFLAGS", "")
            .status()
            .expect("go on PATH");
        assert!(st.success(), "go build cmd/compile");
    }
    out
}

fn bench(c: &mut Criterion) {
    let path = large_go_binary();
    let file = std::fs::File::open(&path).unwrap();
    // SAFETY: a file this benchmark made and nobody else writes.
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
    let target = Target::parse("linux/arm64").unwrap();
    let overrides = Overrides {
        targets: Some(vec!["linux/arm64".into()]),
        ..Overrides::default()
    };
    let mut profile = resolve(None, "golden", &overrides).unwrap();
    profile.verify.runs_on.value = vec!["distroless/static".into(), "debian:12-slim".into()];
    let golden = Policy::from_profile(&profile, Some(&target));
    let mut g = c.benchmark_group(format!(
        "verify {} ({} MB)",
        path.display(),
        map.len() / 1_000_000
    ));
    g.bench_function("all checks, golden policy + runs-on", |b| {
        b.iter(|| verify(&map, &golden).unwrap())
    });
    g.bench_function("facts only (no policy)", |b| {
        b.iter(|| verify(&map, &Policy::report_only()).unwrap())
    });
    // The runtime-needs part alone (the ELF already parsed, as verify has it): locate the
    // pclntab, read every function name, classify.
    let elf = xbuild_go::verify::ElfFile::parse(&map).unwrap();
    g.bench_function("runtime needs only (pclntab names)", |b| {
        b.iter(|| {
            let t = pclntab::from_elf(&elf, true).unwrap().unwrap();
            needs::from_pclntab(&t).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
