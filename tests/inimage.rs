//! Smoke runs inside real images (issue 20): a Go program built by the tool runs inside
//! real Debian root filesystems (tests/util/rootfs.rs) made into images with umoci, in
//! the three transports, on the host's architecture natively and on arm64 under
//! qemu-aarch64-static, as `run.smoke.IMAGE`. What passes there passes; what the image
//! lacks (zoneinfo removed by a real whiteout, an opaque zoneinfo directory holding one
//! zone, a uid without a passwd entry, a User the image does not have) fails, naming
//! it. Hostile layers made by hand (links out of the root, device nodes, setuid files,
//! hard links to host files, a terabyte sparse file) are extracted and run into, and the
//! program looks for the host from inside: its files, the tool's secret, other
//! processes, the network, capabilities. The run gets the `/etc/hosts`, `/etc/hostname`
//! and `/etc/resolv.conf` container runtimes give every container, on an image without
//! them and in place of an image's symlinks out of the root, never written through.
//! Named images and hosts that refuse namespaces skip, and `smoke-required` makes the
//! latter a failure.

mod util;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use util::layer::{tar, tar_dir, Entry, Kind};
use util::rootfs::{debian_arch, image, qemu_for, ImageConfig, Images, RootSpec};
use util::seccomp::refuse_unshare;
use util::*;

/// The program run inside the images. `ok` says who and where it is; `zone NAME` loads a
/// zone; `user` looks its own user up; `probe DIR PORT` looks for the host.
const PROGRAM: &str = r#"package main

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"
)

func yes(err error) string {
	if err == nil {
		return "yes"
	}
	return "no"
}

func main() {
	switch os.Args[1] {
	case "ok":
		wd, _ := os.Getwd()
		fmt.Printf("ok uid=%d gid=%d wd=%s foo=%s home=%s\n", os.Getuid(), os.Getgid(), wd, os.Getenv("FOO"), os.Getenv("HOME"))
	case "zone":
		if _, err := time.LoadLocation(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("zone", os.Args[2])
	case "user":
		u, err := user.LookupId(strconv.Itoa(os.Getuid()))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("user", u.Username)
	case "dns":
		addrs, err := net.LookupHost("localhost")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		name, _ := os.ReadFile("/etc/hostname")
		conf, _ := os.ReadFile("/etc/resolv.conf")
		uts, _ := os.Hostname()
		self, err := net.LookupHost(uts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("dns localhost=%s hostname=%s nameserver=%v uts=%s self=%s\n", strings.Join(addrs, ","),
			strings.TrimSpace(string(name)), strings.Contains("\n"+string(conf), "\nnameserver"),
			uts, strings.Join(self, ","))
	case "probe":
		dir, port := os.Args[2], os.Args[3]
		_, host := os.ReadFile(dir + "/secret")
		_, sda := os.Lstat("/dev/sda")
		_, node := os.Lstat("/evil-node")
		_, stolen := os.Lstat("/stolen")
		_, planted := os.Lstat("/.xbuild-go/planted")
		var su os.FileMode
		if fi, err := os.Lstat("/bin/su"); err == nil {
			su = fi.Mode().Perm() | (fi.Mode() & os.ModeSetuid)
		}
		var huge int64 = -1
		if fi, err := os.Lstat("/huge"); err == nil {
			huge = fi.Size()
		}
		_, root := os.ReadDir("/root")
		var pids []string
		leaks := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, e.Name())
				b, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
				if strings.Contains(string(b), "XBUILD_TEST_SECRET") {
					leaks++
				}
			}
		}
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if conn != nil {
			conn.Close()
		}
		caps := "?"
		if b, e := os.ReadFile("/proc/self/status"); e == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "CapEff:") {
					caps = strings.TrimSpace(l[7:])
				}
			}
		}
		wd, _ := os.Getwd()
		fmt.Printf("probe uid=%d host=%s sda=%s node=%s stolen=%s planted=%s su=%o huge=%d root=%s pids=%s leaks=%d dial=%s caps=%s wd=%s\n",
			os.Getuid(), yes(host), yes(sda), yes(node), yes(stolen), yes(planted), su, huge, yes(root),
			strings.Join(pids, ","), leaks, yes(err), caps, wd)
	}
}
"#;

/// The tools every case needs: the rootfs harness's, and qemu for arm64 on another host.
fn ready(arch: &str) -> bool {
    util::rootfs::require_tools("smoke runs inside real images")
        && qemu_for(arch).map_or(true, |q| require_tool(q, "running arm64 inside the images"))
}

/// The program's project.
fn project() -> Project {
    let p = Project::copy_of("hello");
    p.file("main.go", PROGRAM);
    p
}

/// The program built by the tool for `goarch` into `p/out/app-GOARCH` (no runs-on, no
/// smoke): the file `verify --smoke` runs.
fn built(p: &Project, goarch: &str) -> PathBuf {
    let out = format!("out/app-{goarch}");
    run(
        p.path(),
        &["--target", &format!("linux/{goarch}"), "-o", &out],
    )
    .code(0);
    p.path().join(out)
}

/// The program's project with `runs-on = images`, and the program built for `goarch`.
fn project_on(goarch: &str, images: &[&str]) -> (Project, PathBuf) {
    let p = project();
    let file = built(&p, goarch);
    runs_on(&p, images);
    (p, file)
}

/// `runs-on` of the golden profile.
fn runs_on(p: &Project, images: &[&str]) {
    let list: Vec<String> = images.iter().map(|i| format!("{i:?}")).collect();
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden.verify]\nruns-on = [{}]\n", list.join(", ")),
    );
}

/// `verify FILE --target linux/GOARCH --smoke ARGS` in `p` (json), with exactly `env`,
/// to be run.
fn verify_cmd(
    p: &Project,
    file: &Path,
    goarch: &str,
    args: &str,
    env: &BTreeMap<String, String>,
) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args([
        "verify",
        file.to_str().unwrap(),
        "--target",
        &format!("linux/{goarch}"),
        "--smoke",
        args,
        "--message-format",
        "json",
    ])
    .current_dir(p.path())
    .env_clear()
    .envs(env)
    .stdin(Stdio::null());
    cmd
}

/// [`verify_cmd`] run with the base environment.
fn verify_smoke(p: &Project, file: &Path, goarch: &str, args: &str) -> Run {
    let mut cmd = verify_cmd(p, file, goarch, args, &base_env());
    output_of(&mut cmd, &format!("verify --smoke {args:?}"), p.path())
}

/// The `run.smoke.IMAGE` check of `image` in the only artifact of `r`.
fn in_image(r: &Run, image: &str) -> Value {
    let arts = r.artifacts();
    assert_eq!(arts.len(), 1, "one artifact\n{r}");
    check(&arts[0], &format!("run.smoke.{image}")).clone()
}

/// Runs a prepared command of the tool, described as `what`.
fn output_of(cmd: &mut Command, what: &str, cwd: &Path) -> Run {
    let out = cmd.output().expect("spawn cargo-xbuild-go");
    Run {
        cmd: what.to_string(),
        cwd: cwd.to_path_buf(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn text(c: &Value, key: &str) -> String {
    c[key].as_str().unwrap_or_default().to_string()
}

/// How the run of `arch` is described: `natively` or `under qemu-...`.
fn how(arch: &str) -> String {
    qemu_for(arch).map_or("natively".into(), |q| format!("under {q}"))
}

/// A Debian base root for `arch` as an image (user 65532, FOO=bar) in three transports.
fn base_images(arch: &str, goarch: &str, dir: &Path) -> Images {
    let root = RootSpec::debian_base(arch).build();
    let config = ImageConfig {
        env: vec!["FOO=bar".into(), "PATH=/usr/bin:/bin".into()],
        user: Some("65532".into()),
        working_dir: Some("/home/nonroot".into()),
    };
    image(&[&root], goarch, &config, dir)
}

/// For the host's architecture: the base images under `dir` and the program's project
/// running on their `oci:` form; `None` (skipped) without the tools, or when the test
/// needs root (`root_for` says why) and this is not root.
fn host_base(
    dir: &Path,
    root_for: Option<&str>,
) -> Option<(&'static str, Images, Project, PathBuf)> {
    if let Some(why) = root_for.filter(|_| !is_root()) {
        eprintln!("SKIP: the test needs root: {why}");
        return None;
    }
    let goarch = util::shared::host_arch();
    if !ready(debian_arch(goarch)) {
        return None;
    }
    let base = base_images(debian_arch(goarch), goarch, &dir.join("base"));
    let (p, file) = project_on(goarch, &[&base.oci]);
    Some((goarch, base, p, file))
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// What passes and fails inside real images of one architecture: the program runs in
/// all three transports as the image's user in its working directory with its Env;
/// without zoneinfo (a whiteout of a second layer) `zone` fails naming zoneinfo; a uid
/// without a passwd entry makes `user` fail naming /etc/passwd; a User the image does
/// not have is not run; a named image is skipped.
fn passes_and_fails_on(goarch: &str) {
    let arch = debian_arch(goarch);
    if !ready(arch) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = base_images(arch, goarch, &dir.path().join("base"));
    let p = project();
    let file = built(&p, goarch);
    let mut entries: Vec<&str> = base.all().to_vec();
    entries.push("distroless/static");
    runs_on(&p, &entries);
    let r = verify_smoke(&p, &file, goarch, "ok");
    for i in base.all() {
        let c = in_image(&r, i);
        assert_eq!(c["status"], "pass", "{i}: {c:#}\n{r}");
        let want = format!(
            "exit 0 (inside {i}, linux/{goarch}, {}, user 65532): ok uid=65532 gid=65532 \
             wd=/home/nonroot foo=bar home=/home/nonroot",
            how(arch)
        );
        assert_eq!(text(&c, "actual"), want, "{i}\n{r}");
    }
    let named = in_image(&r, "distroless/static");
    assert_eq!(named["status"], "skip", "{named:#}");
    assert!(text(&named, "message").contains("named image"), "{named:#}");

    // A build runs there too, with the profile's `smoke`: the bytes it verified.
    p.file(
        "xbuild-go.toml",
        &format!(
            "[profile.golden]\nsmoke = [\"ok\"]\n[profile.golden.verify]\nruns-on = [{:?}]\n",
            base.oci_archive
        ),
    );
    let target = format!("linux/{goarch}");
    let r = run(
        p.path(),
        &[
            "--target",
            &target,
            "-o",
            "out/built",
            "--message-format",
            "json",
        ],
    );
    let c = in_image(&r, &base.oci_archive);
    assert_eq!(c["status"], "pass", "{c:#}\n{r}");
    assert_eq!(
        text(&c, "expected"),
        format!("exit 0 from `ARTIFACT ok` inside {}", base.oci_archive)
    );
    // Without -v, the human output has a Smoke line for the run inside the image too.
    let human = run(p.path(), &["--target", &target, "-o", "out/built"]);
    human.code(0);
    let line = format!(
        "ok (inside {}, linux/{goarch}, {}",
        base.oci_archive,
        how(arch)
    );
    assert!(
        human
            .stderr
            .lines()
            .any(|l| l.contains("Smoke") && l.contains(&line)),
        "no Smoke line with {line:?}\n{human}"
    );

    // The same image without zoneinfo: a second layer whose tree lacks it (umoci writes
    // a real whiteout).
    let mut spec = RootSpec::debian_base(arch);
    spec.without("usr/share/zoneinfo");
    let (full, bare) = (RootSpec::debian_base(arch).build(), spec.build());
    let config = |user: &str| ImageConfig {
        user: Some(user.into()),
        ..ImageConfig::default()
    };
    let notz = image(
        &[&full, &bare],
        goarch,
        &config("65532"),
        &dir.path().join("notz"),
    );
    let nouser = image(
        &[&full],
        goarch,
        &config("4242"),
        &dir.path().join("nouser"),
    );
    let noname = image(&[&full], goarch, &config("app"), &dir.path().join("noname"));
    runs_on(&p, &[&notz.oci, &nouser.oci, &noname.oci]);
    for (args, entry, needles) in [
        (
            "zone Europe/Paris",
            &notz.oci,
            &[
                "zoneinfo: the image has none of Go's zoneinfo directories",
                "time/tzdata",
            ][..],
        ),
        (
            "user",
            &nouser.oci,
            &[
                "user: unknown userid 4242",
                "/etc/passwd: the image's has no entry",
                "uid 4242",
            ][..],
        ),
        (
            "ok",
            &noname.oci,
            &["its /etc/passwd has no user `app`"][..],
        ),
    ] {
        let r = verify_smoke(&p, &file, goarch, args);
        r.code(1);
        let c = in_image(&r, entry);
        assert_eq!(c["status"], "fail", "{args}: {c:#}\n{r}");
        let said = format!("{} {}", text(&c, "actual"), text(&c, "message"));
        for n in needles {
            assert!(said.contains(n), "{args}: {n:?} in {said}\n{r}");
        }
    }
    // What is there runs: another zone loads, and with the zoneinfo layer only.
    let r = verify_smoke(&p, &file, goarch, "zone Asia/Tokyo");
    let c = in_image(&r, &nouser.oci);
    assert_eq!(c["status"], "pass", "{c:#}\n{r}");
    assert!(
        text(&c, "actual").ends_with("user 4242): zone Asia/Tokyo"),
        "{c:#}"
    );
}

#[test]
fn a_program_runs_inside_real_images_of_the_host_architecture_natively() {
    passes_and_fails_on(util::shared::host_arch());
}

#[test]
fn a_program_runs_inside_real_arm64_images_under_qemu() {
    passes_and_fails_on("arm64");
}

#[test]
fn an_opaque_directory_in_a_later_layer_hides_what_the_lower_one_had() {
    let goarch = util::shared::host_arch();
    let arch = debian_arch(goarch);
    if !ready(arch) {
        return;
    }
    let root = RootSpec::debian_base(arch).build();
    let utc = std::fs::read(root.join("usr/share/zoneinfo/UTC")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lower = tar_dir(&root);
    let upper = tar(&[
        Entry("usr/share/zoneinfo/.wh..wh..opq", 0o644, Kind::File(b"")),
        Entry("usr/share/zoneinfo/UTC", 0o644, Kind::File(&utc)),
    ]);
    let img = util::layer::image(
        &dir.path().join("opq"),
        goarch,
        &[&lower, &upper],
        json!({}),
    );
    let (p, file) = project_on(goarch, &[&img]);
    let r = verify_smoke(&p, &file, goarch, "zone UTC");
    let c = in_image(&r, &img);
    assert_eq!(c["status"], "pass", "UTC is in the upper layer: {c:#}\n{r}");
    assert!(text(&c, "actual").contains("user 0): zone UTC"), "{c:#}");
    let r = verify_smoke(&p, &file, goarch, "zone Europe/Paris");
    let c = in_image(&r, &img);
    assert_eq!(
        c["status"], "fail",
        "the opaque directory hides it: {c:#}\n{r}"
    );
    let m = text(&c, "message");
    assert!(
        m.contains("passed (the judgement of the image's files), but the artifact does not run")
            || m.contains("as `runs-on."),
        "the static judgement is named: {m}"
    );
    assert!(
        m.contains("zoneinfo: the image has /usr/share/zoneinfo, but not the zone asked for"),
        "{m}"
    );
    assert!(m.contains("unknown time zone Europe/Paris"), "{m}");
}

/// A listener the program must not reach, and the test's secret in the tool's
/// environment.
struct Host {
    dir: tempfile::TempDir,
    listener: std::net::TcpListener,
    secret: String,
}

impl Host {
    fn new() -> Host {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), b"host secret").unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Host {
            dir,
            listener,
            secret: format!("s3cr3t-{}", std::process::id()),
        }
    }

    fn probe_args(&self) -> String {
        format!(
            "probe {} {}",
            self.dir.path().display(),
            self.listener.local_addr().unwrap().port()
        )
    }

    fn env(&self) -> BTreeMap<String, String> {
        let mut env = base_env();
        env.insert("XBUILD_TEST_SECRET".into(), self.secret.clone());
        env
    }

    /// Nothing of the host was reached: its directory holds only the secret, the
    /// listener got no connection, the secret is in no output.
    fn untouched(&self, r: &Run) {
        let names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["secret"], "written on the host\n{r}");
        assert!(
            matches!(self.listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the listener was reached\n{r}"
        );
        assert!(!r.stdout.contains(&self.secret) && !r.stderr.contains(&self.secret));
    }
}

/// An image at `dir` for `goarch` (its config's `config`) of two layers that reach for
/// the host's directory: links out of the root (absolute and climbing) that the second
/// layer writes through, hard links to its files, device nodes, a setuid file, a planted
/// `/.xbuild-go`, `/proc` a link to `/`, a terabyte sparse file; and the `/etc/passwd` and
/// zoneinfo the program's other modes would read.
fn hostile_image(host: &Host, dir: &Path, goarch: &str, config: Value) -> String {
    let hostp = host.dir.path().display().to_string();
    let hostp = hostp.as_str();
    let up = format!("{}{}", "../".repeat(16), &hostp[1..]);
    let (secret, secret_up) = (format!("{hostp}/secret"), format!("{up}/secret"));
    let lower = tar(&[
        Entry("escape", 0o777, Kind::Symlink(hostp)),
        Entry("up", 0o777, Kind::Symlink(&up)),
        Entry("proc", 0o777, Kind::Symlink("/")),
        Entry("dev/sda", 0o666, Kind::CharDevice),
        Entry("evil-node", 0o666, Kind::CharDevice),
        Entry("bin/su", 0o4755, Kind::File(b"#!/bin/sh\n")),
        Entry(".xbuild-go/planted", 0o755, Kind::File(b"x")),
        Entry("huge", 0o644, Kind::Sparse(1 << 40)),
        // What the program's other modes read (user and zone lookups), so the static
        // judgement of its runtime needs passes as the run does.
        Entry(
            "etc/passwd",
            0o644,
            Kind::File(b"root:x:0:0::/root:/bin/sh\nu:x:1234:1234::/:/bin/sh\n"),
        ),
        Entry("usr/share/zoneinfo/UTC", 0o644, Kind::File(b"TZif2")),
    ]);
    let upper = tar(&[
        Entry("escape/pwned", 0o644, Kind::File(b"PWNED")),
        Entry("up/pwned-too", 0o644, Kind::File(b"PWNED")),
        Entry("stolen", 0o644, Kind::HardLink(&secret)),
        Entry("stolen-too", 0o644, Kind::HardLink(&secret_up)),
    ]);
    util::layer::image(dir, goarch, &[&lower, &upper], config)
}

#[test]
fn hostile_layers_are_neutralised_and_the_run_cannot_see_the_host() {
    let goarch = util::shared::host_arch();
    if !ready(debian_arch(goarch)) {
        return;
    }
    let host = Host::new();
    let hostp = host.dir.path().display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"User": "1234:1234", "WorkingDir": "/escape/wd"});
    let as_user = hostile_image(&host, &dir.path().join("user"), goarch, config);
    let as_root = hostile_image(&host, &dir.path().join("root"), goarch, json!({}));
    let (p, file) = project_on(goarch, &[&as_user, &as_root]);
    let args = host.probe_args();
    let mut cmd = verify_cmd(&p, &file, goarch, &args, &host.env());
    let r = output_of(&mut cmd, &format!("verify --smoke {args:?}"), p.path());
    host.untouched(&r);
    for (img, uid, wd) in [
        (&as_user, "1234", format!("{hostp}/wd")),
        (&as_root, "0", "/".to_string()),
    ] {
        let c = in_image(&r, img);
        assert_eq!(c["status"], "pass", "{c:#}\n{r}");
        let want = format!(
            "probe uid={uid} host=no sda=no node=no stolen=no planted=no su=755 huge=0 root=no \
             pids=1 leaks=0 dial=no caps=0000000000000000 wd={wd}"
        );
        assert!(
            text(&c, "actual").ends_with(&want),
            "{img}: want {want}\n{c:#}"
        );
        let m = text(&c, "message");
        assert!(m.is_empty(), "a pass: {m}");
    }
}

/// The files container runtimes bind into every container: on an image with no
/// `/etc/hosts` (nor `/etc` at all), a program resolving `localhost` and its own
/// hostname (the UTS namespace's, which `/etc/hosts` lists) passes `run.smoke.IMAGE`; on images whose `/etc/hosts`, `/etc/hostname` and
/// `/etc/resolv.conf` are symlinks out of the root (absolute, and climbing with `..`),
/// or whose `/etc` is one, the tool writes nothing outside its root: the host's files
/// keep their bytes and no file is added beside them.
#[test]
fn the_run_gets_the_runtime_resolver_files_and_never_writes_through_an_image_symlink() {
    let goarch = util::shared::host_arch();
    if !ready(debian_arch(goarch)) {
        return;
    }
    let host = Host::new();
    let hostp = host.dir.path().display().to_string();
    for f in ["hosts", "hostname", "resolv.conf"] {
        std::fs::write(host.dir.path().join(f), "HOST FILE\n").unwrap();
    }
    let up = format!("/../../{}", &hostp[1..]);
    let dir = tempfile::tempdir().unwrap();
    let needs: &[Entry] = &[
        Entry("usr/share/zoneinfo/UTC", 0o644, Kind::File(b"TZif2")),
        Entry("tmp", 0o1777, Kind::Dir),
    ];
    let passwd = Entry(
        "etc/passwd",
        0o644,
        Kind::File(b"root:x:0:0::/root:/bin/sh\n"),
    );
    let hosts_up = format!("{up}/hosts");
    let hostname_out = format!("{hostp}/hostname");
    let resolv_up = format!("{}{}/resolv.conf", "../".repeat(12), &hostp[1..]);
    // (case, layer entries, whether the run resolves localhost)
    let cases: Vec<(&str, Vec<Entry>, bool)> = vec![
        ("no /etc at all", needs.to_vec(), true),
        (
            "an /etc without the files",
            [needs, std::slice::from_ref(&passwd)].concat(),
            true,
        ),
        (
            "the files are symlinks out of the root",
            [
                needs,
                &[
                    passwd.clone(),
                    Entry("etc/hosts", 0o777, Kind::Symlink(&hosts_up)),
                    Entry("etc/hostname", 0o777, Kind::Symlink(&hostname_out)),
                    Entry("etc/resolv.conf", 0o777, Kind::Symlink(&resolv_up)),
                ],
            ]
            .concat(),
            true,
        ),
        (
            "/etc is a symlink out of the root",
            [needs, &[Entry("etc", 0o777, Kind::Symlink(&up))]].concat(),
            false,
        ),
    ];
    let images: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, entries, _))| {
            util::layer::image(
                &dir.path().join(format!("i{i}")),
                goarch,
                &[&tar(entries)],
                json!({}),
            )
        })
        .collect();
    let refs: Vec<&str> = images.iter().map(String::as_str).collect();
    let (p, file) = project_on(goarch, &refs);
    let mut cmd = verify_cmd(&p, &file, goarch, "dns", &host.env());
    let r = output_of(&mut cmd, "verify --smoke dns", p.path());
    for f in ["hosts", "hostname", "resolv.conf"] {
        assert_eq!(
            std::fs::read_to_string(host.dir.path().join(f)).unwrap(),
            "HOST FILE\n",
            "the host's {f} was written through an image's symlink\n{r}"
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(host.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["hostname", "hosts", "resolv.conf", "secret"],
        "written on the host\n{r}"
    );
    for ((case, _, resolves), img) in cases.iter().zip(&images) {
        let c = in_image(&r, img);
        if *resolves {
            assert_eq!(c["status"], "pass", "case {case}: {c:#}\n{r}");
            let want = "dns localhost=127.0.0.1,::1 hostname=xbuild-go-smoke nameserver=false \
                        uts=xbuild-go-smoke self=127.0.1.1";
            assert!(
                text(&c, "actual").ends_with(want),
                "case {case}: want {want}\n{c:#}"
            );
        } else {
            // No runtime files under a symlinked /etc: the lookup has nothing to read.
            assert_eq!(c["status"], "fail", "case {case}: {c:#}\n{r}");
            assert!(
                text(&c, "message").contains("lookup localhost"),
                "case {case}: {c:#}"
            );
        }
    }
}

#[test]
fn named_images_and_hosts_without_namespaces_skip_and_smoke_required_fails_the_latter() {
    let dir = tempfile::tempdir().unwrap();
    let Some((goarch, base, p, file)) = host_base(dir.path(), None) else {
        return;
    };
    for (required, want) in [(false, "skip"), (true, "fail")] {
        let list = format!("{:?}, \"distroless/static\"", base.oci);
        p.file(
            "xbuild-go.toml",
            &format!(
                "[profile.golden]\nsmoke-required = {required}\n[profile.golden.verify]\n\
                 runs-on = [{list}]\n"
            ),
        );
        let mut cmd = verify_cmd(&p, &file, goarch, "ok", &base_env());
        refuse_unshare(&mut cmd, false);
        let r = output_of(
            &mut cmd,
            "verify under a seccomp filter refusing unshare",
            p.path(),
        );
        let c = in_image(&r, &base.oci);
        assert_eq!(c["status"], want, "smoke-required = {required}: {c:#}\n{r}");
        let m = text(&c, "message");
        assert!(m.contains("cannot make the namespaces"), "{m}");
        if required {
            assert!(m.contains("smoke-required = true"), "{m}");
        }
        let named = in_image(&r, "distroless/static");
        assert_eq!(
            named["status"], "skip",
            "a named image always skips: {named:#}"
        );
    }
}

#[test]
fn a_tool_that_is_not_root_runs_the_image_user_in_a_user_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let Some((goarch, base, p, file)) = host_base(dir.path(), Some("it drops to uid 1000")) else {
        return;
    };
    let tmp = p.path().join(".tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    for path in [p.path(), dir.path()] {
        let ok = Command::new("chown")
            .args(["-R", "1000:1000"])
            .arg(path)
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let env = BTreeMap::from([
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_default(),
        ),
        ("HOME".to_string(), p.path().display().to_string()),
        ("TMPDIR".to_string(), tmp.display().to_string()),
    ]);
    let mut cmd = verify_cmd(&p, &file, goarch, "ok", &env);
    cmd.uid(1000).gid(1000);
    let r = output_of(&mut cmd, "verify as uid 1000", p.path());
    let c = in_image(&r, &base.oci);
    assert_eq!(c["status"], "pass", "{c:#}\n{r}");
    assert!(
        text(&c, "actual").ends_with(
            "user 65532): ok uid=65532 gid=65532 wd=/home/nonroot foo=bar home=/home/nonroot"
        ),
        "{c:#}"
    );
    // Nothing of the run is left in TMPDIR.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "{r}");
}

/// The root filesystem of the hand-made image `reference` (linux/arm64), extracted by
/// the library into a fresh `root` below `dir`.
fn extracted(
    dir: &Path,
    reference: &str,
    max: u64,
) -> (
    PathBuf,
    Result<xbuild_go::image::rootfs::RootFs, xbuild_go::image::ImageError>,
) {
    let r = xbuild_go::image::ImageRef::parse(reference)
        .unwrap()
        .unwrap();
    let platform = xbuild_go::image::Platform {
        os: "linux".into(),
        arch: "arm64".into(),
        variant: None,
    };
    let into = dir.join("root");
    std::fs::create_dir(&into).unwrap();
    let fs = xbuild_go::image::rootfs::extract_within(&r, dir, &platform, &into, max);
    (into, fs)
}

#[test]
fn extraction_applies_whiteouts_opaque_directories_and_hard_links_and_keeps_modes() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let dir = tempfile::tempdir().unwrap();
    let lower = tar(&[
        Entry("a", 0o755, Kind::Dir),
        Entry("a/x", 0o644, Kind::File(b"x")),
        Entry("a/y", 0o644, Kind::File(b"y")),
        Entry("b", 0o755, Kind::Dir),
        Entry("b/z", 0o644, Kind::File(b"z")),
        Entry(
            "etc/passwd",
            0o644,
            Kind::File(b"root:x:0:0:root:/root:/bin/sh\n"),
        ),
        Entry("etc/passwd-link", 0o644, Kind::HardLink("etc/passwd")),
    ]);
    let upper = tar(&[
        Entry("a/.wh.x", 0o644, Kind::File(b"")),
        Entry("b/.wh..wh..opq", 0o644, Kind::File(b"")),
        Entry("b/new", 0o600, Kind::File(b"new")),
        Entry("ro", 0o555, Kind::Dir),
        Entry("ro/inside", 0o444, Kind::File(b"i")),
    ]);
    let img = util::layer::image(
        &dir.path().join("img"),
        "arm64",
        &[&lower, &upper],
        json!({}),
    );
    let (root, fs) = extracted(dir.path(), &img, u64::MAX);
    let fs = fs.unwrap();
    let has = |p: &str| root.join(p).symlink_metadata().is_ok();
    assert!(has("a/y") && !has("a/x"), "a whiteout removes a/x only");
    assert!(
        has("b/new") && !has("b/z"),
        "an opaque b keeps only its own"
    );
    assert_eq!(std::fs::read(root.join("b/new")).unwrap(), b"new");
    let mode = |p: &str| {
        root.join(p)
            .symlink_metadata()
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!((mode("b/new"), mode("ro/inside")), (0o600, 0o444));
    assert_eq!(mode("ro"), 0o755, "directories stay the owner's to enter");
    let ino = |p: &str| root.join(p).metadata().unwrap().ino();
    assert_eq!(ino("etc/passwd"), ino("etc/passwd-link"), "a hard link");
    assert_eq!(fs.files, 4, "hard links counted once: {fs:?}");
    for m in xbuild_go::image::rootfs::MOUNT_POINTS {
        assert!(root.join(&m[1..]).is_dir(), "{m} is made");
    }
    assert_eq!((fs.working_dir.as_str(), fs.tmp.as_deref()), ("/", None));
    let user = fs.run_as.as_ref().unwrap();
    assert_eq!((user.uid, user.home.as_str()), (0, "/root"));
}

#[test]
fn extraction_writes_nothing_outside_and_no_device_setuid_or_planted_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let host = Host::new();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"WorkingDir": "/escape/work"});
    let img = hostile_image(&host, &dir.path().join("img"), "arm64", config);
    let (root, fs) = extracted(dir.path(), &img, u64::MAX);
    let fs = fs.unwrap();
    let names: Vec<PathBuf> = std::fs::read_dir(host.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        names,
        [host.dir.path().join("secret")],
        "nothing on the host"
    );
    assert_eq!(
        std::fs::read_link(root.join("escape")).unwrap(),
        host.dir.path(),
        "a link is written as a link"
    );
    let real_root = std::fs::canonicalize(&root).unwrap();
    let pwned: Vec<PathBuf> = util::shared::walk_tree(&root, true)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pwned"))
        })
        .collect();
    assert_eq!(pwned.len(), 2, "both writes land inside: {pwned:?}");
    for p in &pwned {
        assert!(std::fs::canonicalize(p).unwrap().starts_with(&real_root));
    }
    let meta = |p: &str| root.join(p).symlink_metadata();
    for gone in [
        "stolen",
        "stolen-too",
        "dev/sda",
        "evil-node",
        ".xbuild-go/planted",
    ] {
        assert!(meta(gone).is_err(), "{gone} is not written");
    }
    assert_eq!(meta("bin/su").unwrap().permissions().mode() & 0o7777, 0o755);
    assert!(meta("proc").unwrap().is_dir(), "proc made a real directory");
    assert_eq!(
        meta("huge").unwrap().len(),
        0,
        "a sparse file written empty"
    );
    let wd = std::fs::canonicalize(root.join(&fs.working_dir[1..])).unwrap();
    assert!(wd.starts_with(&real_root) && fs.working_dir.ends_with("/work"));
    let notes = fs.notes.join("\n");
    for n in ["device node", "setuid", ".xbuild-go", "sparse", "/proc"] {
        assert!(notes.contains(n), "{n:?} in the notes:\n{notes}");
    }
}

#[test]
fn a_root_past_its_budget_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![0u8; 4096];
    let layer = tar(&[Entry("big", 0o644, Kind::File(&big))]);
    let img = util::layer::image(&dir.path().join("img"), "arm64", &[&layer], json!({}));
    let (into, fs) = extracted(dir.path(), &img, 4095);
    let e = fs.unwrap_err();
    assert!(e.over_budget && e.message.contains("MAX_ROOTFS"), "{e}");
    assert_eq!(
        std::fs::read_dir(&into).unwrap().count(),
        0,
        "nothing written"
    );
    std::fs::write(into.join("x"), b"").unwrap();
    let r = xbuild_go::image::ImageRef::parse(&img).unwrap().unwrap();
    let platform = xbuild_go::image::Platform {
        os: "linux".into(),
        arch: "arm64".into(),
        variant: None,
    };
    let e = xbuild_go::image::rootfs::extract(&r, dir.path(), &platform, &into).unwrap_err();
    assert!(e.message.contains("not an empty directory"), "{e}");
}

#[test]
fn an_image_too_big_for_the_free_space_is_unknown_and_not_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let mounts = "it mounts a small tmpfs as TMPDIR in a namespace of its own";
    if !require_tool("unshare", "a small TMPDIR") {
        return;
    }
    let Some((goarch, base, p, file)) = host_base(dir.path(), Some(mounts)) else {
        return;
    };
    let small = p.path().join(".small");
    std::fs::create_dir(&small).unwrap();
    let mut env = base_env();
    env.insert("TMPDIR".into(), small.display().to_string());
    // The tool, in a mount namespace of its own where TMPDIR is a 4 MiB tmpfs.
    let inner = verify_cmd(&p, &file, goarch, "ok", &env);
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=4m tmpfs '{}' && exec \"$@\"",
            small.display()
        ))
        .arg("sh")
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(p.path())
        .env_clear()
        .envs(&env)
        .stdin(Stdio::null());
    let r = output_of(&mut cmd, "verify with a 4 MiB TMPDIR", p.path());
    let c = in_image(&r, &base.oci);
    assert_eq!(c["status"], "unknown", "{c:#}\n{r}");
    let m = text(&c, "message");
    assert!(m.contains("MiB free") && m.contains("needs about"), "{m}");
    assert_eq!(r.code, Some(1), "unknown is never a pass\n{r}");
}
