//! The pure part of Chaos Toolkit experiments: tolerances in every form,
//! `chaos validate`'s reasons, `${var}` substitution and configuration
//! resolution, the rollback strategy decisions, the run's sequencing with
//! a scripted executor, the journal's shape against real `chaos run`
//! journals (copied from Chaos Toolkit 1.21.4 runs into
//! `tests/fixtures/ctk/samples/`), and JUnit XML parsed back.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::domain::drill::RollbackStrategy;
use cocpit::domain::experiment::journal::{ActivityStatus, Journal, RunStatus, junit};
use cocpit::domain::experiment::run::{self, Exec, Job, Outcome, Settings, Timed};
use cocpit::domain::experiment::tolerance::{Check, evaluate};
use cocpit::domain::experiment::vars::{Overrides, Vars, resolve};
use cocpit::domain::experiment::{self as exp, Format, parse, validate};
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

fn met(tol: Value, output: Value) -> bool {
    match evaluate(&tol, &output, &Vars::default()) {
        Check::Met(m) => m,
        Check::Probe(_) => panic!("a probe tolerance"),
    }
}

fn process(status: i64, stdout: &str) -> Value {
    json!({"status": status, "stdout": stdout, "stderr": ""})
}

fn http(status: i64, body: Value) -> Value {
    json!({"status": status, "headers": {"Content-Type": "application/json"}, "body": body})
}

#[test]
fn scalar_tolerances_compare_as_chaoslib_does() {
    // int: with output.status when there is one.
    assert!(met(json!(0), process(0, "")));
    assert!(!met(json!(0), process(1, "")));
    assert!(met(json!(200), http(200, json!(null))));
    assert!(met(json!(3), json!(3.0)));
    // bool and str: the whole output.
    assert!(met(json!(true), json!(true)));
    assert!(!met(json!(true), process(0, "")));
    assert!(met(json!("up"), json!("up")));
    assert!(!met(json!("up"), process(0, "up")));
}

#[test]
fn list_tolerances_are_membership_of_the_status_else_a_range() {
    assert!(met(json!([200, 503]), http(503, json!(null))));
    assert!(!met(json!([200, 503]), http(500, json!(null))));
    // With a status, a 2-item list is still membership, not a range.
    assert!(!met(json!([0, 5]), process(3, "")));
    // Without one, a 2-item list is an inclusive range...
    assert!(met(json!([0, 5]), json!(3)));
    assert!(met(json!([0, 5]), json!(5)));
    assert!(!met(json!([0, 5]), json!(6)));
    // ...and a longer list membership.
    assert!(met(json!([1, 2, 7]), json!(7)));
    assert!(!met(json!([1, 2, 7]), json!(3)));
}

#[test]
fn regex_jsonpath_and_range_tolerances() {
    let rx = |p: &str, target: Option<&str>| {
        let mut t = json!({"type": "regex", "pattern": p});
        if let Some(target) = target {
            t["target"] = json!(target);
        }
        t
    };
    assert!(met(
        rx("heal+thy", Some("stdout")),
        process(0, "is healthy")
    ));
    assert!(!met(rx("^ready$", Some("stdout")), process(0, "starting")));
    assert!(met(rx("up", None), json!("it is up")));
    // A regex against a mapping (no target) is a miss, not a crash.
    assert!(!met(rx("up", None), process(0, "up")));

    let body = json!({"items": [{"name": "a"}, {"name": "b"}], "status": "up"});
    let jp = |extra: Value| {
        let mut t = json!({"type": "jsonpath", "path": "$.items[*].name", "target": "body"});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        t
    };
    assert!(met(jp(json!({})), http(200, body.clone())));
    assert!(met(
        jp(json!({"expect": ["a", "b"]})),
        http(200, body.clone())
    ));
    assert!(!met(
        jp(json!({"expect": ["b", "a"]})),
        http(200, body.clone())
    ));
    assert!(met(jp(json!({"count": 2})), http(200, body.clone())));
    assert!(!met(jp(json!({"count": 3})), http(200, body.clone())));
    let one = json!({"type": "jsonpath", "path": "$.status", "expect": "up", "target": "body"});
    assert!(met(one, http(200, body.clone())));
    // A text body holding JSON is parsed first.
    let text = json!({"type": "jsonpath", "path": "$.ready", "expect": true, "target": "stdout"});
    assert!(met(text, process(0, "{\"ready\": true}")));
    let none = json!({"type": "jsonpath", "path": "$.nothing", "target": "body"});
    assert!(!met(none, http(200, body)));

    let range = |r: Value, target: Option<&str>| {
        let mut t = json!({"type": "range", "range": r});
        if let Some(target) = target {
            t["target"] = json!(target);
        }
        t
    };
    assert!(met(range(json!([0, 5]), Some("status")), process(3, "")));
    assert!(!met(range(json!([0, 2]), Some("status")), process(3, "")));
    assert!(met(
        range(json!([0.5, 1.5]), Some("stdout")),
        process(0, "1.2\n")
    ));
    assert!(!met(range(json!([0, 5]), None), process(3, "")));
}

#[test]
fn a_probe_tolerance_is_run_with_the_value() {
    let tol = json!({"type": "probe", "name": "check", "provider": {"type": "process", "path": "true", "arguments": {}}});
    match evaluate(&tol, &json!(42), &Vars::default()) {
        Check::Probe(p) => assert_eq!(p["provider"]["arguments"]["value"], json!(42)),
        other => panic!("expected a probe, got {other:?}"),
    }
}

fn on_path(p: &str) -> bool {
    p != "no-such-binary"
}

fn reason(e: Value) -> String {
    validate(&e, &on_path).expect_err("invalid")
}

fn minimal() -> Value {
    json!({"title": "t", "description": "d", "method": []})
}

#[test]
fn validation_gives_chaos_validate_reasons() {
    assert!(validate(&minimal(), &on_path).is_ok());
    assert_eq!(
        reason(json!({})),
        "an empty experiment is not an experiment"
    );
    assert_eq!(
        reason(json!({"description": "d", "method": []})),
        "experiment requires a title"
    );
    assert_eq!(
        reason(json!({"title": "t", "method": []})),
        "experiment requires a description"
    );
    assert!(
        reason(json!({"title": "t", "description": "d"}))
            .starts_with("an experiment requires a method")
    );
    let mut e = minimal();
    e["steady-state-hypothesis"] = json!({"title": "h", "probes": [{"type": "probe", "name": "p", "provider": {"type": "process", "path": "true"}}]});
    assert!(reason(e).starts_with("hypothesis probe must have a tolerance entry"));
    let mut e = minimal();
    e["method"] = json!([{"ref": "nope"}]);
    assert_eq!(
        reason(e),
        "referenced activity 'nope' could not be found in the experiment"
    );
    let mut e = minimal();
    e["method"] = json!([{"type": "action", "name": "a", "provider": {"type": "process", "path": "no-such-binary"}}]);
    assert_eq!(
        reason(e),
        "path 'no-such-binary' cannot be found, in activity 'a'"
    );
    let mut e = minimal();
    e["method"] = json!([{"type": "action", "name": "py", "provider": {"type": "python", "module": "m", "func": "f"}}]);
    let r = reason(e);
    assert!(
        r.contains("'py'") && r.contains("python providers are not supported"),
        "{r}"
    );
    let mut e = minimal();
    e["method"] = json!([{"type": "action", "name": "h", "provider": {"type": "http"}}]);
    assert!(reason(e).starts_with("a HTTP activity must have a URL"));
    let mut e = minimal();
    e["steady-state-hypothesis"] = json!({"title": "h", "probes": [{"type": "probe", "name": "p", "tolerance": {"type": "regex", "pattern": "("}, "provider": {"type": "process", "path": "true"}}]});
    assert!(reason(e).contains("seems invalid"));
    let mut e = minimal();
    e["steady-state-hypothesis"] = json!({"title": "h", "probes": [{"type": "probe", "name": "p", "tolerance": {"type": "range", "range": [1]}, "provider": {"type": "process", "path": "true"}}]});
    assert!(reason(e).starts_with("hypothesis range sequence must be made of two values"));
    let mut e = minimal();
    e["method"] = json!([{"type": "action", "name": "a", "pauses": {"after": "soon"}, "provider": {"type": "process", "path": "true"}}]);
    assert!(reason(e).starts_with("activity after pause must be a number"));
}

#[test]
fn configuration_and_secrets_resolve_and_substitute() {
    let e = json!({
        "configuration": {
            "host": {"type": "env", "key": "HOST_X"},
            "port": {"type": "env", "key": "PORT_X", "env_var_type": "int"},
            "fallback": {"type": "env", "key": "UNSET_X", "default": "dflt"},
            "plain": "p"
        },
        "secrets": {"app": {"token": {"type": "env", "key": "TOKEN_X"}, "inline": "i"}}
    });
    let env: BTreeMap<String, String> = [("HOST_X", "h1"), ("PORT_X", "8080"), ("TOKEN_X", "t0k")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut over = Overrides::default();
    over.add_var("plain", "overridden");
    let vars = resolve(&e, &env, &over).expect("resolves");
    assert_eq!(vars.configuration["port"], json!(8080));
    assert_eq!(vars.configuration["fallback"], json!("dflt"));
    assert_eq!(
        vars.substitute(&json!("${port}")),
        json!(8080),
        "a lone pattern keeps its type"
    );
    assert_eq!(
        vars.substitute(&json!([
            "http://${host}:${port}/x",
            "${plain}",
            "${token}-${inline}",
            "${nope}",
            "$$5"
        ])),
        json!(["http://h1:8080/x", "overridden", "t0k-i", "${nope}", "$5"])
    );
    let missing = resolve(
        &json!({"configuration": {"x": {"type": "env", "key": "NOPE_X"}}}),
        &env,
        &Overrides::default(),
    );
    assert_eq!(
        missing.unwrap_err(),
        "Configuration makes reference to an environment key that does not exist: NOPE_X"
    );
    let missing = resolve(
        &json!({"secrets": {"s": {"x": {"type": "env", "key": "NOPE_X"}}}}),
        &env,
        &Overrides::default(),
    );
    assert!(missing.unwrap_err().starts_with("Secrets make reference"));
    // A var file's configuration, and a .env file's environment.
    let mut over = Overrides::default();
    over.add_file(&json!({"configuration": {"host": "from-file"}}))
        .unwrap();
    over.add_dotenv("# comment\nA=1\nB = two\n").unwrap();
    assert_eq!(over.env.get("A").map(String::as_str), Some("1"));
    over.add_var("undeclared", "x");
    let vars = resolve(&e, &env, &over).expect("resolves");
    assert_eq!(vars.configuration["host"], json!("from-file"));
    // As in chaoslib, overrides of undeclared keys are dropped.
    assert_eq!(
        vars.substitute(&json!("${undeclared}")),
        json!("${undeclared}")
    );
}

#[test]
fn rollback_strategies_decide_as_chaoslib() {
    use RollbackStrategy::*;
    use run::play_rollbacks as play;
    for status in [
        None,
        Some(RunStatus::Completed),
        Some(RunStatus::Failed),
        Some(RunStatus::Interrupted),
    ] {
        assert!(play(Always, status, false));
        assert!(!play(Never, status, true));
    }
    assert!(play(Default, Some(RunStatus::Completed), true));
    assert!(!play(Default, Some(RunStatus::Failed), false));
    assert!(!play(Default, Some(RunStatus::Interrupted), false));
    assert!(play(Deviated, Some(RunStatus::Completed), true));
    assert!(!play(Deviated, Some(RunStatus::Completed), false));
    // The flag beats the experiment's runtime, which beats the fallback.
    let e = json!({"runtime": {"rollbacks": {"strategy": "never"}}});
    assert_eq!(run::strategy(Some(Deviated), &e, Always).unwrap(), Deviated);
    assert_eq!(run::strategy(None, &e, Always).unwrap(), Never);
    assert_eq!(run::strategy(None, &json!({}), Always).unwrap(), Always);
    assert!(
        run::strategy(
            None,
            &json!({"runtime": {"rollbacks": {"strategy": "sometimes"}}}),
            Always
        )
        .is_err()
    );
}

/// An executor that answers from a script: activity name → outcome; a
/// signal "arrives" when the named activity runs.
struct Fake {
    t: DateTime<Utc>,
    answers: BTreeMap<String, VecDeque<Outcome>>,
    ran: Vec<String>,
    interrupt_at: Option<String>,
    signals: u32,
    absorbed: u32,
    background: Vec<(usize, Job)>,
}

impl Fake {
    fn new(answers: &[(&str, Outcome)]) -> Fake {
        let mut map: BTreeMap<String, VecDeque<Outcome>> = BTreeMap::new();
        for (k, v) in answers {
            map.entry(k.to_string()).or_default().push_back(v.clone());
        }
        Fake {
            t: Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap(),
            answers: map,
            ran: Vec::new(),
            interrupt_at: None,
            signals: 0,
            absorbed: 0,
            background: Vec::new(),
        }
    }
}

impl Exec for Fake {
    fn now(&mut self) -> DateTime<Utc> {
        self.t += Duration::milliseconds(1);
        self.t
    }
    fn execute(&mut self, a: &Value) -> Outcome {
        let name = a["name"].as_str().unwrap_or("?").to_string();
        self.ran.push(name.clone());
        if self.interrupt_at.as_deref() == Some(&name) {
            self.signals += 1;
        }
        self.answers
            .get_mut(&name)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| Outcome::ok(process(0, "")))
    }
    fn pause(&mut self, secs: f64) {
        self.t += Duration::milliseconds((secs * 1000.0) as i64);
    }
    fn interrupted(&self) -> bool {
        self.signals > self.absorbed
    }
    fn spawn(&mut self, id: usize, job: Job) {
        self.background.push((id, job));
    }
    fn join(&mut self) -> Vec<(usize, Timed)> {
        let jobs = std::mem::take(&mut self.background);
        jobs.into_iter()
            .map(|(id, j)| {
                let outcome = self.execute(&j.activity);
                let start = self.now();
                (
                    id,
                    Timed {
                        outcome,
                        start,
                        end: start,
                    },
                )
            })
            .collect()
    }
    fn progress(&mut self, p: run::Progress<'_>) {
        if let run::Progress::Stage(run::Stage::Rollbacks) = p {
            self.absorbed = self.signals;
        }
    }
}

fn experiment() -> Value {
    json!({
        "title": "t", "description": "d",
        "steady-state-hypothesis": {"title": "h", "probes": [
            {"type": "probe", "name": "p1", "tolerance": 0, "provider": {"type": "process", "path": "true"}},
            {"type": "probe", "name": "p2", "tolerance": 0, "provider": {"type": "process", "path": "true"}}
        ]},
        "method": [
            {"type": "action", "name": "a1", "provider": {"type": "process", "path": "true"}},
            {"type": "action", "name": "bg", "background": true, "provider": {"type": "process", "path": "true"}},
            {"type": "action", "name": "a2", "provider": {"type": "process", "path": "true"}},
            {"ref": "p1"}
        ],
        "rollbacks": [{"type": "action", "name": "r1", "provider": {"type": "process", "path": "true"}}]
    })
}

fn go(fake: &mut Fake, strategy: RollbackStrategy) -> Journal {
    let settings = Settings {
        strategy,
        platform: "Linux".into(),
        node: "n".into(),
    };
    run::run(&experiment(), &Vars::default(), &settings, fake)
}

#[test]
fn a_clean_run_goes_before_method_after_rollbacks() {
    let mut f = Fake::new(&[]);
    let j = go(&mut f, RollbackStrategy::Default);
    assert_eq!(
        f.ran,
        ["p1", "p2", "a1", "a2", "p1", "bg", "p1", "p2", "r1"]
    );
    assert_eq!(
        (j.status, j.deviated, j.exit_code()),
        (RunStatus::Completed, false, 0)
    );
    let names: Vec<_> = j.run.iter().map(|r| exp::name_of(&r.activity)).collect();
    assert_eq!(
        names,
        ["a1", "bg", "a2", "p1"],
        "a background activity keeps its place"
    );
    assert!(
        j.run.iter().all(|r| r.tolerance_met.is_none()),
        "only hypothesis probes carry tolerance_met"
    );
}

#[test]
fn a_miss_before_skips_the_method_and_a_miss_after_deviates() {
    let mut f = Fake::new(&[("p1", Outcome::ok(process(1, "")))]);
    let j = go(&mut f, RollbackStrategy::Default);
    assert_eq!(
        f.ran,
        ["p1", "r1"],
        "stops at the first miss, skips the method, rolls back"
    );
    assert_eq!(
        (j.status, j.deviated, j.exit_code()),
        (RunStatus::Completed, false, 0)
    );
    assert!(j.steady_states.after.is_none());

    let mut f = Fake::new(&[
        ("p2", Outcome::ok(process(0, ""))),
        ("p2", Outcome::ok(process(1, ""))),
    ]);
    let j = go(&mut f, RollbackStrategy::Default);
    assert_eq!(
        (j.status, j.deviated, j.exit_code()),
        (RunStatus::Completed, true, 1)
    );
    assert_eq!(j.rollbacks.len(), 1);

    // A probe that fails (not a miss) makes the run failed: default skips
    // the rollbacks, always plays them.
    let mut f = Fake::new(&[("p1", Outcome::failed("boom"))]);
    let j = go(&mut f, RollbackStrategy::Default);
    assert_eq!((j.status, j.exit_code()), (RunStatus::Failed, 1));
    assert_eq!(
        j.steady_states.before.as_ref().unwrap().probes[0].tolerance_met,
        Some(false)
    );
    assert!(j.rollbacks.is_empty());
    let mut f = Fake::new(&[("p1", Outcome::failed("boom"))]);
    assert_eq!(go(&mut f, RollbackStrategy::Always).rollbacks.len(), 1);
}

#[test]
fn failed_actions_do_not_fail_the_run() {
    let mut f = Fake::new(&[("a1", Outcome::failed("took too long"))]);
    let j = go(&mut f, RollbackStrategy::Default);
    assert_eq!((j.status, j.exit_code()), (RunStatus::Completed, 0));
    assert_eq!(j.run[0].status, ActivityStatus::Failed);
    assert!(j.run[0].exception.as_ref().unwrap()[0].contains("took too long"));
    assert_eq!(j.rollbacks.len(), 1);
}

#[test]
fn an_interrupted_run_still_rolls_back_with_always() {
    for (strategy, rollbacks) in [
        (RollbackStrategy::Always, 1),
        (RollbackStrategy::Default, 0),
    ] {
        let mut f = Fake::new(&[]);
        f.interrupt_at = Some("a1".into());
        let j = go(&mut f, strategy);
        assert_eq!((j.status, j.exit_code()), (RunStatus::Interrupted, 1));
        assert_eq!(j.run.len(), 1, "nothing after the interrupted activity");
        assert!(j.steady_states.after.is_none());
        assert_eq!(j.rollbacks.len(), rollbacks, "{strategy:?}");
    }
}

fn sample(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ctk/samples")
        .join(name);
    parse(&std::fs::read_to_string(&p).unwrap(), Format::of_path(name)).unwrap()
}

#[test]
fn the_shared_samples_parse_validate_and_the_journal_has_their_shape() {
    for name in ["exp-basic.json", "exp-fail.json"] {
        let e = sample(name);
        validate(&e, &|_| true).unwrap_or_else(|r| panic!("{name}: {r}"));
    }
    // A real chaos run journal reads as cocpit's journal model...
    for name in ["journal-exp-basic.json", "journal-exp-fail.json"] {
        let real = sample(name);
        let j: Journal =
            serde_json::from_value(real.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // ...and cocpit's journal writes the same keys.
        let ours = serde_json::to_value(&j).unwrap();
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let mut a = keys(&real);
        let mut b = keys(&ours);
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}");
        let probe = |v: &Value| keys(&v["steady_states"]["before"]["probes"][0]);
        let (mut a, mut b) = (probe(&real), probe(&ours));
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}");
    }
    let j: Journal = serde_json::from_value(sample("journal-exp-fail.json")).unwrap();
    assert!(j.deviated);
    assert_eq!(j.exit_code(), 1);
    // The same decisions from cocpit's runner on the sample experiment.
    let e = sample("exp-fail.json");
    let mut f = Fake::new(&[
        ("marker-file-absent", Outcome::ok(process(0, ""))),
        ("prometheus-healthy", Outcome::ok(http(200, json!("ok")))),
        ("marker-file-absent", Outcome::ok(process(1, ""))),
    ]);
    let settings = Settings {
        strategy: RollbackStrategy::Default,
        platform: "p".into(),
        node: "n".into(),
    };
    let ours = run::run(&e, &Vars::default(), &settings, &mut f);
    assert_eq!((ours.status, ours.deviated), (j.status, j.deviated));
    let probes = |j: &Journal| {
        j.steady_states
            .after
            .as_ref()
            .unwrap()
            .probes
            .iter()
            .map(|p| (exp::name_of(&p.activity), p.tolerance_met))
            .collect::<Vec<_>>()
    };
    assert_eq!(probes(&ours), probes(&j));
    assert_eq!(ours.rollbacks.len(), j.rollbacks.len());
    assert_eq!(ours.experiment["dry"], Value::Null);
}

#[test]
fn yaml_experiments_parse_like_json() {
    let y = "title: t\ndescription: d\nmethod:\n  - type: action\n    name: a\n    provider: {type: process, path: 'true', arguments: [1, x]}\n";
    let v = parse(y, Format::Yaml).unwrap();
    assert_eq!(v["method"][0]["provider"]["arguments"], json!([1, "x"]));
    assert_eq!(Format::of_path("x.YML"), Format::Yaml);
    assert!(
        parse("{", Format::Json)
            .unwrap_err()
            .starts_with("not valid JSON")
    );
}

/// Minimal XML well-formedness: balanced tags, quoted attributes, only
/// the five entities.
fn well_formed(xml: &str) -> Result<Vec<String>, String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("no declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        check_text(text)?;
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name) {
                return Err(format!("mismatched </{name}>"));
            }
            continue;
        }
        let selfclosing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag
            .split_whitespace()
            .next()
            .ok_or("empty tag")?
            .to_string();
        let attrs = &tag[name.len()..];
        if attrs.matches('"').count() % 2 != 0 || attrs.contains('<') {
            return Err(format!("bad attributes in <{name}>"));
        }
        check_text(attrs)?;
        seen.push(name.clone());
        if !selfclosing {
            stack.push(name);
        }
    }
    check_text(rest)?;
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    Ok(seen)
}

fn check_text(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(i) = rest.find('&') {
        let ent = &rest[i..];
        if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|e| ent.starts_with(e))
        {
            return Err(format!("bad entity at {ent:.10}"));
        }
        rest = &rest[i + 1..];
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err("control character".into());
    }
    Ok(())
}

#[test]
fn junit_xml_is_well_formed_with_a_case_per_activity() {
    let mut e = experiment();
    e["title"] = json!("quotes \" & <angles> \u{1b}[31m");
    e["method"][0]["name"] = json!("a1 & 'x'");
    let mut f = Fake::new(&[
        ("p2", Outcome::ok(process(0, ""))),
        ("p2", Outcome::ok(process(1, ""))),
    ]);
    let settings = Settings {
        strategy: RollbackStrategy::Always,
        platform: "p".into(),
        node: "n".into(),
    };
    let j = run::run(&e, &Vars::default(), &settings, &mut f);
    let xml = junit(&j);
    let tags = well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases = tags.iter().filter(|t| *t == "testcase").count();
    assert_eq!(
        cases,
        2 + 2 + 4 + 1,
        "probes before and after, method, rollbacks"
    );
    assert_eq!(
        tags.iter().filter(|t| *t == "failure").count(),
        1,
        "the probe that missed after"
    );
    assert!(xml.contains("tests=\"9\" failures=\"1\""));
    assert!(xml.contains("<property name=\"deviated\" value=\"true\"/>"));
}
