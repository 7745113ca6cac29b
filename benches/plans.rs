//! The plan executor's cost: a plan of 100 `run: [true]` steps run by the
//! release binary (`cocpit plan run FILE --yes`, journaling every step)
//! against the same 100 commands from a shell script, in the same run:
//! process start to the first step's child running, and the per-step
//! overhead, with the journal on disk (every step's rows are committed,
//! fsync'd, before the next step starts) and on tmpfs (the executor
//! alone). Run: `cargo bench --bench plans` (`COCPIT_BENCH_RUNS`
//! sets the repetitions, default 5).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const STEPS: usize = 100;

fn bin() -> std::path::PathBuf {
    // `cargo bench` builds the release binary next to the bench.
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    dir.join("cocpit")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("COCPIT_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("hundred.yaml");
    let stamp = dir.path().join("first-step");
    // The first step notes when it ran (ns since the epoch): start of the
    // process to the first step's child running, as an operator waits.
    let mut yaml = format!(
        "id: hundred\ntitle: 100 times true\nsteps:\n  - name: stamp\n    run: [sh, -c, 'date +%s%N > {}']\n",
        stamp.display()
    );
    for i in 1..STEPS {
        yaml.push_str(&format!("  - name: step {i}\n    run: [true]\n"));
    }
    std::fs::write(&plan, yaml).expect("plan file");
    let script = dir.path().join("hundred.sh");
    // The same first step, then 99 commands.
    let mut sh = String::from("#!/bin/sh\nset -e\nsh -c 'date +%s%N > /dev/null'\n");
    for _ in 1..STEPS {
        sh.push_str("true\n");
    }
    std::fs::write(&script, sh).expect("script");
    // `true` as an external command in the shell too, as the plan runs it.
    let script_ext = dir.path().join("hundred-ext.sh");
    let mut sh = String::from("#!/bin/sh\nset -e\nsh -c 'date +%s%N > /dev/null'\n");
    for _ in 1..STEPS {
        sh.push_str("/bin/true\n");
    }
    std::fs::write(&script_ext, sh).expect("script");

    let bin = bin();
    assert!(
        bin.exists(),
        "{} missing: run `cargo bench --bench plans`",
        bin.display()
    );
    let mut plan_total = Vec::new();
    let mut plan_tmpfs = Vec::new();
    let mut first_step = Vec::new();
    let mut shell_total = Vec::new();
    let mut shell_builtin = Vec::new();
    for i in 0..runs {
        let wall0 = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let took = run_plan(
            &bin,
            dir.path(),
            &dir.path().join(format!("j{i}.db")),
            &plan,
        );
        plan_total.push(took.as_secs_f64() * 1000.0);
        first_step.push(
            std::fs::read_to_string(&stamp)
                .ok()
                .and_then(|s| s.trim().parse::<u128>().ok())
                .map_or(f64::NAN, |ns| {
                    (ns.saturating_sub(wall0.as_nanos())) as f64 / 1e6
                }),
        );
        // The same with the journal on tmpfs: what the executor costs
        // without the disk's fsync.
        if let Ok(shm) = tempfile::tempdir_in("/dev/shm") {
            let took = run_plan(&bin, dir.path(), &shm.path().join("j.db"), &plan);
            plan_tmpfs.push(took.as_secs_f64() * 1000.0);
        }

        let t0 = Instant::now();
        let ok = Command::new("/bin/sh")
            .arg(&script_ext)
            .status()
            .expect("sh");
        assert!(ok.success());
        shell_total.push(t0.elapsed().as_secs_f64() * 1000.0);
        let t0 = Instant::now();
        let ok = Command::new("/bin/sh").arg(&script).status().expect("sh");
        assert!(ok.success());
        shell_builtin.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let tm = if plan_tmpfs.is_empty() {
        f64::NAN
    } else {
        median(plan_tmpfs)
    };
    let (p, s, b, f) = (
        median(plan_total),
        median(shell_total),
        median(shell_builtin),
        median(first_step),
    );
    println!("plan of {STEPS} `run: [true]` steps, median of {runs} runs:");
    println!(
        "  cocpit plan run --yes      {p:8.1} ms total, {:.2} ms per step",
        p / STEPS as f64
    );
    println!(
        "  cocpit, journal on tmpfs   {tm:8.1} ms total, {:.2} ms per step",
        tm / STEPS as f64
    );
    println!(
        "  sh script, /bin/true       {s:8.1} ms total, {:.2} ms per step",
        s / STEPS as f64
    );
    println!("  sh script, builtin true    {b:8.1} ms total");
    println!(
        "  ratio cocpit / sh(/bin/true): {:.1}x (journal on tmpfs: {:.1}x)",
        p / s,
        tm / s
    );
    println!("  process start -> first step running: {f:.1} ms");
}

/// `cocpit plan run PLAN --yes` on a new journal; how long it took.
fn run_plan(bin: &Path, home: &Path, journal: &Path, plan: &Path) -> std::time::Duration {
    let t0 = Instant::now();
    let out = Command::new(bin)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("--journal")
        .arg(journal)
        .args(["--journal-create", "plan", "run"])
        .arg(plan)
        .arg("--yes")
        .output()
        .expect("cocpit plan run");
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "plan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}
