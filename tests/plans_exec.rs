//! The plan executor with real child processes and a real HTTP server:
//! timeouts that kill, retries, expected exit codes, rollback, abort
//! killing a whole process group, HTTP status and JSONPath checks, and
//! hostile values reaching a child as literal arguments.

use axum::Router;
use axum::routing::{get, post};
use cocpit::domain::plan::payloads::Outcome;
use cocpit::domain::plan::run::{Action, At, Out, PlanRun, RunState, Section, Start};
use cocpit::domain::plan::template::Context;
use cocpit::domain::plan::{Codes, HttpStep, JsonCheck, Plan, Secs};
use cocpit::plans::runner::{self, Headless};
use cocpit::plans::{ExecSettings, Job, Jobs};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn at(index: usize) -> At {
    At {
        section: Section::Steps,
        index,
    }
}

fn argv(a: &[&str]) -> Action {
    Action::Run {
        argv: a.iter().map(|s| s.to_string()).collect(),
        env: BTreeMap::new(),
        cwd: None,
        expect_exit: Codes::One(0),
    }
}

fn job(run: &str, action: Action, timeout: u64) -> Job {
    Job {
        run: run.into(),
        at: at(0),
        attempt: 1,
        action,
        timeout: Secs(timeout),
    }
}

/// Start a job and get a receiver for its outcome.
fn start(jobs: &Jobs, j: Job) -> tokio::sync::oneshot::Receiver<Outcome> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    jobs.start(
        j,
        Box::new(move |o| {
            let _ = tx.send(o);
        }),
    );
    rx
}

async fn exec(j: Job) -> Outcome {
    let jobs = Jobs::new(ExecSettings::default());
    start(&jobs, j).await.expect("the job answers")
}

/// Whether a process is still there (a zombie counts as gone: it runs
/// nothing).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("");
            state != "Z" && state != "X"
        }
        Err(_) => false,
    }
}

fn gone_within(pid: i32, limit: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

async fn read_pid(path: &Path) -> i32 {
    for _ in 0..250 {
        if let Ok(s) = std::fs::read_to_string(path)
            && let Ok(pid) = s.trim().parse()
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{} never written", path.display());
}

#[tokio::test]
async fn a_step_past_its_timeout_is_killed_in_about_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 30", pidfile.display());
    let t = Instant::now();
    let jobs = Jobs::new(ExecSettings::default());
    let rx = start(&jobs, job("r", argv(&["sh", "-c", &script]), 1));
    let pid = read_pid(&pidfile).await;
    assert!(alive(pid));
    let o = rx.await.unwrap();
    let took = t.elapsed();
    assert!(!o.ok);
    assert_eq!(o.detail, "timed out after 1s");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert!(took >= Duration::from_millis(900), "took {took:?}");
    assert!(
        gone_within(pid, Duration::from_secs(1)),
        "sleep {pid} still runs"
    );
    assert_eq!(jobs.running(), 0);
}

#[tokio::test]
async fn a_child_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    // The shell ignores TERM and so does the sleep it starts.
    let script = format!(
        "trap '' TERM; sleep 30 & echo $! > {}; wait",
        pidfile.display()
    );
    let t = Instant::now();
    let jobs = Jobs::new(ExecSettings::default());
    let rx = start(&jobs, job("r", argv(&["sh", "-c", &script]), 1));
    let pid = read_pid(&pidfile).await;
    let o = rx.await.unwrap();
    assert!(!o.ok);
    assert!(o.detail.starts_with("timed out"), "{}", o.detail);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "SIGKILL came before the grace: {took:?}"
    );
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert!(
        gone_within(pid, Duration::from_secs(1)),
        "sleep {pid} still runs"
    );
}

#[tokio::test]
async fn exit_codes_are_checked_against_expect_exit() {
    let run = |expect: Codes| Action::Run {
        argv: vec![
            "sh".into(),
            "-c".into(),
            "echo out; echo err >&2; exit 3".into(),
        ],
        env: BTreeMap::new(),
        cwd: None,
        expect_exit: expect,
    };
    let o = exec(job("r", run(Codes::One(3)), 5)).await;
    assert!(o.ok, "{o:?}");
    assert_eq!(o.exit, Some(3));
    assert!(
        o.output.contains("out") && o.output.contains("err"),
        "{:?}",
        o.output
    );
    let o = exec(job("r", run(Codes::Many(vec![0, 3])), 5)).await;
    assert!(o.ok, "{o:?}");
    let o = exec(job("r", run(Codes::One(0)), 5)).await;
    assert!(!o.ok);
    assert_eq!(o.exit, Some(3));
    assert_eq!(o.detail, "exit 3 (expected 0)");
    let o = exec(job("r", argv(&["/nonexistent/cmd"]), 5)).await;
    assert!(!o.ok);
    assert!(o.detail.contains("cannot start"), "{}", o.detail);
}

#[tokio::test]
async fn env_and_cwd_reach_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let action = Action::Run {
        argv: vec!["sh".into(), "-c".into(), "echo \"$GREETING\"; pwd".into()],
        env: BTreeMap::from([("GREETING".to_string(), "hello there".to_string())]),
        cwd: Some(dir.path().display().to_string()),
        expect_exit: Codes::One(0),
    };
    let o = exec(job("r", action, 5)).await;
    assert!(o.ok, "{o:?}");
    let canon = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(o.output, format!("hello there\n{}\n", canon.display()));
}

#[tokio::test]
async fn output_is_bounded_to_its_tail() {
    let o = exec(job(
        "r",
        argv(&[
            "sh",
            "-c",
            "head -c 1000000 /dev/zero | tr '\\0' a; echo; echo THE-END",
        ]),
        10,
    ))
    .await;
    assert!(o.ok, "{}", o.detail);
    assert!(o.output.len() <= cocpit::domain::plan::run::OUTPUT_LIMIT);
    assert!(o.output.trim_end().ends_with("THE-END"));
    assert!(o.output.starts_with("[… "), "{}", &o.output[..30]);
}

#[tokio::test]
async fn kill_stops_the_whole_process_group_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("1"), dir.path().join("2"));
    let script = format!(
        "sleep 30 & echo $! > {}; sleep 30 & echo $! > {}; wait",
        p1.display(),
        p2.display()
    );
    let jobs = Jobs::new(ExecSettings::default());
    let rx = start(&jobs, job("run-1", argv(&["sh", "-c", &script]), 60));
    let (a, b) = (read_pid(&p1).await, read_pid(&p2).await);
    assert!(alive(a) && alive(b));
    // Another run's step at the same address is not touched.
    jobs.kill("run-2", at(0));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(alive(a) && alive(b));
    let t = Instant::now();
    jobs.kill("run-1", at(0));
    let o = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .expect("a killed job answers at once")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(!o.ok);
    assert!(o.detail.starts_with("killed"), "{}", o.detail);
    assert!(
        gone_within(a, Duration::from_secs(2)),
        "first sleep {a} runs"
    );
    assert!(
        gone_within(b, Duration::from_secs(2)),
        "second sleep {b} runs"
    );
}

#[tokio::test]
async fn kill_all_cancels_waits_too() {
    let jobs = Jobs::new(ExecSettings::default());
    let rx = start(&jobs, job("r", Action::Wait, 60));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(jobs.running(), 1);
    jobs.kill_all();
    let o = tokio::time::timeout(Duration::from_secs(2), rx)
        .await
        .unwrap()
        .unwrap();
    assert!(!o.ok && o.detail.starts_with("killed"));
}

#[tokio::test]
async fn hostile_values_reach_the_child_as_literal_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let values = [
        format!("; rm -rf {}", dir.path().display()),
        format!("$(touch {})", pwned.display()),
        format!("`touch {}`", pwned.display()),
        "line one\nline two; touch x".to_string(),
        "' \" \\ && || | > < *".to_string(),
    ];
    let yaml = "id: echo-args\ntitle: t\nparams:\n  - name: a\n  - name: b\n  - name: c\n  - name: d\n  - name: e\nsteps:\n  - name: dump\n    run: [/usr/bin/env, printf, '%s\\0', '{{params.a}}', '{{params.b}}', '{{params.c}}', '{{params.d}}', '{{params.e}}', '{{alarm.labels.evil}}']\n";
    let plan = cocpit::spec::plans::parse("t.yaml", yaml, &[]).expect("valid plan");
    let params: BTreeMap<String, String> = ["a", "b", "c", "d", "e"]
        .iter()
        .zip(&values)
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut ctx = Context::default();
    let label = "$(id)\n`id`; echo".to_string();
    ctx.labels.insert("evil".into(), label.clone());
    let mut run = PlanRun::new(plan, start_cfg(params, ctx), chrono::Utc::now());
    let outs = run.start(chrono::Utc::now());
    let Some(Out::Exec { action, .. }) = outs.into_iter().find(|o| matches!(o, Out::Exec { .. }))
    else {
        panic!("no exec");
    };
    let o = exec(job("r", action, 5)).await;
    assert!(o.ok, "{o:?}");
    let got: Vec<&str> = o.output.split('\0').filter(|s| !s.is_empty()).collect();
    let mut want: Vec<&str> = values.iter().map(String::as_str).collect();
    want.push(&label);
    assert_eq!(got, want);
    assert!(!pwned.exists(), "a command substitution ran");
    assert!(dir.path().exists());
}

fn start_cfg(params: BTreeMap<String, String>, ctx: Context) -> Start {
    Start {
        run_id: "test-run".into(),
        operator: "alice@h".into(),
        alarm: None,
        attended: false,
        assume_yes: true,
        params,
        ctx,
        rollback_of: None,
    }
}

// ---------------------------------------------------------------- HTTP

struct Server {
    base: String,
    flaky: Arc<AtomicUsize>,
    hooks: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn server() -> Server {
    let flaky = Arc::new(AtomicUsize::new(0));
    let hooks = Arc::new(std::sync::Mutex::new(Vec::new()));
    let f = Arc::clone(&flaky);
    let h = Arc::clone(&hooks);
    let app = Router::new()
        .route(
            "/health",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"status":"ok","replicas":3,"items":[{"name":"a","ready":true}]}"#,
                )
            }),
        )
        .route(
            "/down",
            get(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down") }),
        )
        .route(
            "/flaky",
            get(move || {
                let f = Arc::clone(&f);
                async move {
                    if f.fetch_add(1, Ordering::SeqCst) < 2 {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            }),
        )
        .route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let h = Arc::clone(&h);
                async move {
                    let auth = headers
                        .get("x-token")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    h.lock().unwrap().push(format!("{auth} {body}"));
                    "ok"
                }
            }),
        )
        .route(
            "/api/v1/query",
            get(|uri: axum::http::Uri| async move {
                let url = reqwest::Url::parse(&format!("http://x{uri}")).unwrap();
                let expr = url
                    .query_pairs()
                    .find(|(k, _)| k == "query")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let result = if expr == "up == 1" {
                    serde_json::json!([{"metric": {}, "value": [1, "1"]}])
                } else {
                    serde_json::json!([])
                };
                axum::Json(serde_json::json!({
                    "status": "success",
                    "data": {"resultType": "vector", "result": result}
                }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}"),
        flaky,
        hooks,
    }
}

fn http(url: String, expect: Option<Codes>, json: Option<(&str, Option<&str>)>) -> Action {
    Action::Http(HttpStep {
        method: "GET".into(),
        url,
        headers: BTreeMap::new(),
        body: None,
        expect_status: expect,
        json: json.map(|(p, e)| JsonCheck {
            path: p.into(),
            equals: e.map(str::to_string),
        }),
    })
}

#[tokio::test]
async fn http_steps_check_status_and_jsonpath() {
    let s = server().await;
    let ok = exec(job("r", http(format!("{}/health", s.base), None, None), 5)).await;
    assert!(ok.ok, "{ok:?}");
    assert!(ok.output.starts_with("HTTP 200 OK\n"), "{}", ok.output);
    assert!(ok.output.contains("replicas"));
    let o = exec(job(
        "r",
        http(
            format!("{}/health", s.base),
            Some(Codes::One(200)),
            Some(("$.status", Some("ok"))),
        ),
        5,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    let o = exec(job(
        "r",
        http(
            format!("{}/health", s.base),
            None,
            Some(("$.replicas", Some("3"))),
        ),
        5,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    let o = exec(job(
        "r",
        http(
            format!("{}/health", s.base),
            None,
            Some(("$.items[0].ready", None)),
        ),
        5,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    let o = exec(job(
        "r",
        http(
            format!("{}/health", s.base),
            None,
            Some(("$.status", Some("down"))),
        ),
        5,
    ))
    .await;
    assert!(!o.ok);
    assert!(o.detail.contains("expected \"down\""), "{}", o.detail);
    let o = exec(job(
        "r",
        http(
            format!("{}/health", s.base),
            None,
            Some(("$.missing", None)),
        ),
        5,
    ))
    .await;
    assert!(
        !o.ok && o.detail.contains("matched nothing"),
        "{}",
        o.detail
    );
    let o = exec(job("r", http(format!("{}/down", s.base), None, None), 5)).await;
    assert!(!o.ok);
    assert_eq!(o.detail, "status 503 (expected 2xx)");
    let o = exec(job(
        "r",
        http(
            format!("{}/down", s.base),
            Some(Codes::Many(vec![500, 503])),
            None,
        ),
        5,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    let o = exec(job(
        "r",
        http(format!("{}/health", s.base), Some(Codes::One(204)), None),
        5,
    ))
    .await;
    assert!(
        !o.ok && o.detail == "status 200 (expected 204)",
        "{}",
        o.detail
    );
}

#[tokio::test]
async fn an_unreachable_server_fails_without_naming_the_url() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let o = exec(job(
        "r",
        http(format!("http://{addr}/x?token=hunter2"), None, None),
        5,
    ))
    .await;
    assert!(!o.ok);
    assert!(!o.detail.contains("hunter2"), "{}", o.detail);
}

#[tokio::test]
async fn wait_for_http_polls_until_2xx_or_the_timeout() {
    let s = server().await;
    let t = Instant::now();
    let o = exec(job(
        "r",
        Action::WaitForHttp {
            url: format!("{}/flaky", s.base),
            interval: Secs(1),
        },
        10,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    assert_eq!(s.flaky.load(Ordering::SeqCst), 3);
    assert!(t.elapsed() >= Duration::from_secs(2));
    let o = exec(job(
        "r",
        Action::WaitForHttp {
            url: format!("{}/down", s.base),
            interval: Secs(1),
        },
        2,
    ))
    .await;
    assert!(!o.ok);
    assert!(o.detail.starts_with("timed out after 2s"), "{}", o.detail);
}

#[tokio::test]
async fn wait_for_promql_asks_the_configured_prometheus() {
    let s = server().await;
    let jobs = Jobs::new(ExecSettings {
        prometheus: Some(s.base.clone()),
    });
    let promql = |e: &str| Action::WaitForPromql {
        expr: e.into(),
        interval: Secs(1),
    };
    let o = start(&jobs, job("r", promql("up == 1"), 5)).await.unwrap();
    assert!(o.ok, "{o:?}");
    let o = start(&jobs, job("r", promql("up == 0"), 2)).await.unwrap();
    assert!(!o.ok && o.detail.starts_with("timed out"), "{}", o.detail);
    let o = exec(job("r", promql("up == 1"), 2)).await;
    assert_eq!(o.detail, "no Prometheus configured ([plans] prometheus)");
}

#[tokio::test]
async fn notify_posts_the_message_as_json_with_headers() {
    let s = server().await;
    let o = exec(job(
        "r",
        Action::Notify {
            url: format!("{}/hook", s.base),
            message: "payments restarted".into(),
            headers: BTreeMap::from([("X-Token".to_string(), "t0k".to_string())]),
        },
        5,
    ))
    .await;
    assert!(o.ok, "{o:?}");
    let hooks = s.hooks.lock().unwrap().clone();
    assert_eq!(
        hooks,
        vec![r#"t0k {"text":"payments restarted"}"#.to_string()]
    );
    let o = exec(job(
        "r",
        Action::Notify {
            url: format!("{}/down", s.base),
            message: "x".into(),
            headers: BTreeMap::new(),
        },
        5,
    ))
    .await;
    assert!(!o.ok);
}

#[tokio::test]
async fn console_actions_are_refused_by_the_executor() {
    let o = exec(job(
        "r",
        Action::Recover {
            fault_id: "f".into(),
        },
        5,
    ))
    .await;
    assert!(
        !o.ok && o.detail.contains("run by the console"),
        "{}",
        o.detail
    );
}

// ------------------------------------------------- whole runs, headless

fn headless(dir: &Path, yaml: &str) -> Headless {
    let plan: Plan = cocpit::spec::plans::parse("t.yaml", yaml, &["sim"]).expect("valid plan");
    Headless {
        journal: dir.join("journal.db"),
        plan,
        params: BTreeMap::new(),
        ctx: Context::default(),
        alarm: None,
        operator: "alice@h".into(),
        yes: true,
        interactive: false,
        settings: ExecSettings::default(),
        faults: Default::default(),
        alertmanager_sources: vec!["am".into()],
    }
}

fn counter_plan(counter: &Path, retries: u32) -> String {
    format!(
        "id: flaky\ntitle: t\nsteps:\n  - name: third time lucky\n    run: [sh, -c, 'n=$(cat \"$1\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$1\"; [ $n -ge 3 ]', sh, '{}']\n    retry: {{count: {retries}, delay: 1s}}\n",
        counter.display()
    )
}

#[tokio::test]
async fn a_step_failing_twice_passes_on_its_second_retry() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("n");
    let state = runner::run(headless(dir.path(), &counter_plan(&counter, 2)))
        .await
        .unwrap();
    assert_eq!(state, RunState::Succeeded);
    assert_eq!(std::fs::read_to_string(&counter).unwrap().trim(), "3");
}

#[tokio::test]
async fn too_few_retries_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("n");
    let state = runner::run(headless(dir.path(), &counter_plan(&counter, 1)))
        .await
        .unwrap();
    assert!(matches!(state, RunState::Failed { .. }), "{state:?}");
    assert_eq!(std::fs::read_to_string(&counter).unwrap().trim(), "2");
}

#[tokio::test]
async fn a_failing_step_runs_the_rollback_and_nothing_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (after, rolled) = (dir.path().join("after"), dir.path().join("rolled"));
    let yaml = format!(
        "id: rb\ntitle: t\nsteps:\n  - name: fails\n    run: [sh, -c, 'exit 4']\n  - name: never\n    run: [touch, '{}']\nrollback:\n  - name: undo\n    run: [touch, '{}']\n",
        after.display(),
        rolled.display()
    );
    let state = runner::run(headless(dir.path(), &yaml)).await.unwrap();
    match state {
        RunState::Failed { reason } => assert!(reason.contains("exit 4 (expected 0)"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(rolled.exists(), "the rollback did not run");
    assert!(!after.exists(), "a step after the failure ran");
    // Every record is in the journal, in order.
    let j = cocpit::journal::Journal::open(&dir.path().join("journal.db")).unwrap();
    let kinds: Vec<String> = j
        .read_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("plan.run_started"));
    assert!(kinds.iter().any(|k| k == "plan.rollback_started"));
    assert_eq!(kinds.last().map(String::as_str), Some("plan.run_finished"));
}

#[tokio::test]
async fn the_run_is_journaled_before_its_first_step_runs() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    let journal = dir.path().join("journal.db");
    // The step copies the journal as it is while the step runs.
    let yaml = format!(
        "id: order\ntitle: t\nsteps:\n  - name: look\n    run: [sh, -c, 'cp \"$1\" \"$2/j.db\"; cp \"$1-wal\" \"$2/j.db-wal\" 2>/dev/null; true', sh, '{}', '{}']\n",
        journal.display(),
        copy.display()
    );
    let state = runner::run(headless(dir.path(), &yaml)).await.unwrap();
    assert_eq!(state, RunState::Succeeded);
    let j = cocpit::journal::Journal::open(&copy.join("j.db")).unwrap();
    let kinds: Vec<String> = j
        .read_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["plan.run_started", "plan.step_started"]);
}

fn raise(journal: &Path, fp: &str, service: &str, source: &str) {
    let labels: BTreeMap<String, String> = [("alertname", "Down"), ("service", service)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let alarm = cocpit::domain::ObservedAlarm {
        fingerprint: fp.into(),
        source: source.into(),
        name: "Down".into(),
        severity: cocpit::domain::Severity::Critical,
        labels: labels.into(),
        annotations: Default::default(),
        starts_at: chrono::Utc::now(),
        generator_url: None,
    };
    let j = cocpit::journal::Journal::open(journal).unwrap();
    j.append(&[cocpit::domain::NewEvent::new(
        chrono::Utc::now(),
        format!("source:{source}"),
        cocpit::domain::EventKind::AlarmRaised,
        fp,
        cocpit::domain::event::payload(&alarm),
    )])
    .unwrap();
}

fn resolve(journal: &Path, fp: &str) {
    let j = cocpit::journal::Journal::open(journal).unwrap();
    j.append(&[cocpit::domain::NewEvent::new(
        chrono::Utc::now(),
        "source:demo",
        cocpit::domain::EventKind::AlarmResolved,
        fp,
        serde_json::json!({}),
    )])
    .unwrap();
}

#[tokio::test]
async fn wait_for_alarm_resolved_watches_the_journal_board() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    raise(&journal, "fp-pay", "payments", "demo");
    raise(&journal, "fp-inv", "inventory", "demo");
    let yaml = "id: w\ntitle: t\nsteps:\n  - name: until calm\n    wait_for: {alarm_resolved: 'service=payments', interval: 1s}\n    timeout: 10s\n";
    let j2 = journal.clone();
    let resolver = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        resolve(&j2, "fp-pay");
    });
    let t = Instant::now();
    let state = runner::run(headless(dir.path(), yaml)).await.unwrap();
    resolver.join().unwrap();
    assert_eq!(state, RunState::Succeeded);
    // It waited for the resolution, not for the other alarm.
    assert!(
        t.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        t.elapsed()
    );
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
    // Still firing: the step times out.
    let yaml = "id: w\ntitle: t\nsteps:\n  - name: until calm\n    wait_for: {alarm_resolved: 'service=inventory', interval: 1s}\n    timeout: 2s\n";
    let state = runner::run(headless(dir.path(), yaml)).await.unwrap();
    match state {
        RunState::Failed { reason } => assert!(reason.contains("still fire"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_headless_silence_is_a_journal_silence_and_refuses_alertmanager_alarms() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    raise(&journal, "fp-pay", "payments", "demo");
    raise(&journal, "fp-inv", "inventory", "demo");
    let yaml = "id: s\ntitle: t\nsteps:\n  - name: hush\n    silence: {matchers: 'service=payments', duration: 30m, comment: maintenance}\n";
    let state = runner::run(headless(dir.path(), yaml)).await.unwrap();
    assert_eq!(state, RunState::Succeeded);
    let board = cocpit::journal::Journal::open(&journal)
        .unwrap()
        .rebuild_board()
        .unwrap();
    let ack = board
        .get("fp-pay")
        .and_then(|a| a.ack.clone())
        .expect("silenced");
    assert_eq!(ack.by, "alice@h");
    assert!(ack.comment.unwrap_or_default().ends_with(": maintenance"));
    let left = ack.until.unwrap() - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(29) && left <= chrono::Duration::minutes(30));
    assert!(
        board.get("fp-inv").unwrap().ack.is_none(),
        "the other alarm was silenced"
    );
    // An Alertmanager's alarm is not silenced in the journal only.
    raise(&journal, "fp-am", "search", "am");
    let yaml = "id: s\ntitle: t\nsteps:\n  - name: hush\n    silence: {matchers: 'service=search', duration: 30m}\n";
    let state = runner::run(headless(dir.path(), yaml)).await.unwrap();
    match state {
        RunState::Failed { reason } => assert!(reason.contains("Alertmanager"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_change_opens_its_record_silences_for_the_window_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    raise(&journal, "fp-pay", "payments", "demo");
    raise(&journal, "fp-inv", "inventory", "demo");
    let yaml = "id: chg\ntitle: Patch payments\nkind: change\nwindow: 30m\nsilences: ['service=payments']\nsteps:\n  - name: patch\n    run: ['true']\n";
    let state = runner::run(headless(dir.path(), yaml)).await.unwrap();
    assert_eq!(state, RunState::Succeeded);
    let j = cocpit::journal::Journal::open(&journal).unwrap();
    let rows = j.read_after(0, 100).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|e| e.kind.as_str()).collect();
    let pos = |k: &str| kinds.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    assert!(pos("plan.run_started") < pos("change.opened"), "{kinds:?}");
    assert!(pos("change.opened") < pos("alarm.silenced"), "{kinds:?}");
    assert!(
        pos("alarm.silenced") < pos("plan.step_started"),
        "{kinds:?}"
    );
    assert!(pos("plan.run_finished") < pos("change.closed"), "{kinds:?}");
    assert!(pos("change.closed") < pos("alarm.unacked"), "{kinds:?}");
    let silenced: Vec<&str> = rows
        .iter()
        .filter(|e| e.kind == "alarm.silenced")
        .map(|e| e.subject.as_str())
        .collect();
    assert_eq!(silenced, vec!["fp-pay"]);
    let mut runs = cocpit::domain::plan::runs::Runs::default();
    rows.iter().for_each(|e| runs.apply(e));
    let run = runs.runs.values().next().unwrap();
    let change = runs.changes.get(run.change.as_deref().unwrap()).unwrap();
    assert_eq!(
        change.closed.as_ref().map(|c| c.1.as_str()),
        Some("succeeded")
    );
    let board = j.rebuild_board().unwrap();
    assert!(
        board.get("fp-pay").unwrap().ack.is_none(),
        "the silence outlived the change"
    );
}

#[tokio::test]
async fn a_change_past_its_window_is_aborted_and_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let rolled = dir.path().join("rolled");
    let yaml = format!(
        "id: chg\ntitle: Slow change\nkind: change\nwindow: 2s\nsteps:\n  - name: slow\n    run: [sleep, '30']\n    timeout: 60s\nrollback:\n  - name: undo\n    run: [touch, '{}']\n",
        rolled.display()
    );
    let t = Instant::now();
    let state = runner::run(headless(dir.path(), &yaml)).await.unwrap();
    assert!(matches!(state, RunState::Aborted { .. }), "{state:?}");
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
    assert!(rolled.exists());
}

#[tokio::test]
async fn a_running_steps_output_can_be_watched_before_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    // Prints a line, then waits for the test to let it finish.
    let script = format!(
        "echo first line; while [ ! -e {} ]; do sleep 0.05; done; echo second line",
        go.display()
    );
    let jobs = Jobs::new(ExecSettings::default());
    let rx = start(&jobs, job("live", argv(&["sh", "-c", &script]), 20));
    let mut seen = None;
    for _ in 0..200 {
        if let Some((run, _, total, text)) = jobs.live_output().into_iter().next()
            && text.contains("first line")
        {
            seen = Some((run, total, text));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (run, total, text) = seen.expect("the first line shows while the step runs");
    assert_eq!(run, "live");
    assert_eq!(total, "first line\n".len() as u64);
    assert!(!text.contains("second"));
    std::fs::write(&go, "").unwrap();
    let o = rx.await.unwrap();
    assert!(o.ok && o.output.contains("second line"), "{o:?}");
    assert!(jobs.live_output().is_empty(), "a finished step is not live");
}
