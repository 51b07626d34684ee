//! Command-line types only. Every flag documented with its default.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Cross-build Go binaries from a named profile in a scrubbed environment, then prove
/// the artifact (format, machine, ABI, static linkage, stripping) before delivering it.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-xbuild-go",
    bin_name = "cargo xbuild-go",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Without a subcommand, builds: `cargo xbuild-go --target linux/arm64`.\n\
                  Exit codes: 0 ok, 1 verification failed, 2 usage or configuration error, \
                  3 go build failed, 4 toolchain missing or unusable, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub build: BuildArgs,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run; boxing buys nothing
pub enum Command {
    /// Build and verify (the default action).
    ///
    /// Example: `cargo xbuild-go build --target linux/arm64,linux/amd64 --profile release`
    Build(BuildArgs),
    /// Verify existing files against a target and profile, or report what they are.
    ///
    /// Example: `cargo xbuild-go verify dist/app-linux-arm64 --target linux/arm64`
    Verify(VerifyArgs),
    /// Print the environment `go build` gets for a target.
    ///
    /// Example: `eval "$(cargo xbuild-go env --target linux/arm64)"`
    Env(EnvArgs),
    /// Check the toolchain and the environment: which go, GOROOT, go env -w leftovers,
    /// exported build variables, caches, cross compilers and emulators.
    ///
    /// Example: `cargo xbuild-go doctor --profile release`
    Doctor(DoctorArgs),
    /// List the GOOS/GOARCH pairs this go supports, with variants.
    ///
    /// Example: `cargo xbuild-go targets --message-format json`
    Targets(TargetsArgs),
    /// List every profile found, fully resolved, with where each value came from.
    ///
    /// Example: `cargo xbuild-go profiles --profile release`
    Profiles(ProfilesArgs),
    /// Print a profile's targets as a CI matrix, so a workflow can build each on its own runner.
    ///
    /// Example: `cargo xbuild-go matrix --profile release --format json`
    Matrix(MatrixArgs),
    /// Build and verify every linux target, assemble the multi-platform OCI image of
    /// `[profile.NAME.image]` on its base, prove it, then write it (docs/images-out.md).
    ///
    /// Example: `cargo xbuild-go image --profile release --oci-archive dist/image.tar`
    Image(ImageArgs),
    /// Merge the results of several runners (checksums, provenance, VSA, SBOMs, JUnit)
    /// into one verified release, after checking that they agree (docs/ci.md).
    ///
    /// Example: `cargo xbuild-go merge artifacts/ --checksums SHA256SUMS --provenance provenance.json`
    Merge(MergeArgs),
    /// Write a starter xbuild-go.toml for the Go module here: every main package,
    /// linux/amd64 and linux/arm64, -trimpath, go.mod's go line (docs/init.md).
    ///
    /// Example: `cargo xbuild-go init --targets linux/amd64,linux/arm64,darwin/arm64`
    Init(InitArgs),
    /// Print a shell completion script; it completes flags, subcommands, and the values
    /// of --target (GOOS/GOARCH pairs) and --profile (the nearest xbuild-go.toml's).
    ///
    /// Example: `cargo-xbuild-go completions bash > ~/.local/share/bash-completion/completions/cargo-xbuild-go`
    Completions(CompletionsArgs),
    /// Write man pages: cargo-xbuild-go.1 and cargo-xbuild-go-SUB.1 for each subcommand.
    ///
    /// Example: `cargo xbuild-go man --out ~/.local/share/man/man1`
    Man(ManArgs),
}

/// `merge`: the inputs, where their artifacts are, and the documents to write.
#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// Directories (searched recursively) or files holding the runners' documents,
    /// recognised by content.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where the artifacts named by the documents are found, by name and by digest.
    /// [default: the working directory]
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Write one sha256sum file of every artifact, paths relative to --root.
    #[arg(long, value_name = "FILE")]
    pub checksums: Option<PathBuf>,
    /// Write one SLSA provenance statement with every runner's subjects and builds.
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
    /// Write one verification summary over every artifact.
    #[arg(long, value_name = "FILE")]
    pub vsa: Option<PathBuf>,
    /// Copy every runner's CycloneDX SBOM into DIR.
    #[arg(long, value_name = "DIR")]
    pub sbom: Option<PathBuf>,
    /// Write one JUnit file of every runner's test cases.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write one OCI layout whose tags name one multi-platform index of every runner's
    /// image layout (blobs copied, annotations and referrers kept); DIR must not exist.
    #[arg(long, value_name = "DIR")]
    pub oci_layout: Option<PathBuf>,
    /// Accept runners that differ in FIELD (commit, dirty, profile, profile-file,
    /// toolchain, tool). Repeatable.
    #[arg(long = "allow-differing", value_name = "FIELD")]
    pub allow_differing: Vec<String>,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    #[arg(value_name = "SHELL", value_parser = ["bash", "zsh", "fish", "powershell", "elvish"])]
    pub shell: String,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// Directory the pages are written to (created if missing). [default: .]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// The profile names of the nearest xbuild-go.toml (and the built-in `golden`), for
/// shell completion of `--profile`.
pub fn profile_candidates() -> Vec<clap_complete::CompletionCandidate> {
    let mut names = vec![crate::profile::BUILTIN_PROFILE.to_string()];
    let cwd = std::env::current_dir().unwrap_or_default();
    let start = crate::profile::find_module_dir(&cwd).unwrap_or(cwd);
    if let Some(file) = crate::profile::find_profile_file(&start) {
        if let Ok(f) = crate::profile::ProfileFile::load(&file) {
            for n in f.toml.profile.keys() {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
    }
    names
        .into_iter()
        .map(clap_complete::CompletionCandidate::new)
        .collect()
}

/// Every GOOS/GOARCH pair, for shell completion of `--target`.
pub fn target_candidates() -> Vec<clap_complete::CompletionCandidate> {
    crate::target::PAIRS
        .iter()
        .map(|(os, arch)| clap_complete::CompletionCandidate::new(format!("{os}/{arch}")))
        .collect()
}

/// `init`.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// The profile to write. [default: golden, the one `cargo xbuild-go` builds]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Targets, comma-separated, GOOS/GOARCH[/VARIANT]. [default: linux/amd64,linux/arm64]
    #[arg(long, value_name = "LIST")]
    pub targets: Vec<String>,
    /// Replace an existing xbuild-go.toml.
    #[arg(long)]
    pub force: bool,
    /// Translate a goreleaser config's go builds instead, one profile each.
    /// [default FILE: .goreleaser.yaml, .goreleaser.yml, goreleaser.yaml]
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["profile", "targets"])]
    pub from_goreleaser: Option<String>,
    /// With --from-goreleaser: exit 1, writing nothing, when a key of `builds` or the
    /// top-level `env` does not translate.
    #[arg(long, requires = "from_goreleaser")]
    pub strict: bool,
    /// Change to DIR before doing anything, as cargo's -C does. [default: .]
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The `go` binary to use. [default: XBUILD_GO_GO, else `go` on PATH]
    #[arg(long = "go", value_name = "PATH")]
    pub go: Option<PathBuf>,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `image`: the build options, then where the image goes.
#[derive(Debug, Args, Clone)]
pub struct ImageArgs {
    /// Write an OCI image layout directory (each tag in its index.json). [default, with no
    /// output flag: dist/image beside the profile file, else in the working directory]
    #[arg(long, value_name = "DIR")]
    pub oci_layout: Option<PathBuf>,
    /// Write an OCI archive: a tar of the layout, every platform.
    #[arg(long, value_name = "FILE")]
    pub oci_archive: Option<PathBuf>,
    /// Write a docker-archive (`docker load` format) per platform; with several targets
    /// the path names them apart with {arch} (and {variant}, {os}).
    #[arg(long, value_name = "FILE")]
    pub docker_archive: Option<PathBuf>,
    /// Push to REF (`HOST[:PORT]/repo[:tag]`), or with no REF to `repository:TAG` of
    /// every tag, after every proof and the local outputs.
    #[arg(long, value_name = "REF", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub push: Option<String>,
    /// Fail (exit 4, nothing written) when xbuild-go.lock is missing, stale, or the base
    /// moved since it was locked.
    #[arg(long, conflicts_with = "update_lock")]
    pub locked: bool,
    /// Resolve the base again and rewrite its entry in xbuild-go.lock.
    #[arg(long)]
    pub update_lock: bool,
    /// Allow plain HTTP to this registry host (loopback is always allowed). Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    #[command(flatten)]
    pub build: BuildArgs,
}

/// `matrix`.
#[derive(Debug, Args, Clone)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// github: `{"include":[{"target":"linux/arm64",...}]}` for a GitHub Actions
    /// `strategy.matrix`; json: the same objects, one per line.
    #[arg(long, value_enum, value_name = "FMT", default_value = "github")]
    pub format: MatrixFormat,
    /// The value of {version}, as the build's --version-override sets it (so the listed
    /// outputs are the build's). [default: $XBUILD_GO_VERSION, else the nearest git tag
    /// without its leading `v`, else 0.0.0-dev+<commit>]
    #[arg(long, value_name = "VERSION")]
    pub version_override: Option<String>,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MatrixFormat {
    Github,
    Json,
}

/// `doctor`.
#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub cache: CacheProgramArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `targets`.
#[derive(Debug, Args, Clone)]
pub struct TargetsArgs {
    /// The `go` binary to ask. [default: XBUILD_GO_GO, else `go` on PATH]
    #[arg(long = "go", value_name = "PATH")]
    pub go: Option<PathBuf>,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `profiles`.
#[derive(Debug, Args, Clone)]
pub struct ProfilesArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// `env --format`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EnvFormatArg {
    /// `export GOOS=linux` lines for a POSIX shell (`eval "$(cargo xbuild-go env)"`).
    Shell,
    /// `GOOS := linux` and `export GOOS` lines for a Makefile `include`.
    Make,
    /// `GOOS=linux` lines for `$GITHUB_ENV` (multi-line values as heredocs).
    Github,
    /// One JSON object per target.
    Json,
    /// `ARG`/`ENV` lines for a Dockerfile build stage.
    Dockerfile,
}

/// Where the profile comes from.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArgs {
    /// Target in Docker platform syntax, GOOS/GOARCH[/VARIANT] (e.g. linux/arm64,
    /// linux/arm/v7, linux/amd64/v3). Repeatable and comma-separated.
    /// [default: the profile's `targets`, built-in linux/arm64]
    #[arg(long = "target", short = 't', value_name = "TARGET", add = clap_complete::ArgValueCandidates::new(target_candidates))]
    pub targets: Vec<String>,
    /// Profile to use from xbuild-go.toml. [default: golden]
    #[arg(long, value_name = "NAME", add = clap_complete::ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,
    /// Profile file to use instead of discovering xbuild-go.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Change to DIR before doing anything, as cargo's -C does. [default: .]
    #[arg(short = 'C', value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The `go` binary to use. [default: XBUILD_GO_GO, else `go` on PATH]
    #[arg(long = "go", value_name = "PATH")]
    pub go: Option<PathBuf>,
    /// The `zig` binary for cgo builds with cc = "zig" or "auto". [default: XBUILD_GO_ZIG,
    /// else `zig` on PATH, else the ziglang Python package of python3]
    #[arg(long = "zig", value_name = "PATH")]
    pub zig: Option<PathBuf>,
}

/// Output options shared by every command.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// How to report: human (stderr), json (JSON Lines on stdout), or github (human, plus
    /// ::error annotations for failures and a job summary in $GITHUB_STEP_SUMMARY).
    #[arg(long, value_enum, value_name = "FMT", default_value = "human")]
    pub message_format: MessageFormatArg,
    /// Print only errors and rejected artifacts.
    #[arg(short, long)]
    pub quiet: bool,
    /// Show every check, the go command line and the scrubbed variables (-vv: hints too).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour: auto (a terminal, unless NO_COLOR), always, never. CARGO_TERM_COLOR is honoured.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorArg,
    /// Live progress on a terminal: auto, always, never. [default: CARGO_TERM_PROGRESS_WHEN, else auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub progress: Option<ColorArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MessageFormatArg {
    Human,
    Json,
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `build`, and the default action.
#[derive(Debug, Args, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// The main package to build, as `go build` reads it. [default: the profile's, built-in "."]
    #[arg(long, value_name = "PKG")]
    pub package: Option<String>,
    /// Output path or template ({name} {os} {arch} {variant} {exe} {profile}, and the
    /// source's {version} {tag} {commit} ...), relative to the working directory. [default: the profile's `output`, built-in "{name}" in the module dir]
    #[arg(short = 'o', value_name = "PATH")]
    pub output: Option<String>,
    /// Linker flags in `go build -ldflags` syntax. [default: the profile's, built-in "-s -w"]
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub ldflags: Option<String>,
    /// Build tags, comma- or space-separated. [default: the profile's, built-in none]
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Build with cgo (CGO_ENABLED=1). [default: the profile's, built-in off]
    #[arg(long, overrides_with = "no_cgo")]
    pub cgo: bool,
    /// Build without cgo (CGO_ENABLED=0).
    #[arg(long, overrides_with = "cgo")]
    pub no_cgo: bool,
    /// Require a static artifact (no PT_INTERP, no DT_NEEDED) for this run. [default: the
    /// profile's `verify.static`; built in: true, but false with cgo]
    #[arg(long = "static", overrides_with = "no_static")]
    pub static_: bool,
    /// Allow a dynamically linked artifact for this run.
    #[arg(long, overrides_with = "static_")]
    pub no_static: bool,
    /// Stamp a Go variable at link time: `-X KEY=VALUE` added to the ldflags, placeholders
    /// such as {version} and {commit} filled. Repeatable; overrides the profile's `stamp`.
    #[arg(long = "stamp", value_name = "KEY=VALUE", value_parser = parse_stamp)]
    pub stamp: Vec<(String, String)>,
    /// The value of {version} (e.g. from a CI tag ref). [default: $XBUILD_GO_VERSION, else
    /// the nearest git tag without its leading `v`, else 0.0.0-dev+<commit>]
    #[arg(long, value_name = "VERSION")]
    pub version_override: Option<String>,
    /// Pass -a to go build: rebuild every package. Rarely needed (docs/performance.md). [default: off]
    #[arg(short = 'a', long)]
    pub rebuild_all: bool,
    /// Let a host variable through the scrub. Repeatable.
    #[arg(long = "pass-env", value_name = "VAR")]
    pub pass_env: Vec<String>,
    /// Skip verification and deliver whatever go build produced.
    #[arg(long)]
    pub no_verify: bool,
    /// Keep a rejected artifact as <dest>.rejected instead of deleting it.
    #[arg(long)]
    pub keep_rejected: bool,
    /// Targets built at once, sharing the Go build cache. [default: the number of CPUs]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Start no new target after the first one fails or is rejected. [default: build all]
    #[arg(long)]
    pub fail_fast: bool,
    /// Write a SHA256SUMS-style file of the delivered artifacts.
    #[arg(long, value_name = "FILE")]
    pub checksums: Option<PathBuf>,
    /// Write JUnit XML with one test case per (artifact, check), for CI dashboards.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write SLSA provenance v1 (an in-toto Statement) with every delivered artifact
    /// as a subject (docs/evidence.md).
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    /// Build each target a second time from a copy of the module in another directory
    /// with a fresh GOCACHE, compare byte for byte, and say what differs (slow: the
    /// second build starts from an empty cache).
    #[arg(long)]
    pub check_reproducible: bool,
    #[command(flatten)]
    pub smoke: SmokeArgs,
    #[command(flatten)]
    pub cache: CacheProgramArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
    /// Arguments passed to `go build` verbatim.
    #[arg(last = true, value_name = "GO BUILD ARGS")]
    pub go_args: Vec<String>,
}

/// The smoke run of `build` and `verify` (docs/verification.md, "Smoke runs").
#[derive(Debug, Args, Clone, Default)]
pub struct SmokeArgs {
    /// Run each verified artifact once with ARGS (natively, or under qemu-user), as the
    /// run.smoke check, and inside each real runs-on image, as run.smoke.IMAGE; a target
    /// this host cannot run is skipped (a failure with the profile's `smoke-required =
    /// true`). [default: build: the profile's `smoke`, none built in; verify: none]
    #[arg(
        long,
        value_name = "ARGS",
        allow_hyphen_values = true,
        overrides_with = "no_smoke"
    )]
    pub smoke: Option<String>,
    /// No smoke run this time, even when the profile sets `smoke`.
    #[arg(long, overrides_with = "smoke")]
    pub no_smoke: bool,
    /// How long a smoke run may take before it is killed and fails: `3s`, `500ms`, `2m`.
    /// [default: the profile's `smoke-timeout`, built-in 20s]
    #[arg(long, value_name = "DURATION", value_parser = crate::profile::duration::parse_smoke_timeout)]
    pub smoke_timeout: Option<std::time::Duration>,
}

/// The remote Go build cache of `build`, `env` and `doctor` (docs/profile.md,
/// `cache-program`).
#[derive(Debug, Args, Clone, Default)]
pub struct CacheProgramArgs {
    /// The remote Go build cache program for this run, in GOCACHEPROG syntax (e.g.
    /// "go-cacher --cache-server=http://127.0.0.1:31364"). [default: the profile's
    /// `cache-program`, else the host's GOCACHEPROG, else none]
    #[arg(long, value_name = "CMD", overrides_with = "no_cache_program")]
    pub cache_program: Option<String>,
    /// No cache program this run: neither the profile's nor the host's GOCACHEPROG.
    #[arg(long, overrides_with = "cache_program")]
    pub no_cache_program: bool,
}

/// `KEY=VALUE` of `--stamp`.
fn parse_stamp(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected KEY=VALUE, e.g. main.version={{version}}"))?;
    crate::profile::check_stamp(k, v)?;
    Ok((k.to_string(), v.to_string()))
}

impl BuildArgs {
    /// `--static`/`--no-static`, the later one winning; `None` when neither was given.
    pub fn static_(&self) -> Option<bool> {
        match (self.static_, self.no_static) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }

    /// `--cgo`/`--no-cgo`, the later one winning; `None` when neither was given.
    pub fn cgo(&self) -> Option<bool> {
        match (self.cgo, self.no_cgo) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// `verify FILE...`.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// Files to verify: any ELF, Mach-O or PE file, not only Go and not only ours.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Write JUnit XML with one test case per (file, check), for CI dashboards.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Check each FILE against this SLSA provenance: its sha256 must be a subject, and
    /// the recorded target and profile must match what FILE is (exit 1 otherwise).
    #[arg(long, value_name = "P")]
    pub provenance: Option<PathBuf>,
    /// Write SLSA provenance v1 about the files, from the build info Go recorded in
    /// them (they were built elsewhere).
    #[arg(long, value_name = "FILE")]
    pub emit_provenance: Option<PathBuf>,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub smoke: SmokeArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// Release evidence written by `build` and `verify` (docs/evidence.md).
#[derive(Debug, Args, Clone, Default)]
pub struct EvidenceArgs {
    /// Write a SLSA verification summary (VSA v1) of the checks over the artifacts.
    #[arg(long, value_name = "FILE")]
    pub vsa: Option<PathBuf>,
    /// The VSA's resourceUri. [default: the source's git+URL@ref, else file: of the
    /// working directory]
    #[arg(long, value_name = "URI")]
    pub vsa_resource_uri: Option<String>,
    /// Write one CycloneDX 1.6 JSON SBOM per artifact into DIR, named by the artifact's path
    /// relative to the work dir with `/` as `_` (`_dist_linux-arm64_app.cdx.json`).
    #[arg(long, value_name = "DIR")]
    pub sbom: Option<PathBuf>,
    /// Record the host's paths in the provenance as they are: HOME, PATH, TMPDIR, USER,
    /// the Go caches and certificate locations in the child environment, the go
    /// binary's path, and absolute paths outside the working directory (in commands,
    /// flags and the source URI). [default: left out; paths under the working
    /// directory are recorded relative to it, others as `<host>/NAME`]
    #[arg(long)]
    pub provenance_host_paths: bool,
}

/// `env`.
#[derive(Debug, Args, Clone)]
pub struct EnvArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Show where every value came from and which host variables were dropped, and why.
    #[arg(long)]
    pub explain: bool,
    /// Output format: shell, make, github, json or dockerfile. [default: KEY=value lines]
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "explain")]
    pub format: Option<EnvFormatArg>,
    /// The value of {version}, as the build's --version-override sets it (so the listed
    /// outputs are the build's). [default: $XBUILD_GO_VERSION, else the nearest git tag
    /// without its leading `v`, else 0.0.0-dev+<commit>]
    #[arg(long, value_name = "VERSION")]
    pub version_override: Option<String>,
    /// Let a host variable through the scrub. Repeatable.
    #[arg(long = "pass-env", value_name = "VAR")]
    pub pass_env: Vec<String>,
    #[command(flatten)]
    pub cache: CacheProgramArgs,
    #[command(flatten)]
    pub output_args: OutputArgs,
}

/// The arguments as cargo passes them: `cargo xbuild-go ARGS` runs
/// `cargo-xbuild-go xbuild-go ARGS`; running the binary directly passes ARGS alone.
pub fn normalize_args<I: IntoIterator<Item = std::ffi::OsString>>(
    args: I,
) -> Vec<std::ffi::OsString> {
    let mut v: Vec<std::ffi::OsString> = args.into_iter().collect();
    if v.get(1).is_some_and(|a| a == "xbuild-go") {
        v.remove(1);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Cli {
        let argv = normalize_args(args.iter().map(std::ffi::OsString::from));
        Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn cargo_shim_and_direct_invocation_agree() {
        let a = parse(&["cargo-xbuild-go", "xbuild-go", "--target", "linux/arm64"]);
        let b = parse(&["cargo-xbuild-go", "--target", "linux/arm64"]);
        assert_eq!(a.build.profile.targets, b.build.profile.targets);
        assert!(a.command.is_none());
    }

    #[test]
    fn flags_parse() {
        let c = parse(&[
            "x",
            "build",
            "-t",
            "linux/arm64,linux/amd64",
            "--target",
            "linux/arm/v7",
            "--ldflags",
            "-s -w -X main.v=1",
            "--no-cgo",
            "--cgo",
            "-a",
            "-C",
            "dir",
            "--message-format",
            "json",
            "-vv",
            "--",
            "-race",
            "-x",
        ]);
        let Some(Command::Build(b)) = c.command else {
            panic!("build")
        };
        assert_eq!(
            b.profile.targets,
            ["linux/arm64,linux/amd64", "linux/arm/v7"]
        );
        assert_eq!(b.ldflags.as_deref(), Some("-s -w -X main.v=1"));
        assert_eq!(b.cgo(), Some(true), "--cgo after --no-cgo wins");
        assert!(b.rebuild_all);
        assert_eq!(b.output_args.verbose, 2);
        assert_eq!(b.go_args, ["-race", "-x"]);
        let c = parse(&["x", "--cgo", "--no-cgo"]);
        assert_eq!(c.build.cgo(), Some(false));
        let c = parse(&["x", "--smoke", "--version", "--no-smoke"]);
        assert!(
            c.build.smoke.no_smoke && c.build.smoke.smoke.is_none(),
            "the later one wins"
        );
        let c = parse(&[
            "x",
            "--no-smoke",
            "--smoke",
            "-v x",
            "--smoke-timeout",
            "2m",
        ]);
        assert!(!c.build.smoke.no_smoke);
        assert_eq!(c.build.smoke.smoke.as_deref(), Some("-v x"));
        assert_eq!(
            c.build.smoke.smoke_timeout,
            Some(std::time::Duration::from_secs(120))
        );
        let c = parse(&["x", "verify", "a", "b", "--target", "linux/arm64"]);
        assert!(matches!(c.command, Some(Command::Verify(v)) if v.files.len() == 2));
        let c = parse(&["x", "verify", "a", "--smoke", "--version"]);
        assert!(
            matches!(c.command, Some(Command::Verify(v)) if v.smoke.smoke.as_deref() == Some("--version"))
        );
    }
}
