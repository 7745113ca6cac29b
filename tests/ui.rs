//! Rendering tests: snapshots of every view and overlay at two sizes, a
//! no-panic sweep over terminal sizes in every view and mode, colour checks
//! per colour mode, inert outside text, and a 100,000-alarm board.
//!
//! The state is built the way the runtime builds it: a board from journal
//! events, `State::new`, then messages through `cocpit::app::update`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{Msg, RunMode, Session, SourceStatus, State, update};
use cocpit::domain::event::{AlarmAcked, AlarmResolved, NoteAdded, OwnerSet, payload};
use cocpit::domain::{
    AlarmBoard, Event, EventKind, MetricKind, MetricSnapshot, ObservedAlarm, SeriesMeta, Severity,
};
use cocpit::theme::{ColorMode, Theme};
use cocpit::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::collections::BTreeMap;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

fn session(readonly: bool) -> Session {
    Session {
        operator: "carol@jump1".into(),
        mode: RunMode::Demo,
        readonly,
        role: Default::default(),
        journal_path: "/home/carol/.local/state/cocpit/journal.db".into(),
    }
}

fn labels(pairs: &[(&str, &str)]) -> cocpit::domain::alarm::Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Journal {
    events: Vec<Event>,
}

impl Journal {
    fn push(
        &mut self,
        ago_secs: i64,
        actor: &str,
        kind: EventKind,
        subject: &str,
        p: serde_json::Value,
    ) {
        let id = self.events.len() as i64 + 1;
        self.events.push(Event {
            id,
            ts: now() - Duration::seconds(ago_secs),
            actor: actor.into(),
            kind: kind.as_str().into(),
            subject: subject.into(),
            payload: p,
            prev_hash: String::new(),
            hash: String::new(),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn raise(
        &mut self,
        ago_secs: i64,
        fp: &str,
        name: &str,
        severity: Severity,
        labels_: &[(&str, &str)],
        annotations: &[(&str, &str)],
        generator_url: Option<&str>,
    ) {
        let mut l = labels(labels_);
        l.insert("alertname", name);
        let obs = ObservedAlarm {
            fingerprint: fp.into(),
            source: "alertmanager:prod".into(),
            name: name.into(),
            severity,
            labels: l,
            annotations: labels(annotations),
            starts_at: now() - Duration::seconds(ago_secs),
            generator_url: generator_url.map(Into::into),
        };
        self.push(
            ago_secs,
            "source:alertmanager:prod",
            EventKind::AlarmRaised,
            fp,
            payload(&obs),
        );
    }
}

/// A realistic journal: seven alarms (one critical acked, owned and noted,
/// one resolved, one acked by someone else, one with an escape sequence in
/// its summary), two operators.
fn journal() -> Vec<Event> {
    let mut j = Journal { events: Vec::new() };
    j.push(
        4 * 3600,
        "alice@jump1",
        EventKind::OperatorJoined,
        "alice@jump1",
        serde_json::json!({"mode": "demo"}),
    );
    j.push(
        3 * 3600,
        "bob@jump2",
        EventKind::OperatorJoined,
        "bob@jump2",
        serde_json::json!({"mode": "demo"}),
    );
    j.raise(
        2 * 86_400 + 600,
        "5c1e0a7f3b2d9e41",
        "CertExpiringSoon",
        Severity::Warning,
        &[
            ("service", "edge-gw"),
            ("cluster", "prod-eu-1"),
            ("cn", "api.example.net"),
        ],
        &[(
            "summary",
            "TLS certificate for api.example.net expires in 6 days",
        )],
        None,
    );
    j.raise(
        3 * 3600 + 120,
        "9d3f71c2aa04be58",
        "DiskAlmostFull",
        Severity::Minor,
        &[
            ("service", "db-primary"),
            ("cluster", "prod-eu-1"),
            ("mountpoint", "/var/lib/postgresql"),
        ],
        &[
            (
                "summary",
                "disk \u{1b}[31mRED\u{1b}[0m /var/lib/postgresql 91% full",
            ),
            ("runbook_url", "https://runbooks.example.net/db/disk-full"),
        ],
        None,
    );
    j.raise(
        2 * 3600,
        "0b7c2e9f41d3a655",
        "CacheHitRatioLow",
        Severity::Minor,
        &[("service", "cache"), ("cluster", "prod-eu-1")],
        &[("summary", "cache hit ratio 61% (normally above 90%)")],
        None,
    );
    j.push(
        100 * 60,
        "bob@jump2",
        EventKind::AlarmAcked,
        "0b7c2e9f41d3a655",
        payload(&AlarmAcked {
            comment: Some("warming after deploy".into()),
            ..AlarmAcked::default()
        }),
    );
    j.raise(
        12 * 60,
        "a1b2c3d4e5f60718",
        "PaymentsHighLatency",
        Severity::Critical,
        &[
            ("service", "payments"),
            ("cluster", "prod-eu-1"),
            ("instance", "pay-3:9090"),
            ("team", "payments-sre"),
        ],
        &[
            ("summary", "p99 latency 1.8s, above 500ms for 10m"),
            (
                "description",
                "Checkout calls to payments are timing out in prod-eu-1.",
            ),
            (
                "runbook_url",
                "https://runbooks.example.net/payments/latency",
            ),
        ],
        Some("http://prometheus.example.net/graph?g0.expr=histogram_quantile(0.99,payments)"),
    );
    j.push(
        10 * 60,
        "alice@jump1",
        EventKind::AlarmAcked,
        "a1b2c3d4e5f60718",
        payload(&AlarmAcked::default()),
    );
    j.push(
        9 * 60,
        "alice@jump1",
        EventKind::AlarmOwnerSet,
        "a1b2c3d4e5f60718",
        payload(&OwnerSet {
            owner: "alice@jump1".into(),
        }),
    );
    j.push(
        7 * 60,
        "bob@jump2",
        EventKind::AlarmNoteAdded,
        "a1b2c3d4e5f60718",
        payload(&NoteAdded {
            text: "rolled back payments to v1.4.2, watching p99".into(),
        }),
    );
    j.raise(
        8 * 60,
        "77e01fd2c5a9b3e0",
        "QueueBacklog",
        Severity::Major,
        &[("service", "orders"), ("cluster", "prod-eu-1")],
        &[("summary", "orders queue backlog 12k messages")],
        None,
    );
    j.push(
        60,
        "source:alertmanager:prod",
        EventKind::AlarmResolved,
        "77e01fd2c5a9b3e0",
        payload(&AlarmResolved::default()),
    );
    j.raise(
        5 * 60,
        "3e8a6b1c0f9d2475",
        "NodeRebooted",
        Severity::Info,
        &[("service", "k8s-node-7"), ("cluster", "prod-eu-1")],
        &[("summary", "node k8s-node-7 rebooted (kernel update)")],
        None,
    );
    j.raise(
        42,
        "c4d5e6f708192a3b",
        "CheckoutErrorRate",
        Severity::Major,
        &[("service", "checkout"), ("cluster", "prod-eu-1")],
        &[("summary", "5xx ratio 7.2% over 5m (threshold 5%)")],
        None,
    );
    // A journal is in time order; ids follow it.
    j.events.sort_by_key(|e| e.ts);
    for (i, e) in j.events.iter_mut().enumerate() {
        e.id = i as i64 + 1;
    }
    j.events
}

fn series(
    group: &str,
    kind: MetricKind,
    name: &str,
    unit: &str,
    warn: f64,
    crit: f64,
) -> SeriesMeta {
    SeriesMeta {
        id: format!("{group}/{name}"),
        group: group.into(),
        kind,
        name: name.into(),
        unit: unit.into(),
        warn: Some(warn),
        crit: Some(crit),
    }
}

/// Two minutes of samples for three services; payments latency climbs past
/// its critical threshold, checkout's error rate sits above warn.
fn metrics(state: &mut State) {
    let groups = ["payments", "checkout", "db-primary"];
    let mut catalog = Vec::new();
    for g in groups {
        catalog.push(series(
            g,
            MetricKind::LatencyP99,
            "latency p99",
            "ms",
            300.0,
            500.0,
        ));
        catalog.push(series(
            g,
            MetricKind::ErrorRate,
            "error rate",
            "%",
            1.0,
            5.0,
        ));
        catalog.push(series(g, MetricKind::Cpu, "cpu", "%", 70.0, 90.0));
        catalog.push(series(
            g,
            MetricKind::Saturation,
            "saturation",
            "%",
            80.0,
            95.0,
        ));
    }
    state.monitor.apply(MetricSnapshot {
        catalog,
        at: None,
        samples: Vec::new(),
    });
    for i in 0..120 {
        let t = i as f64;
        let wave = (t / 7.0).sin();
        let mut samples = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let base = gi as f64;
            let latency = if *g == "payments" {
                120.0 + t * t / 22.0
            } else {
                90.0 + 20.0 * wave + base * 15.0
            };
            let errors = if *g == "checkout" {
                1.5 + 0.8 * wave.abs()
            } else {
                0.2 + 0.1 * wave
            };
            samples.push((format!("{g}/latency p99"), latency));
            samples.push((format!("{g}/error rate"), errors));
            samples.push((format!("{g}/cpu"), 40.0 + 10.0 * wave + base * 8.0));
            samples.push((format!("{g}/saturation"), 35.0 + 5.0 * wave + base * 10.0));
        }
        state.monitor.apply(MetricSnapshot {
            catalog: Vec::new(),
            at: Some(now() - Duration::seconds(119 - i)),
            samples,
        });
    }
}

fn key(state: &mut State, code: KeyCode) {
    update(
        state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        now(),
    );
}

fn keys(state: &mut State, s: &str) {
    for c in s.chars() {
        key(state, KeyCode::Char(c));
    }
}

/// The console as an operator sees it a few minutes into an incident.
fn state_with(readonly: bool, w: u16, h: u16) -> State {
    let events = journal();
    let mut board = AlarmBoard::new();
    for ev in &events {
        board.apply(ev);
    }
    let mut state = State::new(session(readonly), board, Theme::embedded(), now());
    // The same rows reach the log (and operator presence) as the runtime
    // replays them; the board ignores ids it already has.
    update(&mut state, Msg::Events(events), now());
    update(&mut state, Msg::IngestRole { leader: true }, now());
    update(
        &mut state,
        Msg::SourceHealth(SourceStatus {
            name: "demo".into(),
            up: true,
            last_ok: Some(now()),
            latency_ms: Some(12),
            detail: String::new(),
        }),
        now(),
    );
    update(
        &mut state,
        Msg::SourceHealth(SourceStatus {
            name: "alertmanager:prod".into(),
            up: false,
            last_ok: Some(now() - Duration::seconds(150)),
            latency_ms: None,
            detail: "connection refused".into(),
        }),
        now(),
    );
    metrics(&mut state);
    update(
        &mut state,
        Msg::Resize {
            width: w,
            height: h,
        },
        now(),
    );
    if !readonly {
        // Ack CheckoutErrorRate (second row) and leave it unconfirmed, so
        // the table shows a pending action; then back to the top.
        keys(&mut state, "ja");
        keys(&mut state, "g");
    }
    state
}

fn draw(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, state)).unwrap();
    t
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

/// Snapshot `prepare`d state at both sizes as `{name}_{w}x{h}`.
fn snap(name: &str, readonly: bool, prepare: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut state = state_with(readonly, w, h);
        prepare(&mut state);
        let t = draw(&state, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn snapshot_alarms() {
    snap("alarms", false, |_| {});
}

#[test]
fn snapshot_alarms_detail() {
    snap("alarms_detail", false, |s| key(s, KeyCode::Enter));
}

#[test]
fn snapshot_monitor() {
    snap("monitor", false, |s| keys(s, "2"));
}

#[test]
fn snapshot_log() {
    snap("log", false, |s| keys(s, "3"));
}

#[test]
fn snapshot_help() {
    snap("help", false, |s| keys(s, "?"));
}

#[test]
fn snapshot_help_readonly() {
    snap("help_readonly", true, |s| keys(s, "?"));
    let mut state = state_with(true, 120, 40);
    keys(&mut state, "?");
    let all = text(draw(&state, 120, 40).backend().buffer());
    assert!(!all.contains("acknowledge"), "readonly help lists ack");
    assert!(all.contains("Read-only console"));
    let mut rw = state_with(false, 120, 40);
    keys(&mut rw, "?");
    assert!(text(draw(&rw, 120, 40).backend().buffer()).contains("acknowledge alarm"));
}

#[test]
fn observer_help_does_not_offer_injection() {
    let mut op = state_with(false, 120, 40);
    keys(&mut op, "4?");
    assert!(text(draw(&op, 120, 40).backend().buffer()).contains("inject a fault"));
    let mut obs = state_with(false, 120, 40);
    obs.session.role = cocpit::app::Role::Observer;
    keys(&mut obs, "4?");
    let all = text(draw(&obs, 120, 40).backend().buffer());
    assert!(
        !all.contains("inject a fault"),
        "observer help offers injection"
    );
    assert!(all.contains("recover"), "observers may still recover");
}

#[test]
fn snapshot_filter_prompt() {
    snap("filter", false, |s| keys(s, "/cluster=prod-eu-1 pay"));
}

#[test]
fn snapshot_filter_error() {
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "/alertname=~\"(");
    let t = draw(&state, 80, 24);
    insta::assert_snapshot!("filter_error_80x24", t.backend());
}

#[test]
fn snapshot_command_palette() {
    snap("command", false, |s| {
        keys(s, ":");
        key(s, KeyCode::Down);
        key(s, KeyCode::Down);
        key(s, KeyCode::Down);
    });
}

#[test]
fn snapshot_command_error() {
    let mut state = state_with(false, 80, 24);
    keys(&mut state, ":theme neon");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 80, 24);
    insta::assert_snapshot!("command_error_80x24", t.backend());
}

#[test]
fn snapshot_note_editor() {
    snap("note", false, |s| {
        keys(s, "n");
        keys(s, "Rolled back to v1.4.2; p99 recovering.");
        key(s, KeyCode::Enter);
        keys(s, "Next: check connection pool.");
    });
    // Esc on a non-empty note asks before throwing it away.
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "nhalf-written");
    key(&mut state, KeyCode::Esc);
    let t = draw(&state, 80, 24);
    assert!(text(t.backend().buffer()).contains("Esc again to discard"));
    insta::assert_snapshot!("note_discard_80x24", t.backend());
}

/// Faults as the journal has them: one active, one whose recovery keeps
/// failing, one orphan-free recovered, one that failed to inject.
fn with_faults(state: &mut State) {
    use cocpit::chaos::payloads::{Failed, Intended, Phase, Recovered, WithRecord};
    use cocpit::chaos::{FaultSpec, Owner, OwnerKind, RecoveryRecord, Trigger};
    let owner = Owner {
        kind: OwnerKind::Console,
        actor: "carol@jump1".into(),
        host: "jump1".into(),
        pid: 4100,
        start: 1,
        instance: "c1".into(),
    };
    let mut id = 10_000;
    let mut ev = |at: i64, kind: EventKind, subject: &str, p: serde_json::Value| {
        id += 1;
        Event {
            id,
            ts: now() - Duration::seconds(at),
            actor: "carol@jump1".into(),
            kind: kind.as_str().into(),
            subject: subject.into(),
            payload: p,
            prev_hash: String::new(),
            hash: String::new(),
        }
    };
    let spec = |provider: &str, target: &str, action: &str, secs: u64| FaultSpec {
        provider: provider.into(),
        target: target.into(),
        action: action.into(),
        params: BTreeMap::new(),
        duration_secs: secs,
        guard: None,
        probe: None,
    };
    let rec = |summary: &str| RecoveryRecord {
        provider: "x".into(),
        summary: summary.into(),
        data: serde_json::Value::Null,
    };
    let mut events = Vec::new();
    for (fid, sp, ago) in [
        ("a1b2c3d4", spec("sim", "sim:payments", "latency", 300), 90),
        (
            "e5f6a7b8",
            spec("command", "web-1", "chaosblade-cpu", 60),
            200,
        ),
        ("c9d0e1f2", spec("process", "pid:4242", "pause", 30), 600),
        ("f3a4b5c6", spec("disk", "dir:/nonexistent", "", 60), 700),
    ] {
        let deadline = now() - Duration::seconds(ago) + sp.duration();
        events.push(ev(
            ago,
            EventKind::FaultIntended,
            fid,
            payload(&Intended {
                spec: sp,
                owner: owner.clone(),
                deadline,
            }),
        ));
    }
    events.push(ev(
        89,
        EventKind::FaultActive,
        "a1b2c3d4",
        payload(&WithRecord {
            record: rec("payments: +1200 ms latency"),
        }),
    ));
    events.push(ev(
        199,
        EventKind::FaultActive,
        "e5f6a7b8",
        payload(&WithRecord {
            record: rec("blade create cpu fullload → handle 7c1f"),
        }),
    ));
    events.push(ev(
        130,
        EventKind::FaultFailed,
        "e5f6a7b8",
        payload(&Failed {
            phase: Phase::Recover,
            reason: "recover command: exit 1: \u{1b}[31mblade: no such experiment".into(),
            attempt: 3,
            retry_at: Some(now() + Duration::seconds(8)),
        }),
    ));
    events.push(ev(
        599,
        EventKind::FaultActive,
        "c9d0e1f2",
        payload(&WithRecord {
            record: rec("pause sleep (pid 4242)"),
        }),
    ));
    events.push(ev(
        570,
        EventKind::FaultRecovered,
        "c9d0e1f2",
        payload(&Recovered {
            trigger: Trigger::Deadline,
            detail: "resumed 1 process(es)".into(),
        }),
    ));
    events.push(ev(
        699,
        EventKind::FaultFailed,
        "f3a4b5c6",
        payload(&Failed {
            phase: Phase::Inject,
            reason: "disk: /nonexistent is not a directory".into(),
            attempt: 0,
            retry_at: None,
        }),
    ));
    update(state, Msg::Events(events), now());
}

#[test]
fn snapshot_faults() {
    snap("faults", false, |s| {
        with_faults(s);
        keys(s, "4");
    });
    snap("faults_form", false, |s| {
        with_faults(s);
        keys(s, "4i");
    });
    snap("faults_panic", false, |s| {
        with_faults(s);
        keys(s, "4X");
    });
    // The header badge shows live and failing faults from any view.
    let mut s = state_with(false, 120, 40);
    with_faults(&mut s);
    let t = draw(&s, 120, 40);
    let first = text(t.backend().buffer())
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        first.contains("RECOVERY FAILING") && first.contains("◆ 1 live fault"),
        "{first}"
    );
}

#[test]
fn snapshot_too_small() {
    let state = state_with(false, 19, 6);
    let t = draw(&state, 19, 6);
    insta::assert_snapshot!("too_small_19x6", t.backend());
    assert!(text(t.backend().buffer()).contains("need 20×5"));
}

#[test]
fn snapshot_resolved_and_empty() {
    // `r` shows the resolved alarm; a filter matching nothing says so.
    let mut state = state_with(false, 80, 24);
    keys(&mut state, "r");
    let t = draw(&state, 80, 24);
    let all = text(t.backend().buffer());
    assert!(all.contains("RESOLVED"));
    assert!(all.contains("QueueBacklog"));
    keys(&mut state, "/nothing-matches-this");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 80, 24);
    assert!(text(t.backend().buffer()).contains("No alarms match the filter"));

    let empty = State::new(session(false), AlarmBoard::new(), Theme::embedded(), now());
    let t = draw(&empty, 80, 24);
    insta::assert_snapshot!("empty_80x24", t.backend());
}

#[test]
fn outside_text_is_inert() {
    let mut state = state_with(false, 120, 40);
    // Select DiskAlmostFull (third row) and open its detail pane.
    keys(&mut state, "jj");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let all = text(buf);
    assert!(all.contains("disk ␛[31mRED␛[0m"), "{all}");
    assert!(all.contains("runbooks.example.net/db/disk-full"));
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character reached the buffer: {:?}",
            cell.symbol()
        );
    }
}

/// Every view and overlay, for the sweep.
fn all_modes() -> Vec<(&'static str, State)> {
    let base = || state_with(false, 80, 24);
    let with = |f: &dyn Fn(&mut State)| {
        let mut s = base();
        f(&mut s);
        s
    };
    vec![
        ("alarms", base()),
        ("detail", with(&|s| key(s, KeyCode::Enter))),
        ("monitor", with(&|s| keys(s, "2"))),
        ("log", with(&|s| keys(s, "3"))),
        ("filter", with(&|s| keys(s, "/alertname=~\"("))),
        (
            "command",
            with(&|s| {
                keys(s, ":frob");
                key(s, KeyCode::Enter);
                key(s, KeyCode::Backspace);
                key(s, KeyCode::Backspace);
                key(s, KeyCode::Backspace);
                key(s, KeyCode::Backspace);
            }),
        ),
        (
            "note",
            with(&|s| {
                keys(s, "n支付 payments rollback");
                key(s, KeyCode::Esc);
            }),
        ),
        (
            "help",
            with(&|s| {
                keys(s, "?");
                for _ in 0..100 {
                    key(s, KeyCode::Char('j'));
                }
            }),
        ),
        ("readonly", {
            let mut s = state_with(true, 80, 24);
            keys(&mut s, "?");
            s
        }),
        (
            "faults",
            with(&|s| {
                with_faults(s);
                keys(s, "4");
            }),
        ),
        (
            "fault form",
            with(&|s| {
                with_faults(s);
                keys(s, "4i");
            }),
        ),
        (
            "fault confirm",
            with(&|s| {
                with_faults(s);
                keys(s, "4i");
                key(s, KeyCode::Enter);
                key(s, KeyCode::Enter);
                key(s, KeyCode::Enter);
                key(s, KeyCode::Enter);
                key(s, KeyCode::Enter);
                keys(s, "pay");
            }),
        ),
        (
            "empty",
            State::new(session(false), AlarmBoard::new(), Theme::embedded(), now()),
        ),
    ]
}

#[test]
fn no_panic_at_any_size() {
    // Every small size (where layouts break: the 20×5 minimum, one-line
    // header below 12 rows), then the widths and heights where the layout
    // changes (column drops, 60-col chart grid, 110-col detail) up to 130×45.
    // Sampled rather than exhaustive to keep a debug build under ~10 s.
    let small_w = 1..=22u16;
    let large_w = [25, 40, 59, 60, 79, 80, 99, 100, 109, 110, 111, 130];
    let heights = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 17, 24, 33, 45];
    let sizes: Vec<(u16, u16)> = small_w
        .flat_map(|w| heights.map(|h| (w, h)))
        .chain(large_w.iter().flat_map(|&w| heights.map(|h| (w, h))))
        .collect();
    for (name, state) in all_modes() {
        for &(w, h) in &sizes {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                t.draw(|f| ui::render(f, &state)).map(|_| ())
            }));
            assert!(r.is_ok(), "{name} panicked at {w}x{h}");
        }
    }
}

/// The first table cell reading `CRIT` below the header (the severity
/// column of the critical alarm).
fn crit_cell(buf: &Buffer) -> (u16, u16) {
    for y in 3..buf.area.height {
        for x in 0..buf.area.width.saturating_sub(4) {
            let s: String = (0..4).map(|i| buf[(x + i, y)].symbol()).collect();
            if s == "CRIT" {
                return (x, y);
            }
        }
    }
    panic!("no CRIT cell in\n{}", text(buf));
}

#[test]
fn critical_colour_per_mode() {
    let mut state = state_with(false, 120, 40);
    // Move the selection off the critical row so its colours are its own.
    keys(&mut state, "j");
    let expect = [
        (ColorMode::Truecolor, Color::Rgb(0xff, 0x5f, 0x5f)),
        (ColorMode::Auto, Color::Rgb(0xff, 0x5f, 0x5f)),
        (ColorMode::Ansi256, Color::Indexed(203)),
        (ColorMode::Ansi16, Color::LightRed),
    ];
    for (mode, colour) in expect {
        state.color_mode = mode;
        let t = draw(&state, 120, 40);
        let buf = t.backend().buffer();
        let (x, y) = crit_cell(buf);
        assert_eq!(buf[(x, y)].fg, colour, "{mode:?}");
        assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    }
    // Another theme, by the command palette as an operator would.
    state.color_mode = ColorMode::Truecolor;
    keys(&mut state, ":theme colorblind");
    key(&mut state, KeyCode::Enter);
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = crit_cell(buf);
    assert_eq!(buf[(x, y)].fg, Color::Rgb(0xd5, 0x5e, 0x00));
}

#[test]
fn no_colour_mode_uses_modifiers_only() {
    for (name, mut state) in all_modes() {
        state.color_mode = ColorMode::None;
        for (w, h) in SIZES {
            let t = draw(&state, w, h);
            let buf = t.backend().buffer();
            for (i, c) in buf.content().iter().enumerate() {
                for colour in [c.fg, c.bg] {
                    assert!(
                        !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                        "{name} {w}x{h}: cell {i} has {colour:?}"
                    );
                }
            }
        }
    }
    // Selection and critical severity stay visible without colour.
    let mut state = state_with(false, 120, 40);
    state.color_mode = ColorMode::None;
    let t = draw(&state, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = crit_cell(buf);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    // The selected row (the critical alarm) is reversed across its name too.
    let row: String = (0..120).map(|x| buf[(x, y)].symbol()).collect();
    let name_x = row.find("PaymentsHighLatency").unwrap() as u16;
    assert!(buf[(name_x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn status_bar_and_header() {
    let state = state_with(false, 120, 40);
    let all = text(draw(&state, 120, 40).backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines[0].contains("1 Alarms") && lines[0].contains("CRIT 1"));
    // Checkout's ack is still pending, so it counts as unacked.
    assert!(lines[0].contains("4 unacked"), "{}", lines[0]);
    assert!(
        lines[1].contains("alertmanager:prod ✗ DOWN stale 2m"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("2 operators online"));
    let status = lines[39];
    assert!(status.contains("DEMO") && status.contains("carol@jump1"));
    assert!(status.contains("leader") && status.contains("09:30:00 UTC"));
    assert!(status.contains("? help"));
    assert!(status.contains("journal.db"));

    let ro = state_with(true, 120, 40);
    let t = draw(&ro, 120, 40);
    let buf = t.backend().buffer();
    let status: String = (0..120).map(|x| buf[(x, 39)].symbol()).collect();
    let x = status.find("READONLY").unwrap() as u16;
    assert_eq!(buf[(x, 39)].fg, Theme::default().warning);
}

#[test]
fn pending_ack_shows_an_ellipsis() {
    let state = state_with(false, 120, 40);
    let all = text(draw(&state, 120, 40).backend().buffer());
    let row = all
        .lines()
        .find(|l| l.contains("CheckoutErrorRate"))
        .unwrap();
    assert!(row.contains('…'), "{row}");
    let row = all
        .lines()
        .find(|l| l.contains("PaymentsHighLatency"))
        .unwrap();
    assert!(row.contains("✓ alice"), "{row}");
}

#[test]
fn hundred_thousand_alarms_render_the_right_window() {
    let mut board = AlarmBoard::new();
    let sevs = Severity::ALL;
    for i in 0..100_000i64 {
        let fp = format!("{i:016x}");
        let obs = ObservedAlarm {
            fingerprint: fp.clone().into(),
            source: "bulk".into(),
            name: format!("Synthetic{i:06}").into(),
            severity: sevs[(i % 5) as usize],
            labels: labels(&[("service", &format!("svc-{}", i % 97))]),
            annotations: Default::default(),
            starts_at: now(),
            generator_url: None,
        };
        board.apply(&Event {
            id: i + 1,
            ts: now() - Duration::seconds(i),
            actor: "source:bulk".into(),
            kind: EventKind::AlarmRaised.as_str().into(),
            subject: fp,
            payload: payload(&obs),
            prev_hash: String::new(),
            hash: String::new(),
        });
    }
    let mut state = State::new(session(false), board, Theme::embedded(), now());
    update(
        &mut state,
        Msg::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    let all = text(draw(&state, 120, 40).backend().buffer());
    assert!(all.contains("Alarms (100000/100000)"));
    let first = state
        .board
        .get(&state.alarms.visible[0])
        .unwrap()
        .name()
        .to_string();
    assert!(all.lines().nth(4).unwrap().contains(&first), "{all}");

    keys(&mut state, "G");
    let t = draw(&state, 120, 40);
    let all = text(t.backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    // Table rows are screen lines 4..=37 (header 2, border, column names; border, status).
    let rows = &lines[4..38];
    let names: Vec<String> = state.alarms.visible[100_000 - rows.len()..]
        .iter()
        .map(|fp| state.board.get(fp).unwrap().name().to_string())
        .collect();
    for (line, name) in rows.iter().zip(&names) {
        assert!(line.contains(name.as_str()), "expected {name} in {line}");
    }
    assert!(rows.last().unwrap().contains('>'), "last row is selected");
}

#[test]
fn an_idle_second_changes_only_the_clock_and_young_ages() {
    let mut state = state_with(false, 120, 40);
    let before = draw(&state, 120, 40);
    update(&mut state, Msg::Tick, now() + Duration::seconds(1));
    let after = draw(&state, 120, 40);
    let (a, b) = (before.backend().buffer(), after.backend().buffer());
    let changed = a.diff(b);
    assert!(!changed.is_empty());
    let screen = text(b);
    let lines: Vec<&str> = screen.lines().collect();
    for (x, y, _) in changed {
        let line = lines[y as usize];
        // The status bar's clock, or the age of the alarm raised 42 s ago
        // (minutes and older only change once a minute).
        let ok = y == 39 || line.contains("CheckoutErrorRate");
        assert!(ok, "cell {x},{y} changed in {line}");
    }
    assert!(lines[39].contains("09:30:01 UTC"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CheckoutErrorRate") && l.contains("43s"))
    );
}

#[test]
fn crowded_header_and_monitor_keep_what_matters() {
    let mut state = state_with(false, 80, 24);
    for i in 0..8 {
        update(
            &mut state,
            Msg::SourceHealth(SourceStatus {
                name: format!("prometheus-{i}"),
                up: i != 5,
                last_ok: Some(now() - Duration::seconds(30)),
                latency_ms: Some(20 + i),
                detail: String::new(),
            }),
            now(),
        );
    }
    // Forty services: the overview and the list scroll with the selection.
    let catalog = (0..40)
        .map(|i| {
            series(
                &format!("svc-{i:02}"),
                MetricKind::Cpu,
                "cpu",
                "%",
                70.0,
                90.0,
            )
        })
        .collect();
    state.monitor.apply(MetricSnapshot {
        catalog,
        at: Some(now()),
        samples: Vec::new(),
    });
    keys(&mut state, "2G");
    let all = text(draw(&state, 80, 24).backend().buffer());
    let lines: Vec<&str> = all.lines().collect();
    // Down sources come first, the rest are counted, operators stay visible.
    assert!(
        lines[1].contains("alertmanager:prod ✗ DOWN"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("+9 more") && lines[1].contains("2 operators online"));
    let wide = text(draw(&state, 120, 40).backend().buffer());
    let header = wide.lines().nth(1).unwrap_or_default().to_string();
    assert!(header.contains("prometheus-5 ✗ DOWN"), "{header}");
    // The last service is selected and on screen in the list and the overview.
    assert!(all.contains(">● svc-39"), "{all}");
    assert_eq!(all.matches("svc-39").count(), 2, "list and overview\n{all}");
}

#[test]
fn light_theme_paints_its_background() {
    let mut state = state_with(false, 80, 24);
    state.color_mode = ColorMode::Truecolor;
    assert!(state.select_theme("light"));
    let t = draw(&state, 80, 24);
    let buf = t.backend().buffer();
    // An empty table cell and a blank status-bar cell both carry the theme.
    assert_eq!(buf[(60, 15)].bg, Color::Rgb(0xfa, 0xfa, 0xfa));
    assert_eq!(buf[(40, 0)].bg, Color::Rgb(0xda, 0xda, 0xda));
    state.color_mode = ColorMode::Ansi16;
    let t = draw(&state, 80, 24);
    assert_eq!(t.backend().buffer()[(60, 15)].bg, Color::White);
}
