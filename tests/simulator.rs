//! The demo simulator end to end through its public API: scenario loading
//! and errors, determinism, fault propagation, scripted incidents, the
//! flapping warning and long-run numerical sanity.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::{ObservedAlarm, Severity, fingerprint};
use cocpit::sources::simulator::{Scenario, SimFault, SimFaultKind, SimTick, Simulator};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FILES: [&str; 4] = [
    "services.yaml",
    "rules.yaml",
    "notices.yaml",
    "incidents.yaml",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// A temp copy of the demo fixtures, minus `skip`, with `edit` applied to
/// `file`'s text.
fn copy_fixtures(
    skip: &[&str],
    edit: Option<(&str, &dyn Fn(String) -> String)>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in FILES {
        if skip.contains(&name) {
            continue;
        }
        let mut text = std::fs::read_to_string(fixtures().join(name)).unwrap();
        if let Some((file, f)) = edit
            && file == name
        {
            text = f(text);
        }
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn replace_once(text: String, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture no longer contains {from:?}");
    text.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

fn step(sim: &mut Simulator) -> SimTick {
    let now = t0() + Duration::seconds(sim.tick() as i64 + 1);
    sim.step(now)
}

fn run(sim: &mut Simulator, ticks: u64) -> Vec<SimTick> {
    (0..ticks).map(|_| step(sim)).collect()
}

/// The demo without its scripted incidents, so injected faults act alone.
fn quiet_sim(seed: u64) -> Simulator {
    let dir = copy_fixtures(&["incidents.yaml"], None);
    Simulator::new(Scenario::from_dir(dir.path()).unwrap(), seed)
}

fn firing<'a>(tick: &'a SimTick, name: &str, service: &str) -> Option<&'a ObservedAlarm> {
    tick.firing
        .iter()
        .find(|a| a.name == name && a.service() == service)
}

fn is_firing(tick: &SimTick, name: &str, service: &str) -> bool {
    firing(tick, name, service).is_some()
}

/// Ticks (1-based) at which each fingerprint entered or left the firing set.
fn transitions(ticks: &[SimTick]) -> BTreeMap<String, Vec<usize>> {
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut prev: BTreeSet<String> = BTreeSet::new();
    for (i, t) in ticks.iter().enumerate() {
        let cur: BTreeSet<String> = t.firing.iter().map(|a| a.fingerprint.to_string()).collect();
        for fp in cur.symmetric_difference(&prev) {
            out.entry(fp.clone()).or_default().push(i + 1);
        }
        prev = cur;
    }
    out
}

fn assert_no_tick_to_tick_flapping(ticks: &[SimTick]) {
    for (fp, at) in transitions(ticks) {
        for w in at.windows(2) {
            assert!(
                w[1] - w[0] > 1,
                "alarm {fp} changed state on consecutive ticks {} and {}",
                w[0],
                w[1]
            );
        }
    }
}

fn first_tick(ticks: &[SimTick], from: usize, pred: impl Fn(&SimTick) -> bool) -> Option<usize> {
    ticks
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, t)| pred(t))
        .map(|(i, _)| i + 1)
}

// ---- loading ---------------------------------------------------------------

#[test]
fn embedded_scenario_loads_and_matches_the_fixture_directory() {
    let embedded = Scenario::embedded().unwrap();
    assert_eq!(
        embedded.service_names(),
        [
            "gateway",
            "checkout",
            "payments",
            "inventory",
            "postgres",
            "redis"
        ]
    );
    for name in [
        "PaymentsLatencyHigh",
        "ErrorRateHigh",
        "Gateway5xxHigh",
        "RedisMemoryHigh",
        "CertificateExpiringSoon",
        "DeploymentInProgress",
    ] {
        assert!(embedded.alarm_names().iter().any(|n| n == name), "{name}");
    }
    assert_eq!(Scenario::from_dir(&fixtures()).unwrap(), embedded);
}

#[test]
fn optional_files_may_be_missing() {
    let dir = copy_fixtures(&["notices.yaml", "incidents.yaml"], None);
    let sc = Scenario::from_dir(dir.path()).unwrap();
    assert!(sc.incident_names().is_empty());
    assert!(
        !sc.alarm_names()
            .iter()
            .any(|n| n == "CertificateExpiringSoon")
    );

    let dir = copy_fixtures(&["rules.yaml"], None);
    let err = Scenario::from_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("rules.yaml"), "{err}");
}

#[test]
fn yaml_syntax_error_names_file_and_line() {
    let original = std::fs::read_to_string(fixtures().join("rules.yaml")).unwrap();
    let line = line_of(&original, "name: CheckoutLatencyHigh");
    let edit = |t: String| {
        replace_once(
            t,
            "  - name: CheckoutLatencyHigh",
            "  - name: [CheckoutLatencyHigh",
        )
    };
    let dir = copy_fixtures(&[], Some(("rules.yaml", &edit)));
    let err = Scenario::from_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(err.file().ends_with("rules.yaml"), "{msg}");
    // The parser notices the unclosed flow sequence at or just after it.
    assert!(
        (line..=line + 2).contains(&err.line()),
        "line {} not near {line}: {msg}",
        err.line()
    );
    assert!(
        msg.contains(&format!("rules.yaml:{}:", err.line())),
        "{msg}"
    );
}

#[test]
fn rule_with_unknown_service_is_rejected_by_name() {
    let original = std::fs::read_to_string(fixtures().join("rules.yaml")).unwrap();
    let edit = |t: String| replace_once(t, "services: [payments]", "services: [paymnets]");
    let dir = copy_fixtures(&[], Some(("rules.yaml", &edit)));
    let err = Scenario::from_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`paymnets`"), "{msg}");
    assert!(msg.contains("PaymentsLatencyHigh"), "{msg}");
    assert_eq!(
        err.line(),
        line_of(&original, "services: [payments]"),
        "{msg}"
    );
}

#[test]
fn semantic_errors_are_reported_with_their_reason() {
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "rules.yaml",
            "metric: latency_p99",
            "metric: latncy",
            "unknown metric `latncy`",
        ),
        (
            "rules.yaml",
            "    warn: 800\n    crit: 1500",
            "    warn: 800\n    crit: 700",
            "must be above the warning threshold",
        ),
        (
            "rules.yaml",
            "name: CheckoutLatencyHigh",
            "name: PaymentsLatencyHigh",
            "duplicate rule name `PaymentsLatencyHigh`",
        ),
        (
            "services.yaml",
            "depends_on: [postgres]",
            "depends_on: [postgress]",
            "unknown service `postgress`",
        ),
        (
            "services.yaml",
            "  - name: inventory",
            "  - name: payments",
            "duplicate service `payments`",
        ),
        (
            "notices.yaml",
            "name: DeploymentInProgress",
            "name: CpuHigh",
            "duplicate alarm name `CpuHigh`",
        ),
        (
            "incidents.yaml",
            "fault: { type: latency, ms: 1700 }",
            "fault: { type: latency, ms: -5 }",
            "outside",
        ),
        (
            "incidents.yaml",
            "fault: { type: latency, ms: 1700 }",
            "fault: { type: heal }",
            "heal is a remedy, not an incident effect",
        ),
    ];
    for (file, from, to, expect) in cases {
        let edit = |t: String| replace_once(t, from, to);
        let dir = copy_fixtures(&[], Some((file, &edit)));
        let err = Scenario::from_dir(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(err.file().ends_with(file), "{file}: {msg}");
        assert!(msg.contains(expect), "{file}: expected {expect:?} in {msg}");
        assert!(err.line() > 0, "{file}: no line in {msg}");
    }
}

// ---- determinism -----------------------------------------------------------

#[test]
fn same_seed_gives_identical_ticks_and_other_seeds_differ() {
    let sc = Scenario::embedded().unwrap();
    let a = run(&mut Simulator::new(sc.clone(), 42), 600);
    let b = run(&mut Simulator::new(sc.clone(), 42), 600);
    assert!(a == b, "same seed diverged");
    let c = run(&mut Simulator::new(sc, 43), 600);
    let differing = a
        .iter()
        .zip(&c)
        .filter(|(x, y)| x.samples != y.samples)
        .count();
    assert!(differing > 590, "only {differing} of 600 ticks differ");
}

#[test]
fn dynamics_ignore_the_wall_clock() {
    let sc = Scenario::embedded().unwrap();
    let mut a = Simulator::new(sc.clone(), 5);
    let mut b = Simulator::new(sc, 5);
    for i in 0..300 {
        let ta = a.step(t0() + Duration::seconds(i));
        let tb = b.step(t0() + Duration::days(3) + Duration::milliseconds(i * 1700));
        assert_eq!(ta.samples, tb.samples);
        let names = |t: &SimTick| {
            t.firing
                .iter()
                .map(|x| x.fingerprint.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&ta), names(&tb));
    }
}

// ---- alarms ------------------------------------------------------------------

#[test]
fn first_alarm_within_ten_ticks() {
    for seed in [1, 2, 3] {
        let ticks = run(&mut Simulator::new(Scenario::embedded().unwrap(), seed), 10);
        assert!(
            ticks.iter().any(|t| !t.firing.is_empty()),
            "seed {seed}: nothing fired in 10 ticks"
        );
    }
}

#[test]
fn alarms_carry_the_documented_labels_and_annotations() {
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 9);
    let ticks = run(&mut sim, 400);
    let mut seen = BTreeSet::new();
    for alarm in ticks.iter().flat_map(|t| &t.firing) {
        assert_eq!(alarm.source, "demo");
        assert_eq!(alarm.fingerprint, fingerprint(&alarm.labels));
        assert_eq!(alarm.labels["alertname"], alarm.name);
        assert_eq!(alarm.labels["severity"], alarm.severity.as_str());
        assert_eq!(alarm.labels["env"], "demo");
        assert!(
            sim.services()
                .contains(&alarm.labels["service"].to_string())
        );
        assert!(alarm.labels.contains_key("team"));
        if alarm.severity != Severity::Info {
            assert!(alarm.labels.contains_key("metric"), "{alarm:?}");
        }
        assert!(!alarm.annotations["summary"].is_empty());
        assert!(alarm.annotations.contains_key("description"));
        assert!(alarm.annotations["runbook_url"].starts_with("https://runbooks.example/"));
        seen.insert(alarm.name.clone());
    }
    let summary = ticks
        .iter()
        .find_map(|t| firing(t, "PaymentsLatencyHigh", "payments"))
        .map(|a| a.annotations["summary"].clone())
        .unwrap();
    assert!(summary.starts_with("payments p99 latency "), "{summary}");
    assert!(seen.len() >= 6, "{seen:?}");
}

#[test]
fn firing_alarms_keep_their_start_and_rarely_change_content() {
    let ticks = run(&mut Simulator::new(Scenario::embedded().unwrap(), 3), 600);
    let mut last: BTreeMap<String, ObservedAlarm> = BTreeMap::new();
    let mut updates = 0;
    for t in &ticks {
        let mut cur = BTreeMap::new();
        for a in &t.firing {
            if let Some(prev) = last.get(a.fingerprint.as_str()) {
                assert_eq!(prev.starts_at, a.starts_at, "{}", a.name);
                if !prev.same_content(a) {
                    updates += 1;
                }
            }
            cur.insert(a.fingerprint.to_string(), a.clone());
        }
        last = cur;
    }
    // Each update is a journal row; the summaries' dead band and rate limit
    // keep them to a handful per alarm episode.
    assert!(updates < 120, "{updates} content updates in 600 ticks");
}

#[test]
fn payments_latency_fault_propagates_downstream_and_clears() {
    let mut sim = quiet_sim(11);
    let mut ticks = run(&mut sim, 20);
    assert!(
        !ticks
            .iter()
            .any(|t| is_firing(t, "PaymentsLatencyHigh", "payments"))
    );

    let id = sim.inject(SimFault {
        service: "payments".into(),
        kind: SimFaultKind::Latency { ms: 1500.0 },
    });
    assert_eq!(sim.active_faults().len(), 1);
    ticks.extend(run(&mut sim, 60));
    let pay = first_tick(&ticks, 20, |t| {
        is_firing(t, "PaymentsLatencyHigh", "payments")
    })
    .unwrap();
    let chk = first_tick(&ticks, 20, |t| is_firing(t, "ErrorRateHigh", "checkout")).unwrap();
    let gw = first_tick(&ticks, 20, |t| is_firing(t, "Gateway5xxHigh", "gateway")).unwrap();
    assert!(pay <= 20 + 15, "payments latency alarm at tick {pay}");
    assert!(
        chk <= 20 + 25 && chk >= pay,
        "checkout errors at {chk}, payments at {pay}"
    );
    assert!(gw <= 20 + 25, "gateway 5xx at {gw}");
    let metric = |t: &SimTick, id: &str| t.samples.iter().find(|(s, _)| s == id).unwrap().1;
    let last = ticks.last().unwrap();
    assert!(metric(last, "payments/latency_p99") > 1200.0);
    assert!(metric(last, "checkout/error_rate") > 3.0);
    assert!(is_firing(last, "PaymentsLatencyHigh", "payments"));

    assert!(sim.clear(id));
    assert!(sim.active_faults().is_empty());
    ticks.extend(run(&mut sim, 40));
    let watched = [
        ("PaymentsLatencyHigh", "payments"),
        ("CheckoutLatencyHigh", "checkout"),
        ("ErrorRateHigh", "checkout"),
        ("Gateway5xxHigh", "gateway"),
    ];
    let cleared = first_tick(&ticks, 80, |t| {
        watched.iter().all(|(n, s)| !is_firing(t, n, s))
    })
    .unwrap();
    assert!(
        cleared <= 80 + 30,
        "alarms still firing until tick {cleared}"
    );
    // Once cleared they stay cleared: hysteresis, not flapping.
    assert!(
        ticks[cleared..]
            .iter()
            .all(|t| watched.iter().all(|(n, s)| !is_firing(t, n, s)))
    );
    assert!(metric(ticks.last().unwrap(), "payments/latency_p99") < 300.0);
    assert_no_tick_to_tick_flapping(&ticks);
}

#[test]
fn escalation_replaces_warning_with_a_distinct_critical_alarm() {
    let mut sim = quiet_sim(2);
    sim.inject(SimFault {
        service: "payments".into(),
        kind: SimFaultKind::Latency { ms: 1500.0 },
    });
    let ticks = run(&mut sim, 60);
    let sev = |t: &SimTick| {
        t.firing
            .iter()
            .filter(|a| a.name == "PaymentsLatencyHigh")
            .map(|a| (a.severity, a.fingerprint.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(
        ticks.iter().all(|t| sev(t).len() <= 1),
        "warning and critical both firing"
    );
    let crit = ticks
        .iter()
        .flat_map(sev)
        .find(|(s, _)| *s == Severity::Critical)
        .unwrap();
    let warn = ticks
        .iter()
        .flat_map(sev)
        .find(|(s, _)| *s == Severity::Warning);
    if let Some(warn) = warn {
        assert_ne!(warn.1, crit.1);
    }
}

#[test]
fn killing_inventory_fails_it_and_its_callers() {
    let mut sim = quiet_sim(4);
    let mut ticks = run(&mut sim, 10);
    let id = sim.inject(SimFault {
        service: "inventory".into(),
        kind: SimFaultKind::Kill,
    });
    ticks.extend(run(&mut sim, 30));
    for (name, service) in [
        ("ErrorRateHigh", "inventory"),
        ("ServiceUnavailable", "inventory"),
        ("ErrorRateHigh", "checkout"),
        ("Gateway5xxHigh", "gateway"),
    ] {
        let at = first_tick(&ticks, 10, |t| is_firing(t, name, service));
        assert!(
            at.is_some_and(|at| at <= 10 + 15),
            "{name} on {service}: {at:?}"
        );
    }
    let metric = |id: &str| {
        ticks
            .last()
            .unwrap()
            .samples
            .iter()
            .find(|(s, _)| s == id)
            .unwrap()
            .1
    };
    assert!(metric("inventory/cpu") < 5.0);
    assert!(metric("inventory/error_rate") > 95.0);
    sim.clear(id);
    ticks.extend(run(&mut sim, 60));
    assert!(
        ticks
            .last()
            .unwrap()
            .firing
            .iter()
            .all(|a| a.service() != "inventory" || a.name == "DeploymentInProgress")
    );
    assert_no_tick_to_tick_flapping(&ticks);
}

#[test]
fn scripted_incident_raises_and_clears_without_injection() {
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 7);
    let ticks = run(&mut sim, 200);
    let changes: Vec<(usize, bool, String)> = ticks
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            t.incidents
                .iter()
                .map(move |c| (i + 1, c.started, c.name.clone()))
        })
        .collect();
    assert_eq!(
        changes,
        [
            (25, true, "payments latency regression".to_string()),
            (115, false, "payments latency regression".to_string()),
        ]
    );
    let pay = first_tick(&ticks, 0, |t| {
        is_firing(t, "PaymentsLatencyHigh", "payments")
    })
    .unwrap();
    let chk = first_tick(&ticks, 0, |t| is_firing(t, "ErrorRateHigh", "checkout")).unwrap();
    let gw = first_tick(&ticks, 0, |t| is_firing(t, "Gateway5xxHigh", "gateway")).unwrap();
    assert!((26..=60).contains(&pay), "payments at {pay}");
    assert!((pay..=70).contains(&chk), "checkout at {chk}");
    assert!((pay..=70).contains(&gw), "gateway at {gw}");
    let crit = ticks.iter().any(|t| {
        firing(t, "PaymentsLatencyHigh", "payments")
            .is_some_and(|a| a.severity == Severity::Critical)
    });
    assert!(crit, "payments latency never went critical");
    // Recovered well before the next incident at 265.
    for t in &ticks[150..] {
        for (n, s) in [
            ("PaymentsLatencyHigh", "payments"),
            ("ErrorRateHigh", "checkout"),
            ("Gateway5xxHigh", "gateway"),
            ("CheckoutLatencyHigh", "checkout"),
        ] {
            assert!(!is_firing(t, n, s), "{n} on {s} still firing");
        }
    }
    assert_eq!(sim.current_incident(), None);
    assert_no_tick_to_tick_flapping(&ticks);
}

#[test]
fn incidents_rotate_through_the_list() {
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 1);
    let started: Vec<String> = run(&mut sim, 1000)
        .iter()
        .flat_map(|t| {
            t.incidents
                .iter()
                .filter(|c| c.started)
                .map(|c| c.name.clone())
        })
        .collect();
    assert_eq!(
        started,
        [
            "payments latency regression",
            "inventory pod crash loop",
            "postgres connection pool saturation",
            "payments latency regression",
            "inventory pod crash loop",
        ]
    );
}

#[test]
fn flapping_warning_raises_and_clears_cleanly() {
    for seed in [1, 2, 3] {
        let ticks = run(
            &mut Simulator::new(Scenario::embedded().unwrap(), seed),
            600,
        );
        let fps: BTreeSet<String> = ticks
            .iter()
            .flat_map(|t| &t.firing)
            .filter(|a| a.name == "RedisMemoryHigh")
            .map(|a| a.fingerprint.to_string())
            .collect();
        assert_eq!(fps.len(), 1);
        let fp = fps.into_iter().next().unwrap();
        let at = transitions(&ticks).remove(&fp).unwrap();
        assert!(
            (4..=40).contains(&at.len()),
            "seed {seed}: {} transitions",
            at.len()
        );
        assert!(
            at.windows(2).all(|w| w[1] - w[0] > 1),
            "seed {seed}: {at:?}"
        );
    }
}

#[test]
fn deployments_come_and_go_at_seeded_times() {
    let starts = |seed| {
        let ticks = run(
            &mut Simulator::new(Scenario::embedded().unwrap(), seed),
            1200,
        );
        let fp = ticks
            .iter()
            .flat_map(|t| &t.firing)
            .find(|a| a.name == "DeploymentInProgress")
            .map(|a| a.fingerprint.to_string())
            .unwrap();
        transitions(&ticks).remove(&fp).unwrap()
    };
    let a = starts(1);
    assert!(a.len() >= 4, "{a:?}");
    assert_eq!(a, starts(1));
    assert_ne!(a, starts(2));
}

// ---- long run ----------------------------------------------------------------

#[test]
fn an_hour_stays_numerically_sane() {
    let mut sim = Simulator::new(Scenario::embedded().unwrap(), 1234);
    let catalog = sim.catalog();
    let ids: Vec<&str> = catalog.iter().map(|m| m.id.as_str()).collect();
    for _ in 0..3600 {
        let t = step(&mut sim);
        assert_eq!(t.samples.len(), ids.len());
        for ((id, v), want) in t.samples.iter().zip(&ids) {
            assert_eq!(id, want);
            let max = if id.ends_with("latency_p99") {
                10_000.0
            } else {
                100.0
            };
            assert!(
                v.is_finite() && (0.0..=max).contains(v),
                "tick {}: {id} = {v}",
                sim.tick()
            );
        }
        assert!(t.firing.len() < 30);
    }
    assert_eq!(sim.tick(), 3600);
}

#[test]
fn catalog_lists_every_service_and_metric() {
    let sim = Simulator::new(Scenario::embedded().unwrap(), 1);
    assert_eq!(sim.source_name(), "demo");
    let cat = sim.catalog();
    for s in sim.services() {
        for m in ["latency_p99", "error_rate", "cpu", "saturation"] {
            let id = format!("{s}/{m}");
            let meta = cat.iter().find(|c| c.id == id).unwrap();
            assert_eq!(meta.group, s);
        }
    }
    let redis = cat.iter().find(|c| c.id == "redis/saturation").unwrap();
    assert_eq!((redis.warn, redis.crit), (Some(75.0), None));
}
