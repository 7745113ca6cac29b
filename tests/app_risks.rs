//! The risks room driven through `app::update` with an in-memory journal:
//! `p` on a failure mode opens its plan exactly as `Enter` in the Plans
//! view does, `d` starts its drill exactly as `Enter` in the Drills view,
//! both refused on read-only and observer consoles; `F` on an alarm
//! (firing or resolved) commits `risk.tagged` before the status confirms
//! it, and a second console fed the same rows shows the tag in the mode's
//! detail with the raised occurrence. `cocpit check` reads failure modes.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{Mode, Msg, SourceStatus, State, View};
use cocpit::domain::event::payload;
use cocpit::domain::fault::{Owner, OwnerKind};
use cocpit::domain::{EventKind, NewEvent, ObservedAlarm, Role, Severity};
use crossterm::event::KeyCode;
use std::collections::BTreeMap;
use support::console::Console;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::seconds(s)
}

/// A demo console with the demo's plans, scenarios and failure modes, a
/// fault owner and the demo source up.
fn console(operator: &str, readonly: bool, role: Role) -> Console {
    let mut c = Console::demo(operator, readonly, t(0));
    c.state.session.role = role;
    let providers = cocpit::app::faults::providers();
    let plans = cocpit::spec::plans::load_all(&[], true, &providers);
    c.state.plans.catalog.plans = plans.plans.into_values().map(|l| l.plan).collect();
    let drills = cocpit::spec::drills::load_all(&[], true, &providers);
    c.state.drills.catalog.scenarios = drills.scenarios.into_values().map(|l| l.scenario).collect();
    let modes = cocpit::spec::risk::load_all(&[], true, Default::default());
    assert!(modes.errors.is_empty(), "{:?}", modes.errors);
    c.state.risks.catalog.modes = modes.modes.into_values().map(|l| l.mode).collect();
    c.state.faults.me = Some(Owner {
        kind: OwnerKind::Console,
        actor: operator.into(),
        host: "jump".into(),
        pid: 42,
        start: 7,
        instance: "me".into(),
    });
    c.state.expected_sources = vec!["demo".into()];
    c.send(Msg::SourceHealth(SourceStatus {
        name: "demo".into(),
        up: true,
        last_ok: Some(t(0)),
        latency_ms: Some(3),
        detail: String::new(),
    }));
    c
}

fn status(s: &State) -> String {
    s.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// `/FILTER` Enter in the current view.
fn filter(c: &mut Console, f: &str) {
    c.key('/');
    c.typed(f);
    c.code(KeyCode::Enter);
}

/// The Risks view with `mode` selected.
fn on_mode(c: &mut Console, mode: &str) {
    c.key('8');
    assert_eq!(c.state.view, View::Risks);
    filter(c, &format!("id={mode}"));
    let sel = cocpit::app::risks::selected(&c.state).map(|r| r.id);
    assert_eq!(sel.as_deref(), Some(mode));
}

#[test]
fn p_opens_the_mode_plan_as_the_plans_view_does() {
    let mut a = console("ana@jump", false, Role::Operator);
    on_mode(&mut a, "inventory-crash-loop");
    a.key('p');
    assert_eq!(a.state.view, View::Plans);
    let Mode::Plans(from_risks) = &a.state.mode else {
        panic!(
            "the plan's form expected: {:?} {}",
            a.state.mode,
            status(&a.state)
        )
    };

    let mut b = console("ana@jump", false, Role::Operator);
    b.key('5');
    filter(&mut b, "id=restart-inventory");
    b.code(KeyCode::Enter);
    let Mode::Plans(from_plans) = &b.state.mode else {
        panic!("the plan's form expected: {:?}", b.state.mode)
    };
    assert_eq!(format!("{from_risks:?}"), format!("{from_plans:?}"));
}

#[test]
fn d_starts_the_mode_drill_as_the_drills_view_does() {
    let mut a = console("ana@jump", false, Role::Operator);
    on_mode(&mut a, "inventory-crash-loop");
    let fx = a.key('d');
    let (_, from_risks) = support::console::the_commit(&fx);
    assert_eq!(a.state.view, View::Drills);

    let mut b = console("ana@jump", false, Role::Operator);
    b.key('6');
    filter(&mut b, "id=inventory-crash-loop");
    let fx = b.code(KeyCode::Enter);
    let (_, from_drills) = support::console::the_commit(&fx);
    assert_eq!(from_risks, from_drills);
    assert_eq!(from_risks[0].kind, "drill.started");
    assert_eq!(from_risks[0].payload["scenario"], "inventory-crash-loop");
}

#[test]
fn readonly_and_observer_consoles_neither_run_plans_nor_start_drills() {
    for (ro, role) in [(true, Role::Operator), (false, Role::Observer)] {
        for k in ['p', 'd'] {
            let mut c = console("carol@jump3", ro, role);
            on_mode(&mut c, "inventory-crash-loop");
            let fx = c.key(k);
            assert!(fx.is_empty(), "{k}: {fx:?}");
            assert!(matches!(c.state.mode, Mode::Normal), "{:?}", c.state.mode);
            assert_eq!(c.state.view, View::Risks);
            let s = status(&c.state);
            assert!(
                s.contains("read-only") || s.contains("observer"),
                "{k}: {s}"
            );
        }
    }
}

#[test]
fn a_mode_without_a_plan_or_drill_says_it_is_a_gap() {
    let mut c = console("ana@jump", false, Role::Operator);
    on_mode(&mut c, "rds-backup-restore-fails");
    assert!(c.key('p').is_empty());
    assert!(
        status(&c.state).contains("no contingency plan"),
        "{}",
        status(&c.state)
    );
    assert!(c.key('d').is_empty());
    assert!(
        status(&c.state).contains("no drill scenario"),
        "{}",
        status(&c.state)
    );
    // Enter opens the detail, Esc closes it before leaving the view.
    c.code(KeyCode::Enter);
    assert_eq!(
        c.state.risks.open.as_deref(),
        Some("rds-backup-restore-fails")
    );
    c.code(KeyCode::Esc);
    assert!(c.state.risks.open.is_none());
    assert_eq!(c.state.view, View::Risks);
}

#[test]
fn the_filter_takes_application_and_category() {
    let mut c = console("ana@jump", false, Role::Operator);
    c.key('8');
    filter(&mut c, "application=shop category=middleware");
    let rows = cocpit::app::risks::rows(&c.state);
    assert!(!rows.is_empty());
    for r in &rows {
        let m = &c.state.risks.catalog.modes[r.index];
        assert_eq!(
            (m.application.as_str(), m.category.as_str()),
            ("shop", "middleware")
        );
    }
    // Worst first, ties by id.
    let all = cocpit::app::risks::matrix(&c.state);
    assert!(
        all.windows(2)
            .all(|w| w[0].rpn > w[1].rpn || (w[0].rpn == w[1].rpn && w[0].id < w[1].id))
    );
}

fn alarm(name: &str, service: &str, at: i64) -> NewEvent {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_string(), name.to_string());
    labels.insert("service".to_string(), service.to_string());
    let a = ObservedAlarm {
        fingerprint: cocpit::domain::fingerprint(&labels).into(),
        source: "demo".into(),
        name: name.into(),
        severity: Severity::Critical,
        labels: labels.into(),
        annotations: Default::default(),
        starts_at: t(at),
        generator_url: None,
    };
    NewEvent::new(
        t(at),
        "source:demo",
        EventKind::AlarmRaised,
        &a.fingerprint,
        payload(&a),
    )
}

#[test]
fn a_tag_is_journaled_first_and_shows_on_a_second_console() {
    let mut a = console("ana@jump", false, Role::Operator);
    let raised = a.journal(vec![alarm("ServiceUnavailable", "inventory", 0)]);
    let fp = raised[0].subject.clone();
    let before = cocpit::app::risks::matrix(&a.state)
        .into_iter()
        .find(|r| r.id == "inventory-crash-loop")
        .unwrap()
        .rpn;

    a.key('F');
    assert!(
        matches!(a.state.mode, Mode::Risk(_)),
        "{:?} {}",
        a.state.mode,
        status(&a.state)
    );
    a.typed("inventory-crash");
    let fx = a.code(KeyCode::Enter);
    let (_, events) = support::console::the_commit(&fx);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "risk.tagged");
    assert_eq!(events[0].subject, fp);
    assert_eq!(events[0].payload["mode"], "inventory-crash-loop");
    assert_eq!(events[0].payload["alarm"], "ServiceUnavailable");
    assert_eq!(events[0].payload["service"], "inventory");
    assert_eq!(events[0].payload["by"], "ana@jump");
    // Not confirmed before the journal answers.
    assert!(a.state.is_pending(&fp));
    assert!(!status(&a.state).contains("tagged"), "{}", status(&a.state));
    a.perform(fx);
    assert!(!a.state.is_pending(&fp));
    assert!(
        status(&a.state).contains("tagged as inventory-crash-loop (journal #2)"),
        "{}",
        status(&a.state)
    );
    assert_eq!(a.state.risks.tags.count("inventory-crash-loop"), 1);

    // A second console fed the same rows, as its tailer would.
    let mut b = console("bob@jump2", false, Role::Operator);
    b.send(Msg::Events(a.journal.rows.clone()));
    assert_eq!(b.state.risks.tags.count("inventory-crash-loop"), 1);
    let row = cocpit::app::risks::matrix(&b.state)
        .into_iter()
        .find(|r| r.id == "inventory-crash-loop")
        .unwrap();
    assert_eq!(row.tagged, 1);
    assert!(row.rpn > before, "{} > {before}", row.rpn);
    on_mode(&mut b, "inventory-crash-loop");
    b.code(KeyCode::Enter);
    let screen = draw(&b.state, 120, 40);
    assert!(screen.contains("Tagged incidents (1)"), "{screen}");
    assert!(
        screen.contains("ServiceUnavailable inventory · by"),
        "{screen}"
    );
    assert!(screen.contains("ana@jump"), "{screen}");

    // The alarm's detail pane names its failure modes, on both consoles.
    b.key('1');
    b.code(KeyCode::Enter);
    let screen = draw(&b.state, 120, 40);
    assert!(
        screen.contains("failure modes") && screen.contains("inventory-crash-loop"),
        "{screen}"
    );

    // The same alarm, resolved, can be tagged again with another mode.
    let resolved = NewEvent::new(
        t(5),
        "source:demo",
        EventKind::AlarmResolved,
        &fp,
        serde_json::json!({}),
    );
    a.journal(vec![resolved]);
    a.key('1');
    a.key('r');
    a.key('F');
    a.typed("k8s-workload-crash");
    let fx = a.code(KeyCode::Enter);
    a.perform(fx);
    assert_eq!(
        a.state.risks.tags.modes_of(&fp),
        ["inventory-crash-loop", "k8s-workload-crash-loop"]
    );
}

#[test]
fn readonly_consoles_do_not_tag() {
    let mut c = console("carol@jump3", true, Role::Operator);
    c.journal(vec![alarm("ServiceUnavailable", "inventory", 0)]);
    assert!(c.key('F').is_empty());
    assert!(matches!(c.state.mode, Mode::Normal));
    assert!(
        status(&c.state).contains("read-only"),
        "{}",
        status(&c.state)
    );
}

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    let mut s = s.clone();
    s.size = (w, h);
    term.draw(|f| cocpit::ui::render(f, &s)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn cocpit_check_reads_failure_modes() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.yaml");
    std::fs::write(
        &good,
        "id: my-mode\napplication: shop\ncomponent: redis\ncategory: middleware\nconditions: [x]\nsymptoms: [y]\nseverity: 3\noccurrence: 3\ndetection: 3\ndetect: ['alertname=RedisMemoryHigh']\n",
    )
    .unwrap();
    assert_eq!(cocpit::plans::cli::check(std::slice::from_ref(&good)), 0);
    let bad = d.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "id: my-mode\napplication: shop\ncomponent: redis\ncategory: middleware\nconditions: [x]\nsymptoms: [y]\nseverity: 3\noccurrence: 13\ndetection: 3\n",
    )
    .unwrap();
    assert_eq!(cocpit::plans::cli::check(&[bad]), 1);
}

#[test]
fn tags_replay_from_a_real_journal_as_boot_reads_them() {
    let mut a = console("ana@jump", false, Role::Operator);
    a.journal(vec![alarm("PostgresPoolSaturated", "postgres", 0)]);
    a.key('F');
    a.typed("postgres-pool");
    let fx = a.code(KeyCode::Enter);
    let (_, tagged) = support::console::the_commit(&fx);

    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("journal.db");
    let j = cocpit::journal::Journal::open(&path).unwrap();
    j.append(&[alarm("PostgresPoolSaturated", "postgres", 0)])
        .unwrap();
    j.append(&tagged).unwrap();
    // Boot replays the tags through the kind index, like the drills.
    let mut tags = cocpit::domain::risk::tags::Tags::default();
    j.for_each_kind_prefix("risk.", |ev| tags.apply(ev))
        .unwrap();
    assert_eq!(tags.count("postgres-pool-saturation"), 1);
    let t = &tags.of("postgres-pool-saturation")[0];
    assert_eq!(
        (t.alarm.as_str(), t.service.as_str(), t.by.as_str()),
        ("PostgresPoolSaturated", "postgres", "ana@jump")
    );
    // The tailer's rows after that count once.
    let mut b = console("bob@jump2", false, Role::Operator);
    b.state.risks.tags = tags;
    b.send(Msg::Events(j.read_after(0, 100).unwrap()));
    assert_eq!(b.state.risks.tags.count("postgres-pool-saturation"), 1);
}

#[test]
fn a_click_selects_the_mode_drawn_there() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut c = console("ana@jump", false, Role::Operator);
    c.send(Msg::Resize {
        width: 120,
        height: 40,
    });
    c.key('8');
    let body = cocpit::app::layout::body(&c.state);
    // Border, heading, then rows: the third row on screen.
    c.send(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: body.x + 10,
        row: body.y + 4,
        modifiers: KeyModifiers::NONE,
    }));
    let third = cocpit::app::risks::rows(&c.state)[2].id.clone();
    let screen = draw(&c.state, 120, 40);
    let line = screen.lines().nth(body.y as usize + 4).unwrap_or_default();
    assert!(line.contains(&third), "{line}");
    assert_eq!(
        cocpit::app::risks::selected(&c.state).map(|r| r.id),
        Some(third)
    );
}
