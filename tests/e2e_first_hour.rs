//! End to end, the first hour at the console (issue 9): the real binary in
//! a pseudo-terminal on the demo. The `:` palette runs the highlighted
//! completion; the mouse selects rows and tabs and the wheel scrolls; a new
//! critical alarm rings the terminal bell and flashes the header.

mod support;

use std::time::Duration;
use support::faults::Env;
use support::pty::Console;

const COLS: u16 = 120;
const ROWS: u16 = 40;

fn start(env: &Env, seed: &str) -> Console {
    let args = ["--journal", env.j(), "--seed", seed, "--operator", "e2e"];
    let c = Console::start(env.dir(), &args, COLS, ROWS);
    c.wait_for("alarms", Duration::from_secs(20), |s| s.contains("FIRING"));
    c
}

fn quit(mut c: Console) {
    c.send("Q");
    assert!(c.wait_exit(Duration::from_secs(15)), "clean exit");
}

/// SGR mouse report for a press (and release) of the left button at a
/// zero-based cell.
fn click(c: &mut Console, x: usize, y: usize) {
    c.send(&format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        x + 1,
        y + 1,
        x + 1,
        y + 1
    ));
}

fn wheel(c: &mut Console, up: bool, x: usize, y: usize) {
    let button = if up { 64 } else { 65 };
    c.send(&format!("\x1b[<{button};{};{}M", x + 1, y + 1));
}

#[test]
fn the_palette_runs_the_highlighted_entry() {
    let env = Env::new();
    let mut c = start(&env, "42");
    // Down twice from the top of the list (alarms, monitor, log), Enter.
    c.send(":");
    c.wait_for("the palette", Duration::from_secs(5), |s| {
        s.contains("commands")
    });
    c.send("\x1b[B");
    c.send("\x1b[B");
    c.send("\r");
    c.wait_for("the Log view", Duration::from_secs(5), |s| {
        s.contains(" Log (")
    });
    let screen = c.screen();
    assert!(!screen.contains("empty command"), "{screen}");
    quit(c);
}

#[test]
fn the_mouse_selects_rows_and_tabs_and_the_wheel_scrolls() {
    let env = Env::new();
    let mut c = start(&env, "42");
    // Mouse capture (click and wheel only) is asked for.
    let raw = String::from_utf8_lossy(&c.raw_output()).into_owned();
    assert!(raw.contains("\x1b[?1000h") && raw.contains("\x1b[?1006h"));
    c.wait_for("two alarms", Duration::from_secs(40), |s| {
        s.lines().filter(|l| l.contains("FIRING")).count() >= 2
    });
    // Click the first row that is not selected: it becomes the selected one.
    let rows = c.rows();
    let (y, line) = rows
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("FIRING") && !l.starts_with("│>"))
        .map(|(y, l)| (y, l.clone()))
        .expect("an unselected alarm row");
    let name: String = line
        .split_whitespace()
        .nth(5)
        .unwrap_or_default()
        .to_string();
    click(&mut c, 30, y);
    c.wait_for("the clicked row selected", Duration::from_secs(5), |_| {
        c.rows()
            .get(y)
            .is_some_and(|l| l.starts_with("│>") && l.contains(&name))
    });
    // A click on the `3 Log` tab switches view.
    let x = c.rows()[0].find("3 Log").expect("the Log tab");
    click(&mut c, x + 1, 0);
    c.wait_for("the Log view", Duration::from_secs(5), |s| {
        s.contains(" Log (")
    });
    // The wheel scrolls the log up: following stops.
    wheel(&mut c, true, 40, 10);
    c.wait_for("the log scrolled", Duration::from_secs(5), |s| {
        s.contains("paused (f follows)")
    });
    quit(c);
}

#[test]
fn a_new_critical_alarm_rings_the_bell_and_flashes_the_header() {
    let env = Env::new();
    let c = start(&env, "7");
    let before = c.raw_output().iter().filter(|b| **b == 0x07).count();
    // Push payments far past its critical latency from another shell.
    env.inject(&[
        "sim",
        "--target",
        "sim:payments",
        "--action",
        "latency",
        "--param",
        "ms=6000",
        "--duration",
        "40s",
    ]);
    c.wait_for("the flash", Duration::from_secs(40), |s| {
        s.lines().next().is_some_and(|l| l.contains("NEW CRITICAL"))
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let bells = c.raw_output().iter().filter(|b| **b == 0x07).count();
        if bells > before {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no bell for a new critical alarm"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = env.run(&["faults", "recover", "--all"]);
    quit(c);
}
