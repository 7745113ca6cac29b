//! Reports from a journal fixture: golden files (insta) of the drill
//! report (Markdown and HTML), the fault handling report and the chaos
//! drill proposal; the HTML is well-formed, asks for nothing outside
//! itself and draws every chart as inline SVG; a report rebuilds byte for
//! byte from the rows its stamp names, even after the journal grew, and
//! `cocpit report verify` catches a one-character edit. With Debian's
//! `chromium` installed (scripts/test installs it) the HTML is also opened
//! in a real headless browser and screenshotted.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::drill::payloads::*;
use cocpit::domain::{EventKind, NewEvent};
use cocpit::journal::Journal;
use cocpit::report::cli::{Env, Verdict as Check, build, check};
use cocpit::report::doc::{Format, render};
use serde_json::json;
use std::path::{Path, PathBuf};
use support::cli::cocpit;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap() + Duration::seconds(s)
}

const DRILL: &str = "d7e1c2a9";
const FP: &str = "5c0ffee5c0ffee51";

fn drill_ev(at: i64, e: DrillEvent) -> NewEvent {
    e.to_new_event(t(at), "ana@jump")
}

fn row(at: i64, actor: &str, kind: EventKind, subject: &str, p: serde_json::Value) -> NewEvent {
    NewEvent::new(t(at), actor, kind, subject, p)
}

/// A payments drill that passed and was reviewed, with the incident its
/// fault raised (acked, noted, a plan run, resolved).
fn fixture() -> Vec<NewEvent> {
    let d = DRILL.to_string();
    let phase = |at, p: Phase| {
        drill_ev(
            at,
            DrillEvent::Phase(PhaseEntered {
                drill: d.clone(),
                phase: p,
                group: None,
            }),
        )
    };
    let m = |at, what: Measure, name: &str, secs: Option<u64>| {
        drill_ev(
            at,
            DrillEvent::Measured(Measured {
                drill: d.clone(),
                what,
                name: name.into(),
                secs,
                ok: true,
                detail: String::new(),
            }),
        )
    };
    vec![
        drill_ev(
            0,
            DrillEvent::Started(Started {
                drill: d.clone(),
                scenario: "payments-latency".into(),
                title: "Payments latency regression".into(),
                commander: "ana@jump".into(),
                application: "shop".into(),
                expect: vec![ExpectSpec {
                    name: "payments slow".into(),
                    filter: "alertname=PaymentsLatencyHigh".into(),
                    within: 30,
                }],
                recovery_within: Some(110),
                ack_within: None,
                groups: 1,
                headless: false,
                owner: None,
                chaostoolkit: false,
            }),
        ),
        phase(0, Phase::Preflight),
        phase(0, Phase::SteadyBefore),
        m(1, Measure::Probe, "payments quiet", None),
        phase(2, Phase::Inject),
        row(2, "ana@jump", EventKind::FaultActive, "f1a2b3c4", json!({})),
        m(2, Measure::Fault, "f1a2b3c4", None),
        phase(2, Phase::Observe),
        row(
            8,
            "demo",
            EventKind::AlarmRaised,
            FP,
            json!({"fingerprint": FP, "name": "PaymentsLatencyHigh", "severity": "major", "source": "demo"}),
        ),
        m(8, Measure::Detected, "payments slow", Some(6)),
        row(
            8,
            "ana@jump",
            EventKind::PlanRunStarted,
            "run-ana-1",
            json!({"run": "run-ana-1", "plan": {"id": "rollback-payments"}, "alarm": FP}),
        ),
        m(8, Measure::PlanRun, "run-ana-1", Some(6)),
        row(
            20,
            "bob@jump",
            EventKind::AlarmAcked,
            FP,
            json!({"comment": "on it"}),
        ),
        row(
            25,
            "bob@jump",
            EventKind::AlarmNoteAdded,
            FP,
            json!({"text": "canary at 30%"}),
        ),
        row(
            30,
            "ana@jump",
            EventKind::PlanStepFinished,
            "run-ana-1",
            json!({"run": "run-ana-1", "at": 0, "name": "roll back", "outcome": "ok"}),
        ),
        row(
            31,
            "ana@jump",
            EventKind::PlanRunFinished,
            "run-ana-1",
            json!({"run": "run-ana-1", "outcome": {"state": "succeeded"}}),
        ),
        phase(32, Phase::Respond),
        m(33, Measure::Mitigated, "run-ana-1", Some(31)),
        phase(42, Phase::Recover),
        row(
            42,
            "ana@jump",
            EventKind::FaultRecovered,
            "f1a2b3c4",
            json!({}),
        ),
        row(
            55,
            "demo",
            EventKind::AlarmResolved,
            FP,
            json!({"reason": "no longer reported by demo"}),
        ),
        m(56, Measure::Recovered, "recovery", Some(54)),
        phase(56, Phase::SteadyAfter),
        m(57, Measure::Probe, "payments quiet", None),
        phase(57, Phase::Review),
        drill_ev(
            57,
            DrillEvent::Finished(Finished {
                drill: d.clone(),
                verdict: Verdict::Passed,
                reason: "every expectation met".into(),
                mttd: Some(6),
                mtta: Some(18),
                mttr: Some(54),
            }),
        ),
        drill_ev(
            300,
            DrillEvent::Finding(Finding {
                drill: d.clone(),
                by: "ana@jump".into(),
                text: "the alert waited 5 s for its `for:` — <fine>".into(),
            }),
        ),
        drill_ev(
            310,
            DrillEvent::Improvement(Improvement {
                drill: d.clone(),
                item: "i1a2b3c4".into(),
                title: "shorten the latency rule's for: to 2s".into(),
                owner: "bob@jump".into(),
                due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15),
                status: ItemStatus::Open,
                failure_mode: Some("payments-slow-release".into()),
                by: "ana@jump".into(),
            }),
        ),
        drill_ev(
            400,
            DrillEvent::Accepted(Accepted {
                drill: d.clone(),
                by: "carol@jump1".into(),
                comment: "targets met".into(),
            }),
        ),
    ]
}

/// A journal with the fixture, and an Env reading it (embedded scenarios
/// and plans, no directories).
fn journal() -> (tempfile::TempDir, Env) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    Journal::open(&path).unwrap().append(&fixture()).unwrap();
    let env = Env {
        journal: path,
        drill_dirs: Vec::new(),
        drills_embedded: true,
        plan_dirs: Vec::new(),
        plans_embedded: true,
        risk_dirs: Vec::new(),
        risk_embedded: true,
    };
    (dir, env)
}

fn report(env: &Env, kind: &str, args: &[&str], f: Format) -> String {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    render(&build(env, kind, &args, None).unwrap(), f)
}

#[test]
fn golden_drill_report_markdown_and_html() {
    let (_d, env) = journal();
    insta::assert_snapshot!(
        "drill_md",
        report(&env, "drill", &[DRILL], Format::Markdown)
    );
    insta::assert_snapshot!("drill_html", report(&env, "drill", &[DRILL], Format::Html));
}

#[test]
fn golden_fault_handling_report() {
    let (_d, env) = journal();
    insta::assert_snapshot!(
        "incident_md",
        report(&env, "incident", &[FP], Format::Markdown)
    );
}

#[test]
fn golden_proposal() {
    let (_d, env) = journal();
    insta::assert_snapshot!(
        "proposal_md",
        report(&env, "proposal", &["payments-latency"], Format::Markdown)
    );
}

/// Every tag closed in order (void elements aside); the number of
/// elements.
fn well_formed(html: &str) -> Result<usize, String> {
    const VOID: &[&str] = &["meta", "br", "hr", "img", "input", "link"];
    let mut stack: Vec<String> = Vec::new();
    let mut n = 0;
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("an unclosed <")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(closing) = tag.strip_prefix('/') {
            let closing: String = closing
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            match stack.pop() {
                Some(open) if open == closing => {}
                other => return Err(format!("</{closing}> closes {other:?}")),
            }
        } else if !self_closing && !VOID.contains(&name.as_str()) {
            stack.push(name);
            n += 1;
        } else {
            n += 1;
        }
    }
    if stack.is_empty() {
        Ok(n)
    } else {
        Err(format!("left open: {stack:?}"))
    }
}

#[test]
fn the_html_is_well_formed_self_contained_and_charts_are_svg() {
    let (_d, env) = journal();
    for (kind, arg) in [
        ("drill", DRILL),
        ("incident", FP),
        ("proposal", "payments-latency"),
    ] {
        let html = report(&env, kind, &[arg], Format::Html);
        well_formed(&html).unwrap_or_else(|e| panic!("{kind}: {e}"));
        for bad in ["<script", "src=", "href=", "url(", "@import", "<link"] {
            assert!(!html.contains(bad), "{kind}: {bad}");
        }
        // The one URL is the SVG namespace, which is never fetched.
        let urls = html.matches("http").count();
        let ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert_eq!(urls, ns, "{kind}: a URL besides the SVG namespace");
        assert_eq!(
            html.matches("<figure>").count(),
            html.matches("<svg ").count(),
            "{kind}: every chart is an inline svg"
        );
        assert!(html.contains("@media print"), "{kind}: a print stylesheet");
        assert!(!html.contains("<fine>"), "{kind}: journal text is escaped");
    }
    let drill = report(&env, "drill", &[DRILL], Format::Html);
    assert_eq!(drill.matches("<svg ").count(), 1, "the drill's timeline");
}

#[test]
fn a_report_rebuilds_from_its_rows_after_the_journal_grew_and_an_edit_is_caught() {
    let (_d, env) = journal();
    let html = report(&env, "drill", &[DRILL], Format::Html);
    let md = report(&env, "drill", &[DRILL], Format::Markdown);
    // Later rows about the same drill do not change what it covered.
    Journal::open(&env.journal)
        .unwrap()
        .append(&[drill_ev(
            900,
            DrillEvent::Finding(Finding {
                drill: DRILL.into(),
                by: "dan@jump".into(),
                text: "a later finding".into(),
            }),
        )])
        .unwrap();
    assert_eq!(check(&env, &html).unwrap(), Check::Unedited);
    assert_eq!(check(&env, &md).unwrap(), Check::Unedited);
    // One character: "met" → "mat".
    let edited = md.replacen("targets met", "targets mat", 1);
    assert_ne!(edited, md);
    match check(&env, &edited).unwrap() {
        Check::Edited { line } => {
            assert!(
                edited.lines().nth(line - 1).unwrap().contains("mat"),
                "line {line}"
            )
        }
        v => panic!("{v:?}"),
    }
    // A new report does show the later row.
    let now = report(&env, "drill", &[DRILL], Format::Markdown);
    assert!(now.contains("a later finding") && !md.contains("a later finding"));
}

fn cli_home(env: &Env) -> PathBuf {
    env.journal.parent().unwrap().to_path_buf()
}

#[test]
fn cocpit_report_writes_files_and_verify_says_edited_or_not() {
    let (_d, env) = journal();
    let home = cli_home(&env);
    let j = env.journal.to_str().unwrap();
    let out = home.join("drill.html");
    let o = cocpit(
        &home,
        &[
            "--journal",
            j,
            "report",
            "drill",
            DRILL,
            "--format",
            "html",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = cocpit(
        &home,
        &["--journal", j, "report", "verify", out.to_str().unwrap()],
    );
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, text.replacen("carol", "carlo", 1)).unwrap();
    let v = cocpit(
        &home,
        &["--journal", j, "report", "verify", out.to_str().unwrap()],
    );
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).contains("EDITED"));
    // Unknown drills and kinds say so and exit 2.
    let o = cocpit(&home, &["--journal", j, "report", "drill", "dnope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no drill"));
    let o = cocpit(&home, &["--journal", j, "report", "weekly"]);
    assert_eq!(o.status.code(), Some(2));
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(b))
                    .find(|c| c.is_file())
            })
        })
}

#[test]
fn the_html_opens_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on PATH (scripts/test installs Debian's chromium)");
        return;
    };
    let (_d, env) = journal();
    let home = cli_home(&env);
    let html = home.join("drill.html");
    std::fs::write(&html, report(&env, "drill", &[DRILL], Format::Html)).unwrap();
    let png = home.join("drill.png");
    let out = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1200,1600",
        ])
        .arg(format!(
            "--user-data-dir={}",
            home.join("chromium").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        png_ok(&png),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn png_ok(p: &Path) -> bool {
    std::fs::read(p).is_ok_and(|b| b.len() > 10_000 && b.starts_with(b"\x89PNG"))
}

#[test]
fn golden_risk_check_report() {
    let (_d, env) = journal();
    let md = report(&env, "risk", &[], Format::Markdown);
    // The drilled demo mode is covered by the fixture's passed drill.
    assert!(md.contains("| payments-slow-release |"), "{md}");
    insta::assert_snapshot!("risk_md", md);
}

#[test]
fn the_risk_check_says_what_changed_since_the_previous_report() {
    let (_d, env) = journal();
    let before = report(&env, "risk", &[], Format::Markdown);
    let prev = env.journal.parent().unwrap().join("risk-before.md");
    std::fs::write(&prev, &before).unwrap();
    // An incident tagged with the blind spot since: its observed
    // occurrence, so its RPN, goes up.
    let tag = cocpit::domain::risk::tags::Tagged {
        mode: "redis-latency-blind-spot".into(),
        alarm: "RedisLatencyHigh".into(),
        service: "redis".into(),
        by: "ana@jump".into(),
    };
    Journal::open(&env.journal)
        .unwrap()
        .append(&[tag.to_new_event(t(1000), "feedfacefeedface")])
        .unwrap();
    let after = report(&env, "risk", &[prev.to_str().unwrap()], Format::Markdown);
    assert!(after.contains("## What changed since row #29"), "{after}");
    let line = after
        .lines()
        .find(|l| l.contains("redis-latency-blind-spot: gaps"))
        .unwrap_or_else(|| panic!("{after}"));
    assert!(line.contains("RPN 216 →"), "{line}");
    // It verifies without the previous file: its stamp keeps the row.
    std::fs::remove_file(&prev).unwrap();
    assert_eq!(check(&env, &after).unwrap(), Check::Unedited);
}

#[test]
fn golden_monthly_report() {
    let (_d, env) = journal();
    let md = report(&env, "monthly", &["2026-11"], Format::Markdown);
    assert!(md.contains("- **Alarms raised:** 1"), "{md}");
    assert!(md.contains("| rollback-payments | 1 | 1 | 100% |"), "{md}");
    assert!(md.contains("| i1a2b3c4 |"), "the open item: {md}");
    insta::assert_snapshot!("monthly_md", md);
    // A shift of the morning: hourly buckets; nothing outside it counts.
    let shift = report(
        &env,
        "monthly",
        &["2026-11-20T08:00:00Z", "2026-11-20T09:00:05Z"],
        Format::Markdown,
    );
    assert!(shift.contains("- **Alarms raised:** 0"), "{shift}");
    assert!(shift.contains("Alarms raised per hour"), "{shift}");
}
