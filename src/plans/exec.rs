//! The step executor: runs one [`Action`] on the current tokio runtime and
//! answers with an [`Outcome`]. Children are started from an argv (never a
//! shell string) in a process group of their own, so a timeout or the
//! abort key stops everything they started; their output (stdout and
//! stderr, interleaved as it arrives) is kept bounded. The console and the
//! headless runner share it; which step runs when is the state machine's
//! business, not this file's.

use crate::domain::plan::payloads::Outcome;
use crate::domain::plan::run::{Action, At, OUTPUT_LIMIT, bound_output};
use crate::domain::plan::{Codes, HttpStep, Secs};
use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

/// One step's action to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub run: String,
    pub at: At,
    pub attempt: u32,
    pub action: Action,
    pub timeout: Secs,
}

/// What the executor needs from the config.
#[derive(Debug, Clone, Default)]
pub struct ExecSettings {
    /// Base URL of the Prometheus `wait_for: {promql}` asks.
    pub prometheus: Option<String>,
}

/// How long a child gets between SIGTERM and SIGKILL after a timeout.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// After the child exits, how long to keep reading output its own
/// children may still be writing (they may hold the pipes open forever).
const DRAIN_GRACE: Duration = Duration::from_millis(200);
/// Response bodies read at most (the JSON check needs the whole body; the
/// output keeps only its tail).
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The longest a step is given: about ten years.
const MAX_TIMEOUT_SECS: u64 = 10 * 366 * 24 * 3600;

/// The running jobs, cheap to clone: every clone sees the same table.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ExecSettings,
    client: reqwest::Client,
    next: AtomicU64,
    running: Mutex<HashMap<(String, At), Running>>,
}

struct Running {
    token: u64,
    kill: watch::Sender<bool>,
    /// The process group of a `run` step's child, once spawned.
    pgid: Arc<Mutex<Option<i32>>>,
    /// What a `run` step's child has written so far (the live output pane).
    tail: Arc<Mutex<Tail>>,
}

impl Jobs {
    pub fn new(settings: ExecSettings) -> Jobs {
        let client = reqwest::Client::builder()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Jobs {
            inner: Arc::new(Inner {
                settings,
                client,
                next: AtomicU64::new(1),
                running: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Run on the current tokio runtime; `done` gets the Outcome (a killed
    /// job: `Outcome::failed("killed …")`).
    pub fn start(&self, job: Job, done: Box<dyn FnOnce(Outcome) + Send + 'static>) {
        let token = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let (kill_tx, kill_rx) = watch::channel(false);
        let pgid = Arc::new(Mutex::new(None));
        let tail = Arc::new(Mutex::new(Tail::default()));
        let key = (job.run.clone(), job.at);
        {
            let mut running = self.lock();
            // A newer attempt of the same step replaces an old one (which
            // the machine has already given up on): stop the old one.
            if let Some(old) = running.insert(
                key.clone(),
                Running {
                    token,
                    kill: kill_tx,
                    pgid: Arc::clone(&pgid),
                    tail: Arc::clone(&tail),
                },
            ) {
                stop(&old);
            }
        }
        let jobs = self.clone();
        tokio::spawn(async move {
            let outcome = jobs
                .execute(job.action, job.timeout, kill_rx, pgid, tail)
                .await;
            {
                let mut running = jobs.lock();
                if running.get(&key).is_some_and(|r| r.token == token) {
                    running.remove(&key);
                }
            }
            done(outcome);
        });
    }

    /// Stop the job of this run's step now: its whole process group gets
    /// SIGKILL (the abort key), anything else is cancelled.
    pub fn kill(&self, run: &str, at: At) {
        if let Some(r) = self.lock().get(&(run.to_string(), at)) {
            stop(r);
        }
    }

    /// Stop every running job.
    pub fn kill_all(&self) {
        for r in self.lock().values() {
            stop(r);
        }
    }

    /// The output so far of every running step that has written any, with
    /// how many bytes it has written in all (to tell whether it changed).
    pub fn live_output(&self) -> Vec<(String, At, u64, String)> {
        self.lock()
            .iter()
            .filter_map(|((run, at), r)| {
                let t = r.tail.lock().unwrap_or_else(PoisonError::into_inner);
                let total = (t.cut + t.buf.len()) as u64;
                (total > 0).then(|| (run.clone(), *at, total, t.text()))
            })
            .collect()
    }

    /// How many jobs are running.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, At), Running>> {
        self.inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn execute(
        &self,
        action: Action,
        timeout: Secs,
        mut kill: watch::Receiver<bool>,
        pgid: Arc<Mutex<Option<i32>>>,
        tail: Arc<Mutex<Tail>>,
    ) -> Outcome {
        // Capped so that `now + limit` never overflows (a plan may say anything).
        let limit = Duration::from_secs(timeout.0.clamp(1, MAX_TIMEOUT_SECS));
        let work = async {
            match action {
                Action::Run {
                    argv,
                    env,
                    cwd,
                    expect_exit,
                } => {
                    run(
                        &argv,
                        &env,
                        cwd.as_deref(),
                        &expect_exit,
                        limit,
                        &pgid,
                        tail,
                    )
                    .await
                }
                Action::Http(h) => {
                    bounded(limit, timeout, http(&self.inner.client, &h, limit)).await
                }
                Action::Wait => {
                    tokio::time::sleep(limit).await;
                    Outcome::ok(format!("waited {timeout}"))
                }
                Action::WaitForHttp { url, interval } => {
                    wait_for_http(&self.inner.client, &url, interval, limit).await
                }
                Action::WaitForPromql { expr, interval } => match &self.inner.settings.prometheus {
                    None => Outcome::failed("no Prometheus configured ([plans] prometheus)"),
                    Some(base) => {
                        wait_for_promql(&self.inner.client, base, &expr, interval, limit).await
                    }
                },
                Action::Notify {
                    url,
                    message,
                    headers,
                } => {
                    bounded(
                        limit,
                        timeout,
                        notify(&self.inner.client, &url, &message, &headers),
                    )
                    .await
                }
                Action::Inject(_) => Outcome::failed("inject steps are run by the console"),
                Action::Recover { .. } => Outcome::failed("recover steps are run by the console"),
                Action::Silence { .. } => Outcome::failed("silence steps are run by the console"),
                Action::WaitForResolved { .. } => {
                    Outcome::failed("wait_for alarm_resolved is run by the console")
                }
            }
        };
        tokio::select! {
            o = work => o,
            _ = killed(&mut kill) => {
                // The child (if any) got SIGKILL from `kill`; dropping the
                // work reaps it (kill_on_drop) and closes its pipes.
                Outcome::failed("killed by the operator")
            }
        }
    }
}

/// Resolves once the job is told to stop.
async fn killed(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            // The table dropped the sender without a kill: never resolve.
            std::future::pending::<()>().await;
        }
    }
}

fn stop(r: &Running) {
    if let Some(pgid) = *r.pgid.lock().unwrap_or_else(PoisonError::into_inner) {
        signal_group(pgid, libc::SIGKILL);
    }
    let _ = r.kill.send(true);
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg only sends a signal; the group is the child's own
    // (process_group(0) made its pid the group id).
    unsafe {
        libc::killpg(pgid, sig);
    }
}

async fn bounded(
    limit: Duration,
    timeout: Secs,
    f: impl std::future::Future<Output = Outcome>,
) -> Outcome {
    match tokio::time::timeout(limit, f).await {
        Ok(o) => o,
        Err(_) => Outcome::failed(format!("timed out after {timeout}")),
    }
}

/// Output collected from both pipes as it arrives, keeping only the tail.
#[derive(Default)]
struct Tail {
    buf: Vec<u8>,
    cut: usize,
}

impl Tail {
    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > 2 * OUTPUT_LIMIT {
            let drop = self.buf.len() - OUTPUT_LIMIT;
            self.buf.drain(..drop);
            self.cut += drop;
        }
    }

    /// The tail, at most `OUTPUT_LIMIT` bytes with its note of what was
    /// cut (so the machine's own bound leaves it alone).
    fn text(&self) -> String {
        let keep = OUTPUT_LIMIT - 64;
        let start = self.buf.len().saturating_sub(keep);
        let cut = self.cut + start;
        let text = String::from_utf8_lossy(&self.buf[start..]);
        if cut == 0 {
            text.into_owned()
        } else {
            format!("[… {cut} bytes cut]\n{text}")
        }
    }
}

async fn pump(mut r: impl tokio::io::AsyncRead + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut chunk = [0u8; 8192];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => tail
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(&chunk[..n]),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    argv: &[String],
    env: &BTreeMap<String, String>,
    cwd: Option<&str>,
    expect: &Codes,
    limit: Duration,
    pgid: &Mutex<Option<i32>>,
    tail: Arc<Mutex<Tail>>,
) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::failed("empty command");
    };
    let mut cmd = tokio::process::Command::new(program);
    // cocpit's own settings (a password, secret parameters) are not the
    // step's business: a step gets what its `env` says on top of the rest.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("COCPIT_") {
            cmd.env_remove(&k);
        }
    }
    cmd.args(args)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("cannot start {program:?}: {e}")),
    };
    let group = child.id().and_then(|p| i32::try_from(p).ok());
    *pgid.lock().unwrap_or_else(PoisonError::into_inner) = group;
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(pump(out, Arc::clone(&tail))));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(pump(err, Arc::clone(&tail))));
    }
    // Whatever way this ends, the readers stop too.
    struct Abort(Vec<tokio::task::JoinHandle<()>>);
    impl Drop for Abort {
        fn drop(&mut self) {
            self.0.iter().for_each(|h| h.abort());
        }
    }
    let readers = Abort(readers);
    let status = tokio::time::timeout(limit, child.wait()).await;
    let timed_out = status.is_err();
    let status = match status {
        Ok(s) => s,
        Err(_) => {
            if let Some(g) = group {
                signal_group(g, libc::SIGTERM);
            }
            let s = match tokio::time::timeout(TERM_GRACE, child.wait()).await {
                Ok(s) => s,
                Err(_) => {
                    if let Some(g) = group {
                        signal_group(g, libc::SIGKILL);
                    }
                    child.wait().await
                }
            };
            // Anything of the group that outlived SIGTERM goes too.
            if let Some(g) = group {
                signal_group(g, libc::SIGKILL);
            }
            s
        }
    };
    drain(&readers.0).await;
    let output = tail.lock().unwrap_or_else(PoisonError::into_inner).text();
    if timed_out {
        let secs = limit.as_secs();
        return Outcome {
            ok: false,
            detail: format!("timed out after {}", Secs(secs)),
            exit: None,
            output,
            fault_id: None,
        };
    }
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            return Outcome {
                output,
                ..Outcome::failed(format!("waiting for {program:?}: {e}"))
            };
        }
    };
    use std::os::unix::process::ExitStatusExt;
    let Some(code) = status.code() else {
        let sig = status.signal().unwrap_or(0);
        return Outcome {
            output,
            ..Outcome::failed(format!("killed by signal {sig}"))
        };
    };
    let expected = match expect {
        Codes::One(c) => c.to_string(),
        Codes::Many(cs) => cs
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    };
    Outcome {
        ok: expect.accepts(code),
        detail: if expect.accepts(code) {
            String::new()
        } else {
            format!("exit {code} (expected {expected})")
        },
        exit: Some(code),
        output,
        fault_id: None,
    }
}

/// Wait a little for the readers to reach the end of the pipes: the
/// child's leftovers may keep them open, so not forever.
async fn drain(readers: &[tokio::task::JoinHandle<()>]) {
    let deadline = tokio::time::Instant::now() + DRAIN_GRACE;
    while readers.iter().any(|h| !h.is_finished()) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Read at most `BODY_LIMIT` bytes of a response.
async fn body_of(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        let room = BODY_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= BODY_LIMIT {
            break;
        }
    }
    Ok(body)
}

fn request(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
    limit: Duration,
) -> Result<reqwest::RequestBuilder, String> {
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("bad HTTP method {method:?}"))?;
    let url = reqwest::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("unsupported URL scheme {:?}", url.scheme()));
    }
    let mut req = client.request(method, url).timeout(limit);
    for (k, v) in headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("bad header name {k:?}"))?;
        // The value may be a secret: never echo it.
        let value = reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| format!("bad value for header {k:?}"))?;
        req = req.header(name, value);
    }
    Ok(req)
}

/// Why a request failed, without the URL (its query may hold a secret;
/// the step's `what` already says where it went, masked).
fn send_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "request timed out".into()
    } else if e.is_connect() {
        format!("cannot connect: {}", root_cause(e))
    } else {
        root_cause(e)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn status_line(s: reqwest::StatusCode) -> String {
    format!(
        "HTTP {} {}",
        s.as_u16(),
        s.canonical_reason().unwrap_or_default()
    )
    .trim_end()
    .to_string()
}

async fn http(client: &reqwest::Client, h: &HttpStep, limit: Duration) -> Outcome {
    let mut req = match request(client, &h.method, &h.url, &h.headers, limit) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e),
    };
    if let Some(b) = &h.body {
        req = req.body(b.clone());
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::failed(send_error(&e)),
    };
    let status = resp.status();
    let body = match body_of(resp).await {
        Ok(b) => b,
        Err(e) => {
            return Outcome::failed(format!("{}: reading the body: {e}", status_line(status)));
        }
    };
    let text = String::from_utf8_lossy(&body);
    let output = bound_output(&format!("{}\n{}", status_line(status), text));
    let failed = |detail: String| Outcome {
        ok: false,
        detail,
        exit: None,
        output: output.clone(),
        fault_id: None,
    };
    let code = i32::from(status.as_u16());
    match &h.expect_status {
        Some(c) if !c.accepts(code) => {
            return failed(format!("status {code} (expected {})", codes_text(c)));
        }
        None if !status.is_success() => return failed(format!("status {code} (expected 2xx)")),
        _ => {}
    }
    if let Some(j) = &h.json
        && let Err(e) = json_check(&body, &j.path, j.equals.as_deref())
    {
        return failed(e);
    }
    Outcome {
        ok: true,
        detail: String::new(),
        exit: None,
        output,
        fault_id: None,
    }
}

fn codes_text(c: &Codes) -> String {
    match c {
        Codes::One(c) => c.to_string(),
        Codes::Many(cs) => cs
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The body's JSON at `path` exists (and, with `equals`, its first match
/// reads as that text: strings without quotes, anything else as JSON).
pub fn json_check(body: &[u8], path: &str, equals: Option<&str>) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let jp = serde_json_path::JsonPath::parse(path)
        .map_err(|e| format!("bad JSONPath {path:?}: {e}"))?;
    let nodes = jp.query(&value).all();
    let Some(first) = nodes.first() else {
        return Err(format!("JSONPath {path} matched nothing"));
    };
    if let Some(want) = equals {
        let got = match first {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if got != want {
            return Err(format!("{path} is {got:?}, expected {want:?}"));
        }
    }
    Ok(())
}

async fn wait_for_http(
    client: &reqwest::Client,
    url: &str,
    interval: Secs,
    limit: Duration,
) -> Outcome {
    let deadline = tokio::time::Instant::now() + limit;
    let every = Duration::from_secs(interval.0.clamp(1, MAX_TIMEOUT_SECS));
    let mut last = String::from("no answer yet");
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return Outcome::failed(format!("timed out after {}: {last}", Secs(limit.as_secs())));
        }
        let req = match request(
            client,
            "GET",
            url,
            &BTreeMap::new(),
            left.min(every.max(Duration::from_secs(5))),
        ) {
            Ok(r) => r,
            Err(e) => return Outcome::failed(e),
        };
        match req.send().await {
            Ok(r) if r.status().is_success() => return Outcome::ok(status_line(r.status())),
            Ok(r) => last = status_line(r.status()),
            Err(e) => last = send_error(&e),
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        tokio::time::sleep(every.min(left)).await;
    }
}

/// Whether a Prometheus instant-query answer counts as true: a non-empty
/// vector or matrix, or a scalar other than 0.
pub fn promql_true(answer: &serde_json::Value) -> Result<bool, String> {
    if answer.get("status").and_then(|s| s.as_str()) != Some("success") {
        let e = answer
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("query failed");
        return Err(e.to_string());
    }
    let data = answer.get("data").ok_or("no data in the answer")?;
    let result = data.get("result").ok_or("no result in the answer")?;
    match data.get("resultType").and_then(|t| t.as_str()) {
        Some("vector") | Some("matrix") => Ok(result.as_array().is_some_and(|a| !a.is_empty())),
        Some("scalar") => {
            let v = result
                .get(1)
                .and_then(|v| v.as_str())
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or("bad scalar")?;
            Ok(v != 0.0 && !v.is_nan())
        }
        _ => Ok(false),
    }
}

async fn wait_for_promql(
    client: &reqwest::Client,
    base: &str,
    expr: &str,
    interval: Secs,
    limit: Duration,
) -> Outcome {
    let mut url = match reqwest::Url::parse(base.trim_end_matches('/')) {
        Ok(u) => u,
        Err(e) => return Outcome::failed(format!("bad Prometheus URL: {e}")),
    };
    url.set_path(&format!(
        "{}/api/v1/query",
        url.path().trim_end_matches('/')
    ));
    url.query_pairs_mut().append_pair("query", expr);
    let deadline = tokio::time::Instant::now() + limit;
    let every = Duration::from_secs(interval.0.clamp(1, MAX_TIMEOUT_SECS));
    let mut last = String::from("not true yet");
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return Outcome::failed(format!("timed out after {}: {last}", Secs(limit.as_secs())));
        }
        let req = client
            .get(url.clone())
            .timeout(left.min(every.max(Duration::from_secs(5))));
        match req.send().await {
            Ok(r) => {
                let status = r.status();
                match body_of(r)
                    .await
                    .map(|b| serde_json::from_slice::<serde_json::Value>(&b))
                {
                    Ok(Ok(v)) => match promql_true(&v) {
                        Ok(true) => return Outcome::ok(format!("{expr} is true")),
                        Ok(false) => last = "not true yet".into(),
                        Err(e) => last = format!("Prometheus: {e}"),
                    },
                    _ => last = format!("Prometheus answered {}", status_line(status)),
                }
            }
            Err(e) => last = format!("Prometheus: {}", send_error(&e)),
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        tokio::time::sleep(every.min(left)).await;
    }
}

async fn notify(
    client: &reqwest::Client,
    url: &str,
    message: &str,
    headers: &BTreeMap<String, String>,
) -> Outcome {
    let req = match request(client, "POST", url, headers, Duration::from_secs(30)) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e),
    };
    match req
        .json(&serde_json::json!({ "text": message }))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => Outcome::ok(status_line(r.status())),
        Ok(r) => Outcome::failed(format!("status {} (expected 2xx)", r.status().as_u16())),
        Err(e) => Outcome::failed(send_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_checks_compare_strings_without_quotes() {
        let body = br#"{"status":"ok","n":3,"items":[{"ready":true}]}"#;
        assert!(json_check(body, "$.status", Some("ok")).is_ok());
        assert!(json_check(body, "$.n", Some("3")).is_ok());
        assert!(json_check(body, "$.items[0].ready", Some("true")).is_ok());
        assert!(json_check(body, "$.items[0].ready", None).is_ok());
        let e = json_check(body, "$.status", Some("down")).unwrap_err();
        assert!(e.contains("\"ok\""), "{e}");
        assert!(
            json_check(body, "$.nope", None)
                .unwrap_err()
                .contains("nothing")
        );
        assert!(json_check(b"not json", "$.x", None).is_err());
    }

    #[test]
    fn promql_answers() {
        let v = |t: &str, r: serde_json::Value| serde_json::json!({"status": "success", "data": {"resultType": t, "result": r}});
        assert!(promql_true(&v("vector", serde_json::json!([{"value": [1, "1"]}]))).unwrap());
        assert!(!promql_true(&v("vector", serde_json::json!([]))).unwrap());
        assert!(promql_true(&v("scalar", serde_json::json!([1, "2"]))).unwrap());
        assert!(!promql_true(&v("scalar", serde_json::json!([1, "0"]))).unwrap());
        assert!(promql_true(&serde_json::json!({"status": "error", "error": "bad"})).is_err());
    }

    #[test]
    fn the_tail_keeps_the_end() {
        let mut t = Tail::default();
        for _ in 0..10 {
            t.push(&[b'a'; OUTPUT_LIMIT]);
        }
        t.push(b"END");
        let s = t.text();
        assert!(s.ends_with("END"), "{}", &s[s.len() - 10..]);
        assert!(s.starts_with("[… "), "{}", &s[..20]);
        assert!(s.len() <= OUTPUT_LIMIT, "{}", s.len());
    }
}
