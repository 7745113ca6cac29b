//! The I/O of an experiment run: the `process` and `http` providers with
//! Chaos Toolkit's semantics, pauses, background activities and Ctrl-C /
//! SIGTERM, all on one current-thread tokio runtime (the run is sequential;
//! background activities progress while the foreground waits).

use crate::domain::experiment::run::{Exec, Job, Outcome, Timed};
use crate::domain::experiment::text;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

/// Output kept per stream: a probe's whole stdout usually matters to its
/// tolerance, so this is generous; past it the tail is dropped.
const STREAM_LIMIT: usize = 16 * 1024 * 1024;
/// Response bodies read at most.
const BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Between SIGTERM and SIGKILL when a process times out or the run stops.
const TERM_GRACE: Duration = Duration::from_millis(500);

/// What every activity shares.
struct Ctx {
    /// The environment the children get (the process's, `.env` values on
    /// top, cocpit's own `COCPIT_*` settings removed).
    env: BTreeMap<String, String>,
    /// Signals received so far.
    signals: watch::Receiver<u32>,
}

/// The [`Exec`] of a real run.
pub struct Real {
    rt: tokio::runtime::Runtime,
    ctx: Arc<Ctx>,
    /// Activities stop when more signals than this arrived (raised when the
    /// rollbacks start, so the first Ctrl-C does not stop them).
    absorbed: u32,
    background: Vec<(usize, tokio::task::JoinHandle<Timed>)>,
    /// Where progress lines go (a callback, so the CLI decides).
    pub on_progress: Box<dyn FnMut(crate::domain::experiment::run::Progress<'_>)>,
}

impl Real {
    pub fn new(env: BTreeMap<String, String>) -> Result<Real, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        let (tx, rx) = watch::channel(0u32);
        rt.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let int = signal(SignalKind::interrupt());
            let term = signal(SignalKind::terminate());
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::spawn(async move {
                        loop {
                            tokio::select! {
                                _ = int.recv() => {},
                                _ = term.recv() => {},
                            }
                            tx.send_modify(|n| *n += 1);
                        }
                    });
                    Ok(())
                }
                (Err(e), _) | (_, Err(e)) => Err(format!("cannot watch for signals: {e}")),
            }
        })?;
        Ok(Real::build(rt, env, rx))
    }

    /// A run stopped through `stop` rather than by signals (the console
    /// owns its signals): each increment counts as one Ctrl-C.
    pub fn with_stop(
        env: BTreeMap<String, String>,
        stop: watch::Receiver<u32>,
    ) -> Result<Real, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        Ok(Real::build(rt, env, stop))
    }

    fn build(
        rt: tokio::runtime::Runtime,
        env: BTreeMap<String, String>,
        rx: watch::Receiver<u32>,
    ) -> Real {
        Real {
            rt,
            ctx: Arc::new(Ctx { env, signals: rx }),
            absorbed: 0,
            background: Vec::new(),
            on_progress: Box::new(|_| {}),
        }
    }

    fn signals(&self) -> u32 {
        *self.ctx.signals.borrow()
    }
}

impl Exec for Real {
    fn now(&mut self) -> DateTime<Utc> {
        Utc::now()
    }

    fn execute(&mut self, activity: &Value) -> Outcome {
        let ctx = Arc::clone(&self.ctx);
        let absorbed = self.absorbed;
        self.rt.block_on(execute(ctx, activity.clone(), absorbed))
    }

    fn pause(&mut self, secs: f64) {
        let mut rx = self.ctx.signals.clone();
        let absorbed = self.absorbed;
        self.rt.block_on(async move {
            tokio::select! {
                _ = tokio::time::sleep(duration(secs)) => {}
                _ = stopped(&mut rx, absorbed) => {}
            }
        });
    }

    fn interrupted(&self) -> bool {
        self.signals() > self.absorbed
    }

    fn spawn(&mut self, id: usize, job: Job) {
        let ctx = Arc::clone(&self.ctx);
        let absorbed = self.absorbed;
        let handle = self.rt.spawn(async move {
            let mut rx = ctx.signals.clone();
            if job.pause_before > 0.0 {
                tokio::select! {
                    _ = tokio::time::sleep(duration(job.pause_before)) => {}
                    _ = stopped(&mut rx, absorbed) => {}
                }
            }
            let start = Utc::now();
            let outcome = execute(Arc::clone(&ctx), job.activity, absorbed).await;
            let end = Utc::now();
            if job.pause_after > 0.0 {
                tokio::select! {
                    _ = tokio::time::sleep(duration(job.pause_after)) => {}
                    _ = stopped(&mut rx, absorbed) => {}
                }
            }
            Timed {
                outcome,
                start,
                end,
            }
        });
        self.background.push((id, handle));
    }

    fn join(&mut self) -> Vec<(usize, Timed)> {
        let jobs = std::mem::take(&mut self.background);
        self.rt.block_on(async move {
            let mut out = Vec::new();
            for (id, h) in jobs {
                let t = match h.await {
                    Ok(t) => t,
                    Err(e) => {
                        let now = Utc::now();
                        Timed {
                            outcome: Outcome::failed(format!("background activity died: {e}")),
                            start: now,
                            end: now,
                        }
                    }
                };
                out.push((id, t));
            }
            out
        })
    }

    fn progress(&mut self, p: crate::domain::experiment::run::Progress<'_>) {
        use crate::domain::experiment::run::{Progress, Stage};
        if let Progress::Stage(Stage::Rollbacks) = p {
            // Rollbacks run after a Ctrl-C (that is what `always` is for);
            // only a further signal stops them.
            self.absorbed = self.signals();
        }
        (self.on_progress)(p);
    }
}

fn duration(secs: f64) -> Duration {
    // Capped at about ten years so `now + d` never overflows.
    Duration::from_secs_f64(secs.clamp(0.0, 3.0e8))
}

/// Resolves once more than `absorbed` signals arrived.
async fn stopped(rx: &mut watch::Receiver<u32>, absorbed: u32) {
    loop {
        if *rx.borrow_and_update() > absorbed {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn execute(ctx: Arc<Ctx>, activity: Value, absorbed: u32) -> Outcome {
    let provider = activity.get("provider").cloned().unwrap_or(Value::Null);
    let mut rx = ctx.signals.clone();
    match provider.get("type").and_then(Value::as_str) {
        Some("process") => process(&ctx, &provider, rx, absorbed).await,
        Some("http") => {
            tokio::select! {
                o = http(&provider) => o,
                _ = stopped(&mut rx, absorbed) => Outcome::failed("interrupted"),
            }
        }
        Some(other) => Outcome::failed(format!("{other} providers are not supported by cocpit")),
        None => Outcome::failed("the activity has no provider type"),
    }
}

/// `shutil.which`: a name with a slash is taken as it is, else looked up
/// on `PATH` (after `~` expansion).
pub fn which(path: &str, env: &BTreeMap<String, String>) -> Option<String> {
    let path = match path.strip_prefix("~/") {
        Some(rest) => format!("{}/{rest}", env.get("HOME").cloned().unwrap_or_default()),
        None => path.to_string(),
    };
    let executable = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if path.contains('/') {
        return executable(std::path::Path::new(&path)).then_some(path);
    }
    let dirs = env.get("PATH").cloned().unwrap_or_default();
    std::env::split_paths(&dirs)
        .map(|d| d.join(&path))
        .find(|p| executable(p))
        .map(|p| p.to_string_lossy().into_owned())
}

/// The argv of a process provider: Python's `str()` of each item, `None`
/// and `""` dropped; a mapping is flattened to `k v k v`.
pub fn argv_items(arguments: &Value) -> Vec<String> {
    let items: Vec<Value> = match arguments {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| [Value::String(k.clone()), v.clone()])
            .collect(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
        .map(py_str)
        .collect()
}

/// Python's `str()` of a JSON value (dicts and lists in `repr` form).
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

async fn pump(mut r: impl tokio::io::AsyncRead + Unpin) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => return buf,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > 2 * STREAM_LIMIT {
                    let drop = buf.len() - STREAM_LIMIT;
                    buf.drain(..drop);
                }
            }
        }
    }
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg only sends a signal, to the child's own group
    // (process_group(0) made its pid the group id).
    unsafe {
        libc::killpg(pgid, sig);
    }
}

async fn process(
    ctx: &Ctx,
    provider: &Value,
    mut rx: watch::Receiver<u32>,
    absorbed: u32,
) -> Outcome {
    let raw = provider.get("path").map(text).unwrap_or_default();
    let Some(path) = which(&raw, &ctx.env) else {
        return Outcome::failed(format!("path '{raw}' cannot be found"));
    };
    let arguments = provider.get("arguments").cloned().unwrap_or(Value::Null);
    let mut cmd = match &arguments {
        // Chaos Toolkit runs a string of arguments through a shell
        // (`subprocess.run(f"{path} {arguments}", shell=True)`); the CLI
        // has warned about it before the run.
        Value::String(s) => {
            let mut c = tokio::process::Command::new("/bin/sh");
            c.arg("-c").arg(format!("{path} {s}"));
            c
        }
        other => {
            let mut c = tokio::process::Command::new(&path);
            c.args(argv_items(other));
            c
        }
    };
    cmd.env_clear()
        .envs(&ctx.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("cannot start {path:?}: {e}")),
    };
    let group = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
    let out = child.stdout.take().map(|o| tokio::spawn(pump(o)));
    let err = child.stderr.take().map(|e| tokio::spawn(pump(e)));
    let timeout = provider
        .get("timeout")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0)
        .map(duration);
    let waited = tokio::select! {
        s = async {
            match timeout {
                Some(t) => tokio::time::timeout(t, child.wait()).await.ok(),
                None => Some(child.wait().await),
            }
        } => s.map(Ok),
        _ = stopped(&mut rx, absorbed) => Some(Err(())),
    };
    let status = match waited {
        Some(Ok(Ok(s))) => s,
        Some(Ok(Err(e))) => return Outcome::failed(format!("waiting for {path:?}: {e}")),
        other => {
            // Timed out or interrupted: the whole group goes (a shell's
            // children too), SIGKILL after a grace.
            signal_group(group, libc::SIGTERM);
            if tokio::time::timeout(TERM_GRACE, child.wait())
                .await
                .is_err()
            {
                signal_group(group, libc::SIGKILL);
                let _ = child.wait().await;
            }
            signal_group(group, libc::SIGKILL);
            return Outcome::failed(match other {
                Some(Err(())) => "interrupted",
                _ => "process activity took too long to complete",
            });
        }
    };
    let read = |h: Option<tokio::task::JoinHandle<Vec<u8>>>| async move {
        match h {
            // Grandchildren may hold the pipes open: do not wait forever.
            Some(h) => match tokio::time::timeout(Duration::from_millis(500), h).await {
                Ok(Ok(b)) => String::from_utf8_lossy(&b).into_owned(),
                _ => String::new(),
            },
            None => String::new(),
        }
    };
    let stdout = read(out).await;
    let stderr = read(err).await;
    use std::os::unix::process::ExitStatusExt;
    // Python reports a child killed by signal N as -N.
    let code = status
        .code()
        .unwrap_or_else(|| -status.signal().unwrap_or(0));
    let mut o = Map::new();
    o.insert("status".into(), Value::from(code));
    o.insert("stdout".into(), Value::String(stdout));
    o.insert("stderr".into(), Value::String(stderr));
    Outcome::ok(Value::Object(o))
}

/// `requests`' `timeout`: `n` for connect and read each, or `[connect,
/// read]`.
fn timeouts(v: Option<&Value>) -> (Option<Duration>, Option<Duration>) {
    let one = |v: &Value| v.as_f64().filter(|t| *t > 0.0).map(duration);
    match v {
        Some(Value::Array(a)) if a.len() == 2 => (one(&a[0]), one(&a[1])),
        Some(v) => (one(v), one(v)),
        None => (None, None),
    }
}

/// A header name as servers usually spell it (`content-type` →
/// `Content-Type`): the HTTP stack lower-cases names, `requests` keeps
/// the server's spelling, and tolerances look headers up by it.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Form or query pairs from `arguments` (a mapping; lists repeat the key).
fn pairs(arguments: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(o) = arguments {
        for (k, v) in o {
            match v {
                Value::Null => {}
                Value::Array(items) => {
                    out.extend(items.iter().map(|i| (k.clone(), py_str(i))));
                }
                other => out.push((k.clone(), py_str(other))),
            }
        }
    }
    out
}

async fn http(provider: &Value) -> Outcome {
    let url = provider.get("url").map(text).unwrap_or_default();
    let method = provider
        .get("method")
        .map(text)
        .unwrap_or_else(|| "GET".into())
        .to_ascii_uppercase();
    let (connect, read) = timeouts(provider.get("timeout"));
    let verify = provider
        .get("verify_tls")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let retries = provider
        .get("max_retries")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut builder = reqwest::Client::builder().danger_accept_invalid_certs(!verify);
    if let Some(c) = connect {
        builder = builder.connect_timeout(c);
    }
    if let Some(r) = read {
        builder = builder.read_timeout(r);
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("cannot build the HTTP client: {e}")),
    };
    let Ok(m) = reqwest::Method::from_bytes(method.as_bytes()) else {
        return Outcome::failed(format!("bad HTTP method {method:?}"));
    };
    let headers: Vec<(String, String)> = provider
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().map(|(k, v)| (k.clone(), py_str(v))).collect())
        .unwrap_or_default();
    let json_body = headers
        .iter()
        .any(|(k, v)| k == "Content-Type" && v == "application/json");
    let arguments = provider.get("arguments").cloned().unwrap_or(Value::Null);
    let mut attempt = 0;
    let resp = loop {
        let mut req = client.request(m.clone(), &url);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        if method == "GET" {
            req = req.query(&pairs(&arguments));
        } else if json_body {
            if !arguments.is_null() {
                req = req.body(py_json(&arguments));
            }
        } else {
            match &arguments {
                Value::String(s) => req = req.body(s.clone()),
                Value::Object(_) => req = req.form(&pairs(&arguments)),
                _ => {}
            }
        }
        match req.send().await {
            Ok(r) => break r,
            Err(e) if e.is_connect() && attempt < retries => attempt += 1,
            Err(e) if e.is_timeout() => {
                return Outcome::failed("activity took too long to complete");
            }
            Err(e) => return Outcome::failed(format!("failed to connect to {url}: {}", cause(&e))),
        }
    };
    let status = resp.status().as_u16();
    let mut hdrs: Map<String, Value> = Map::new();
    for (k, v) in resp.headers() {
        let name = title_case(k.as_str());
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match hdrs.get_mut(&name) {
            // requests joins repeated headers with ", ".
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                hdrs.insert(name, Value::String(v));
            }
        }
    }
    let is_json = hdrs.get("Content-Type").and_then(Value::as_str) == Some("application/json");
    let mut resp = resp;
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                bytes.extend_from_slice(&c);
                if bytes.len() >= BODY_LIMIT {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => {
                return Outcome::failed("activity took too long to complete");
            }
            Err(e) => {
                return Outcome::failed(format!("reading the response of {url}: {}", cause(&e)));
            }
        }
    }
    let body = if is_json {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => v,
            Err(e) => return Outcome::failed(format!("the response of {url} is not JSON: {e}")),
        }
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    let mut o = Map::new();
    o.insert("status".into(), Value::from(status));
    o.insert("headers".into(), Value::Object(hdrs));
    o.insert("body".into(), body);
    Outcome::ok(Value::Object(o))
}

/// JSON as Python's `json.dumps` writes it (what `requests` sends for
/// `json=`): `", "` and `": "` separators, non-ASCII escaped.
pub fn py_json(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for u in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{:04x}", u));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Value::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_json(&Value::String(k.clone())), py_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
