//! Frame-time benchmark for `ui::render`: the alarm table over 100,000
//! alarms (and over 100, to show the cost does not grow with the board),
//! the detail pane, and a Monitor frame with full ten-minute histories,
//! each drawn into a 200×60 `TestBackend` (render + ratatui's diff).
//!
//! Run: `cargo bench --bench render` (plain `main`, no harness). Prints the
//! median, p99 and max per frame; results go in `BENCHMARKS.md`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::{Msg, RunMode, Session, State, update};
use cocpit::domain::event::payload;
use cocpit::domain::{
    AlarmBoard, Event, EventKind, MetricKind, MetricSnapshot, ObservedAlarm, SeriesMeta, Severity,
};
use cocpit::theme::{ColorMode, Theme};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

const W: u16 = 200;
const H: u16 = 60;
const FRAMES: usize = 500;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0)
        .single()
        .unwrap_or_default()
}

fn state(alarms: usize) -> State {
    let mut board = AlarmBoard::new();
    let sevs = Severity::ALL;
    for i in 0..alarms as i64 {
        let fp = format!("{i:016x}");
        let mut labels = BTreeMap::new();
        labels.insert("service".to_string(), format!("svc-{}", i % 97));
        labels.insert("cluster".to_string(), "prod-eu-1".to_string());
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_string(),
            format!(
                "synthetic alarm {i}: latency above threshold on instance {}",
                i % 13
            ),
        );
        let obs = ObservedAlarm {
            fingerprint: fp.clone().into(),
            source: "bench".into(),
            name: format!("SyntheticAlarm{i:06}").into(),
            severity: sevs[(i % 5) as usize],
            labels: labels.into(),
            annotations: annotations.into(),
            starts_at: now(),
            generator_url: None,
        };
        board.apply(&Event {
            id: i + 1,
            ts: now() - Duration::seconds(i % 200_000),
            actor: "source:bench".into(),
            kind: EventKind::AlarmRaised.as_str().into(),
            subject: fp,
            payload: payload(&obs),
            prev_hash: String::new(),
            hash: String::new(),
        });
    }
    let session = Session {
        operator: "bench@host".into(),
        mode: RunMode::Demo,
        readonly: false,
        role: Default::default(),
        journal_path: "/var/lib/cocpit/journal.db".into(),
    };
    let mut s = State::new(session, board, Theme::embedded(), now());
    s.color_mode = ColorMode::Ansi256;
    update(
        &mut s,
        Msg::Resize {
            width: W,
            height: H,
        },
        now(),
    );
    s
}

fn key(s: &mut State, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now());
}

/// Twelve services × four series × 600 points (the full history ring).
fn metrics(s: &mut State) {
    let groups: Vec<String> = (0..12).map(|i| format!("service-{i:02}")).collect();
    let kinds = [
        (MetricKind::LatencyP99, "latency p99", "ms", 300.0, 500.0),
        (MetricKind::ErrorRate, "error rate", "%", 1.0, 5.0),
        (MetricKind::Cpu, "cpu", "%", 70.0, 90.0),
        (MetricKind::Saturation, "saturation", "%", 80.0, 95.0),
    ];
    let catalog = groups
        .iter()
        .flat_map(|g| {
            kinds
                .iter()
                .map(move |(kind, name, unit, warn, crit)| SeriesMeta {
                    id: format!("{g}/{name}"),
                    group: g.clone(),
                    kind: *kind,
                    name: name.to_string(),
                    unit: unit.to_string(),
                    warn: Some(*warn),
                    crit: Some(*crit),
                })
        })
        .collect();
    s.monitor.apply(MetricSnapshot {
        catalog,
        at: None,
        samples: Vec::new(),
    });
    for t in 0..600 {
        let samples = groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| {
                kinds.iter().map(move |(_, name, _, warn, _)| {
                    let v = warn * (0.6 + 0.3 * ((t as f64 + gi as f64 * 11.0) / 17.0).sin());
                    (format!("{g}/{name}"), v)
                })
            })
            .collect();
        s.monitor.apply(MetricSnapshot {
            catalog: Vec::new(),
            at: Some(now() - Duration::seconds(600 - t)),
            samples,
        });
    }
}

struct Stats {
    median: StdDuration,
    p99: StdDuration,
    max: StdDuration,
}

/// Draw `FRAMES` frames, calling `between` (untimed) before each so every
/// frame has something new to draw.
fn measure(s: &mut State, mut between: impl FnMut(&mut State)) -> Stats {
    let mut term = match Terminal::new(TestBackend::new(W, H)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES + 20 {
        between(s);
        let t0 = Instant::now();
        let drawn = term.draw(|f| cocpit::ui::render(f, s));
        let dt = t0.elapsed();
        std::hint::black_box(drawn.is_ok());
        // The first frames warm caches and allocators.
        if i >= 20 {
            times.push(dt);
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Stats {
        median: at(0.5),
        p99: at(0.99),
        max: times[times.len() - 1],
    }
}

fn report(name: &str, st: Stats) {
    println!(
        "{name:<44} median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        st.median.as_secs_f64() * 1e3,
        st.p99.as_secs_f64() * 1e3,
        st.max.as_secs_f64() * 1e3,
    );
}

fn main() {
    println!("{FRAMES} frames each at {W}×{H}, colour mode 256");
    let t0 = Instant::now();
    let mut big = state(100_000);
    println!(
        "(built a 100,000-alarm board in {:.1} s)",
        t0.elapsed().as_secs_f64()
    );

    // Scroll down one row per frame: a new window each time.
    report(
        "alarms, 100,000 alarms, scrolling",
        measure(&mut big, |s| key(s, KeyCode::Char('j'))),
    );
    key(&mut big, KeyCode::Char('G'));
    report(
        "alarms, 100,000 alarms, at the bottom (G)",
        measure(&mut big, |s| key(s, KeyCode::Char('k'))),
    );
    key(&mut big, KeyCode::Enter);
    report(
        "alarms + detail pane, 100,000 alarms",
        measure(&mut big, |s| key(s, KeyCode::Char('j'))),
    );

    let mut small = state(100);
    report(
        "alarms, 100 alarms, scrolling",
        measure(&mut small, |s| {
            key(
                s,
                KeyCode::Char(if s.alarms.list.selected + 1 >= s.alarms.visible.len() {
                    'g'
                } else {
                    'j'
                }),
            )
        }),
    );

    let mut mon = state(100);
    metrics(&mut mon);
    key(&mut mon, KeyCode::Char('2'));
    report(
        "monitor, 12 services × 4 series × 600 points",
        measure(&mut mon, |s| {
            key(
                s,
                KeyCode::Char(if s.monitor.list.selected + 1 >= s.monitor.groups.len() {
                    'g'
                } else {
                    'j'
                }),
            )
        }),
    );
}
