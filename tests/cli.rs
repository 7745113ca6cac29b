//! The command line as scripts use it: `journal verify` and `journal export`
//! with `--journal` before or after the subcommand, exit codes, and clear
//! errors for bad input.

mod support;

use serde_json::json;
use support::cli::{cocpit, journal_with_events};

#[test]
fn verify_and_export_with_global_options_anywhere() {
    let home = tempfile::tempdir().unwrap();
    let j = home.path().join("j.db");
    journal_with_events(&j, 25);
    let js = j.to_str().unwrap();

    for args in [
        vec!["--journal", js, "journal", "verify"],
        vec!["journal", "verify", "--journal", js],
    ] {
        let out = cocpit(home.path(), &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("25 events"));
    }

    let out = cocpit(
        home.path(),
        &["journal", "export", "--format", "jsonl", "--journal", js],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 25);
    for key in ["kind", "actor", "subject", "payload", "ts"] {
        assert!(lines[0].get(key).is_some(), "export has {key}");
    }
    assert_eq!(lines[3]["payload"]["text"], json!(3));
    assert_eq!(lines[3]["kind"], "alarm.note_added");
}

#[test]
fn verify_fails_on_a_tampered_row_and_names_it() {
    let home = tempfile::tempdir().unwrap();
    let j = home.path().join("j.db");
    journal_with_events(&j, 10);
    {
        let db = rusqlite::Connection::open(&j).unwrap();
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in triggers {
            db.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
        }
        db.execute(
            "UPDATE events SET payload = '{\"text\":\"forged\"}' WHERE id = 7",
            [],
        )
        .unwrap();
    }
    let out = cocpit(
        home.path(),
        &["journal", "verify", "--journal", j.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("event 7"), "{stdout}");
}

#[test]
fn missing_journal_and_bad_config_are_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let out = cocpit(
        home.path(),
        &["journal", "verify", "--journal", "/nonexistent/j.db"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal at /nonexistent/j.db"));

    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "theme = \"dark\"\ncolr_mode = 3\n").unwrap();
    let out = cocpit(
        home.path(),
        &["--config", cfg.to_str().unwrap(), "journal", "verify"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("colr_mode"),
        "{err}"
    );

    let out = cocpit(
        home.path(),
        &["--color-mode", "sepia", "--journal", "/tmp/x.db"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sepia"));
}

#[test]
fn the_console_needs_a_terminal_and_writes_nothing_without_one() {
    let home = tempfile::tempdir().unwrap();
    let j = home.path().join("j.db");
    let out = cocpit(home.path(), &["--journal", j.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
    assert!(
        !j.exists(),
        "no journal created by a console that never started"
    );
}

#[test]
fn bad_live_source_settings_are_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let out = cocpit(home.path(), &["--alertmanager", "ftp://127.0.0.1:9093"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scheme"), "{err}");

    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[[alertmanager]]\nname = \"a\"\nurl = \"http://127.0.0.1:1\"\npoll = \"2s\"\n",
    )
    .unwrap();
    let out = cocpit(home.path(), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.toml") && err.contains("poll"), "{err}");
}
