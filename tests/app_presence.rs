//! Who is at a console, driven by messages: `operator.joined` rows fill the
//! list, the core asks every few seconds whether those consoles (and the
//! owners of live faults) still run, and the ingest leader journals the
//! departure of a console whose process is gone and takes its faults as
//! orphans; a follower leaves that to the leader.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cocpit::app::presence::{Liveness, Of};
use cocpit::app::{Effect, Msg};
use cocpit::domain::event::{OperatorSession, payload};
use cocpit::domain::{EventKind, NewEvent};
use support::console::Console;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::seconds(s)
}

fn joined(name: &str, pid: u32) -> NewEvent {
    NewEvent::new(
        t(0),
        name,
        EventKind::OperatorJoined,
        name,
        payload(&OperatorSession {
            mode: "DEMO".into(),
            pid,
            version: "0".into(),
            host: "jump1".into(),
            start: 77,
            reason: None,
        }),
    )
}

fn asked(fx: &[Effect]) -> Vec<(String, Of, u32)> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::Liveness(ps) => ps
                .iter()
                .map(|p| (p.key.clone(), p.of, p.owner.pid))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn the_core_asks_about_other_consoles_every_few_seconds() {
    let mut c = Console::demo("alice", false, t(0));
    c.journal(vec![
        joined("alice", 10),
        joined("bob", 20),
        joined("old", 0),
    ]);
    assert_eq!(c.state.operators.len(), 3);
    let fx = c.send(Msg::Tick);
    // Not itself, and not a console from a version that did not say its pid.
    assert_eq!(asked(&fx), [("bob".to_string(), Of::Console, 20)]);
    c.now = t(2);
    assert!(asked(&c.send(Msg::Tick)).is_empty(), "not again within 5 s");
    c.now = t(5);
    assert_eq!(asked(&c.send(Msg::Tick)).len(), 1);
}

#[test]
fn the_leader_journals_a_gone_console_and_a_follower_waits_for_it() {
    let gone = Liveness {
        consoles_gone: vec!["bob".into()],
        fault_owners_gone: Vec::new(),
    };
    let mut follower = Console::demo("alice", false, t(0));
    follower.journal(vec![joined("bob", 20)]);
    assert!(follower.send(Msg::Liveness(gone.clone())).is_empty());
    assert_eq!(
        follower.state.operators.len(),
        1,
        "the leader's row removes bob, not a guess"
    );

    let mut leader = Console::demo("alice", false, t(0));
    leader.send(Msg::IngestRole { leader: true });
    leader.journal(vec![joined("bob", 20)]);
    let fx = leader.send(Msg::Liveness(gone));
    let rest = leader.perform(fx);
    assert!(rest.is_empty(), "{rest:?}");
    let left: Vec<_> = leader
        .journal
        .rows
        .iter()
        .filter(|r| r.kind == "operator.left")
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].subject, "bob");
    assert_eq!(left[0].payload["reason"], "process gone");
    assert_eq!(leader.state.operators.len(), 0, "gone once the row is back");
}
