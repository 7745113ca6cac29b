//! What every rendering test builds on: a clock, a session, a journal of
//! alarms, notes, acks and metrics turned into a `State` the way the runtime
//! builds one, drawing into a `TestBackend`, and snapshots at both sizes.

#![allow(dead_code)]

pub use chrono::{DateTime, Duration, TimeZone, Utc};
pub use cocpit::app::{Msg, RunMode, Session, SourceStatus, State, update};
pub use cocpit::domain::event::{AlarmAcked, AlarmResolved, NoteAdded, OwnerSet, payload};
pub use cocpit::domain::{
    AlarmBoard, Event, EventKind, MetricKind, MetricSnapshot, ObservedAlarm, SeriesMeta, Severity,
};
pub use cocpit::theme::{ColorMode, Theme};
pub use cocpit::ui;
pub use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
pub use ratatui::Terminal;
pub use ratatui::backend::TestBackend;
pub use ratatui::buffer::Buffer;
pub use ratatui::style::{Color, Modifier};
pub use std::collections::BTreeMap;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

pub fn session(readonly: bool) -> Session {
    Session {
        operator: "carol@jump1".into(),
        mode: RunMode::Demo,
        readonly,
        role: Default::default(),
        journal_path: "/home/carol/.local/state/cocpit/journal.db".into(),
    }
}

pub fn labels(pairs: &[(&str, &str)]) -> cocpit::domain::alarm::Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub struct Journal {
    events: Vec<Event>,
}

impl Journal {
    pub fn push(
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
    pub fn raise(
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
pub fn journal() -> Vec<Event> {
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
            previous: None,
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

pub fn series(
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
pub fn metrics(state: &mut State) {
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

pub fn key(state: &mut State, code: KeyCode) {
    update(
        state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        now(),
    );
}

pub fn keys(state: &mut State, s: &str) {
    for c in s.chars() {
        key(state, KeyCode::Char(c));
    }
}

/// The console as an operator sees it a few minutes into an incident.
pub fn state_with(readonly: bool, w: u16, h: u16) -> State {
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

pub fn draw(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, state)).unwrap();
    t
}

pub fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

pub const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

/// Snapshot `prepare`d state at both sizes as `{name}_{w}x{h}`.
pub fn snap(name: &str, readonly: bool, prepare: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut state = state_with(readonly, w, h);
        prepare(&mut state);
        let t = draw(&state, w, h);
        snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

/// Faults as the journal has them: one active, one whose recovery keeps
/// failing, one orphan-free recovered, one that failed to inject.
pub fn with_faults(state: &mut State) {
    use cocpit::domain::fault::payloads::{Failed, Intended, Phase, Recovered, WithRecord};
    use cocpit::domain::fault::{FaultSpec, Owner, OwnerKind, RecoveryRecord, Trigger};
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

/// Every view and overlay, for the sweep.
pub fn all_modes() -> Vec<(&'static str, State)> {
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
            "drills",
            with(&|s| {
                let cat =
                    cocpit::spec::drills::load_all(&[], true, &cocpit::app::faults::providers());
                s.drills.catalog.scenarios =
                    cat.scenarios.into_values().map(|l| l.scenario).collect();
                keys(s, "6");
            }),
        ),
        (
            "empty",
            State::new(session(false), AlarmBoard::new(), Theme::embedded(), now()),
        ),
    ]
}

/// The first table cell reading `CRIT` below the header (the severity
/// column of the critical alarm).
pub fn crit_cell(buf: &Buffer) -> (u16, u16) {
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
