//! End to end: the real console in a pseudo-terminal injects faults
//! through the Faults view (form, typed confirmation), then is killed with
//! SIGKILL. The detached watchdog recovers at the deadline with no console
//! running; a restarted console shows the fault recovered, or recovers
//! what its dead predecessor left (`orphans = "auto"`), or asks first
//! (`"ask"`, one key). A normal quit recovers the console's own faults.
//! Nothing may be left behind.

mod support;

use std::time::Duration;
use support::faults::{Env, Target, wait_for};
use support::pty::Console;

const COLS: u16 = 140;
const ROWS: u16 = 40;

fn start(env: &Env, extra: &[&str]) -> Console {
    let mut args = vec!["--journal", env.j(), "--seed", "5", "--operator", "e2e"];
    args.extend_from_slice(extra);
    let c = Console::start(env.dir(), &args, COLS, ROWS);
    c.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("1 Alarms")
    });
    c
}

/// Fill the inject form: provider (steps right from `sim`), target,
/// action, params, duration; then confirm by typing the target's name.
fn inject(
    c: &mut Console,
    provider_steps: usize,
    target: &str,
    action: &str,
    params: &str,
    duration: &str,
    name: &str,
) {
    c.send("4");
    c.send("i");
    c.wait_for("the inject form", Duration::from_secs(5), |s| {
        s.contains("Inject a fault")
    });
    c.send("\x1b[A"); // Up: the provider line
    for _ in 0..provider_steps {
        c.send("\x1b[C"); // Right
    }
    for value in [target, action, params, duration] {
        c.send("\t\x15"); // next field, Ctrl-U clears it
        c.send(value);
    }
    c.send("\t\t\r"); // guard and probe stay empty; Enter submits
    c.wait_for("the typed confirmation", Duration::from_secs(5), |s| {
        s.contains("Confirm injection")
    });
    c.send(name);
    c.send("\r");
}

fn kill9(c: &Console) {
    let pid = c.pid().expect("console pid") as i32;
    // SAFETY: SIGKILL to the console this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
}

#[test]
fn killed_console_watchdog_resumes_at_deadline_and_restart_shows_it() {
    let env = Env::new();
    let target = Target::sleep();
    let pid = target.pid().to_string();
    let mut c = start(&env, &[]);
    inject(&mut c, 1, &format!("pid:{pid}"), "pause", "", "4s", &pid);
    c.wait_for("the fault active", Duration::from_secs(10), |s| {
        s.contains(" active ")
    });
    assert_eq!(target.state(), Some('T'));
    let id = env.list()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(env.fault(&id)["owner"]["kind"], "console");

    kill9(&c);
    drop(c);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        target.state(),
        Some('T'),
        "still paused after the console died"
    );
    wait_for("the watchdog to resume it", Duration::from_secs(12), || {
        target.state() != Some('T')
    });
    let f = env.wait_state(&id, "recovered", Duration::from_secs(5));
    assert_eq!(f["owner"]["kind"], "console");

    let mut c = start(&env, &[]);
    c.send("4");
    c.wait_for("the fault shown recovered", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains(&id) && l.contains("recovered"))
    });
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)));
    env.assert_nothing_left(&[]);
}

#[test]
fn a_restarted_console_recovers_orphans_automatically() {
    let env = Env::new();
    let scratch = env.dir().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut c = start(&env, &[]);
    inject(&mut c, 2, "local", "", "percent=30", "10m", "local");
    c.wait_for("the burner active", Duration::from_secs(10), |s| {
        s.contains(" active ")
    });
    inject(
        &mut c,
        4,
        &format!("dir:{}", scratch.display()),
        "",
        "size=2M",
        "10m",
        &scratch.display().to_string(),
    );
    c.wait_for("two live faults", Duration::from_secs(10), |s| {
        s.contains("2 live")
    });
    let cpu = env
        .list()
        .into_iter()
        .find(|f| f["provider"] == "cpu")
        .expect("the cpu fault");
    let tag = format!("cocpit-{}", cpu["id"].as_str().unwrap());
    assert_eq!(
        support::faults::procs_with(&tag).len(),
        1,
        "its burner runs"
    );
    kill9(&c);
    drop(c);

    // Deadlines are 10 minutes away: only the restarted console can help now.
    let mut c = start(&env, &[]);
    c.send("4");
    c.wait_for("both recovered as orphans", Duration::from_secs(15), |s| {
        s.matches("recovered").count() >= 2 && s.contains("0 live")
    });
    let faults = env.list();
    assert!(
        faults.iter().all(|f| f["state"] == "recovered"),
        "{faults:#?}"
    );
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)));
    env.assert_nothing_left(&[&scratch]);
}

#[test]
fn orphans_ask_shows_a_banner_and_one_key_recovers() {
    let env = Env::new();
    let cfg = env.dir().join("config.toml");
    std::fs::write(&cfg, "[faults]\norphans = \"ask\"\n").unwrap();
    let c_arg = ["--config", cfg.to_str().unwrap()];
    let target = Target::sleep();
    let pid = target.pid().to_string();
    let mut c = start(&env, &c_arg);
    inject(&mut c, 1, &format!("pid:{pid}"), "pause", "", "10m", &pid);
    c.wait_for("the fault active", Duration::from_secs(10), |s| {
        s.contains(" active ")
    });
    kill9(&c);
    drop(c);

    let mut c = start(&env, &c_arg);
    c.wait_for("the orphan banner", Duration::from_secs(10), |s| {
        s.contains("left by a console that is gone")
    });
    assert_eq!(
        target.state(),
        Some('T'),
        "ask: nothing recovered before the key"
    );
    c.send("R");
    wait_for("the process resumed", Duration::from_secs(10), || {
        target.state() != Some('T')
    });
    c.wait_for("recovered on screen", Duration::from_secs(10), |s| {
        s.contains("0 live")
    });
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)));
    env.assert_nothing_left(&[]);
}

#[test]
fn quitting_recovers_this_consoles_faults_and_readonly_cannot_inject() {
    let env = Env::new();
    let target = Target::sleep();
    let pid = target.pid().to_string();
    let mut c = start(&env, &[]);
    inject(&mut c, 1, &format!("pid:{pid}"), "pause", "", "10m", &pid);
    c.wait_for("the fault active", Duration::from_secs(10), |s| {
        s.contains(" active ")
    });
    assert_eq!(target.state(), Some('T'));
    // `q` asks first, naming what will be recovered (issue 9); `y` quits.
    c.send("q");
    c.wait_for("the question", Duration::from_secs(5), |s| {
        s.contains("will be recovered") && s.contains("process pause")
    });
    assert_eq!(
        target.state(),
        Some('T'),
        "nothing recovered before the answer"
    );
    c.send("y");
    assert!(c.wait_exit(Duration::from_secs(20)), "clean exit");
    assert_ne!(target.state(), Some('T'), "resumed on exit");
    let f = &env.list()[0];
    assert_eq!(f["state"], "recovered", "{f:#}");
    drop(c);

    let mut c = start(&env, &["--readonly"]);
    c.send("4");
    c.send("i");
    c.wait_for("the refusal", Duration::from_secs(5), |s| {
        s.contains("read-only")
    });
    assert!(!c.screen().contains("Inject a fault"));
    c.send("q");
    assert!(c.wait_exit(Duration::from_secs(15)));
    env.assert_nothing_left(&[]);
}
