//! A real registry for the tests: Debian's `docker-registry` (distribution 2.8) on
//! 127.0.0.1 with a free port and a temp storage directory, with htpasswd (bcrypt)
//! authentication or without; stopped by its PID when dropped. And a tiny HTTP server
//! on 127.0.0.1 answering from a closure, for what no real registry does on purpose
//! (a tampered blob, a token service that counts its requests).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (at most 10 s) until `GET /v2/` on `addr` answers; false when the child exits.
fn wait_ready(child: &mut Child, addr: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut s) = TcpStream::connect(addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = write!(s, "GET /v2/ HTTP/1.0\r\nHost: {addr}\r\n\r\n");
            let mut line = String::new();
            if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("HTTP/") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A running `docker-registry serve`.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The user and password htpasswd knows, when started with authentication.
    pub user: Option<(String, String)>,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Registry {
    /// Starts a registry (with `user` in its htpasswd file when given); `None` when
    /// `docker-registry` or `htpasswd` is missing outside CI (a reason is printed).
    pub fn start(user: Option<(&str, &str)>) -> Option<Registry> {
        Registry::start_at("127.0.0.1", user)
    }

    /// [`Registry::start`] listening on `ip` (an address of this machine: a
    /// non-loopback one for what only loopback hosts may do).
    pub fn start_at(ip: &str, user: Option<(&str, &str)>) -> Option<Registry> {
        if !super::require_tool(
            "docker-registry",
            "the registry the registry client talks to",
        ) || (user.is_some()
            && !super::require_tool("htpasswd", "bcrypt users for the registry"))
        {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let auth = match user {
            Some((u, p)) => {
                let out = Command::new("htpasswd")
                    .args(["-Bbn", u, p])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "htpasswd: {out:?}");
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, &out.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                    file.display()
                )
            }
            None => String::new(),
        };
        for _ in 0..5 {
            let port = free_port();
            let addr = format!("{ip}:{port}");
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n{auth}",
                    dir.path().join("storage").display()
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut child = child;
            if wait_ready(&mut child, &addr) {
                return Some(Registry {
                    addr,
                    user: user.map(|(u, p)| (u.to_string(), p.to_string())),
                    dir,
                    child,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("registry.log")).unwrap_or_default();
            if !log.contains("address already in use") {
                panic!("docker-registry did not start on {addr}:\n{log}");
            }
            // Someone took the port between the probe and the start: another one.
        }
        panic!("docker-registry found no free port in 5 tries");
    }

    /// What the registry logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// skopeo's `--creds` arguments for this registry (none without authentication).
    pub fn creds(&self) -> Vec<String> {
        match &self.user {
            Some((u, p)) => vec!["--creds".into(), format!("{u}:{p}")],
            None => Vec::new(),
        }
    }
}

impl Registry {
    /// `skopeo inspect --raw docker://ADDR/OBJECT` (`repo:tag` or `repo@digest`), with
    /// this registry's credentials: the bytes the registry serves.
    pub fn raw(&self, object: &str) -> Vec<u8> {
        let mut args: Vec<String> = vec![
            "inspect".into(),
            "--raw".into(),
            "--tls-verify=false".into(),
        ];
        args.extend(self.creds());
        args.push(format!("docker://{}/{object}", self.addr));
        skopeo(&args)
    }

    /// `image` (any reference skopeo reads, e.g. `oci:DIR:TAG`) pushed by skopeo as
    /// `object` (`repo:tag`), every platform, digests kept.
    pub fn skopeo_push(&self, image: &str, object: &str) {
        let mut args: Vec<String> = ["--all", "--preserve-digests", "--dest-tls-verify=false"]
            .map(String::from)
            .to_vec();
        if let Some((u, p)) = &self.user {
            args.extend(["--dest-creds".into(), format!("{u}:{p}")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        skopeo_copy(&args, image, &format!("docker://{}/{object}", self.addr));
    }
}

/// `skopeo ARGS`: its stdout. A failure fails the test with skopeo's status and stderr.
pub fn skopeo<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `skopeo copy -q FLAGS FROM TO`.
pub fn skopeo_copy(flags: &[&str], from: &str, to: &str) {
    let mut args = vec!["copy", "-q"];
    args.extend_from_slice(flags);
    args.extend([from, to]);
    skopeo(&args);
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request the tiny server got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The request target, query included.
    pub target: String,
    /// By lower-case name (of a header sent twice, the last).
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// An answer: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A tiny HTTP/1.1 server on 127.0.0.1 answering each request with a closure (one
/// request per connection); it stops when dropped.
pub struct TinyServer {
    pub addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn read_request(s: &mut TcpStream) -> Option<Seen> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = std::collections::BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(64 << 20)];
    r.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

impl TinyServer {
    pub fn start(handler: impl Fn(&Seen) -> Answer + Send + 'static) -> TinyServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            // Bounded: a test makes a few dozen requests at most.
            for conn in listener.incoming().take(1000) {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut s) = conn else { continue };
                let Some(seen) = read_request(&mut s) else {
                    continue;
                };
                let (status, headers, body) = handler(&seen);
                let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
                if !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                {
                    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
                }
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = s.write_all(head.as_bytes());
                if seen.method != "HEAD" {
                    let _ = s.write_all(&body);
                }
            }
        });
        TinyServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for TinyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `user:pass` in base64, as a docker config's `auth` holds it.
pub fn basic_auth(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

/// A docker config's text with one `auths` entry: `key` (a registry) and the
/// [`basic_auth`] of `user` and `pass`.
pub fn auth_config(user: &str, pass: &str, key: &str) -> String {
    let b64 = basic_auth(user, pass);
    format!(r#"{{"auths": {{"{key}": {{"auth": "{b64}"}}}}}}"#)
}

/// A docker config directory holding `config.json` with `text`.
pub fn docker_config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}
