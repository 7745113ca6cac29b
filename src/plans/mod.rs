//! STAND-IN, replaced by helper B's adapter: the plan executor's API as
//! the contract gives it (`Jobs::new`, `start`, `kill`, `kill_all`), just
//! enough for the console to run `run` and `wait` steps. Everything else
//! answers a failed outcome. The integrator takes helper B's version.

use crate::domain::plan::Secs;
use crate::domain::plan::payloads::Outcome;
use crate::domain::plan::run::{Action, At};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// One step to run.
pub struct Job {
    pub run: String,
    pub at: At,
    pub attempt: u32,
    pub action: Action,
    pub timeout: Secs,
}

#[derive(Debug, Clone, Default)]
pub struct ExecSettings {
    pub prometheus: Option<String>,
}

type Key = (String, At);

/// Running jobs, each with a way to stop it.
#[derive(Clone, Default)]
pub struct Jobs {
    #[allow(dead_code)]
    settings: Arc<ExecSettings>,
    running: Arc<Mutex<HashMap<Key, oneshot::Sender<()>>>>,
}

impl Jobs {
    pub fn new(settings: ExecSettings) -> Jobs {
        Jobs {
            settings: Arc::new(settings),
            running: Arc::default(),
        }
    }

    /// Run on the current tokio runtime; `done` gets the outcome.
    pub fn start(&self, job: Job, done: Box<dyn FnOnce(Outcome) + Send + 'static>) {
        let (stop_tx, stop_rx) = oneshot::channel();
        let key = (job.run.clone(), job.at);
        if let Ok(mut r) = self.running.lock() {
            r.insert(key.clone(), stop_tx);
        }
        let running = self.running.clone();
        tokio::spawn(async move {
            let slack = if matches!(job.action, Action::Wait) {
                5
            } else {
                0
            };
            let limit = std::time::Duration::from_secs(job.timeout.0.max(1) + slack);
            let outcome = tokio::select! {
                o = tokio::time::timeout(limit, execute(job.action, job.timeout)) => match o {
                    Ok(o) => o,
                    Err(_) => Outcome::failed(format!("timed out after {}", job.timeout)),
                },
                _ = stop_rx => Outcome::failed("killed"),
            };
            if let Ok(mut r) = running.lock() {
                r.remove(&key);
            }
            done(outcome);
        });
    }

    pub fn kill(&self, run: &str, at: At) {
        if let Ok(mut r) = self.running.lock()
            && let Some(stop) = r.remove(&(run.to_string(), at))
        {
            let _ = stop.send(());
        }
    }

    pub fn kill_all(&self) {
        if let Ok(mut r) = self.running.lock() {
            for (_, stop) in r.drain() {
                let _ = stop.send(());
            }
        }
    }
}

async fn execute(action: Action, timeout: Secs) -> Outcome {
    match action {
        Action::Wait => {
            tokio::time::sleep(std::time::Duration::from_secs(timeout.0)).await;
            Outcome::ok("")
        }
        Action::Run {
            argv,
            env,
            cwd,
            expect_exit,
        } => {
            let Some((prog, args)) = argv.split_first() else {
                return Outcome::failed("empty argv");
            };
            let mut cmd = tokio::process::Command::new(prog);
            cmd.args(args).envs(&env).kill_on_drop(true);
            cmd.stdin(std::process::Stdio::null());
            if let Some(c) = cwd {
                cmd.current_dir(c);
            }
            match cmd.output().await {
                Err(e) => Outcome::failed(format!("{prog}: {e}")),
                Ok(out) => {
                    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                    text.push_str(&String::from_utf8_lossy(&out.stderr));
                    let code = out.status.code().unwrap_or(-1);
                    let mut o = if expect_exit.accepts(code) {
                        Outcome::ok(text)
                    } else {
                        Outcome {
                            output: text,
                            ..Outcome::failed(format!("exit {code}"))
                        }
                    };
                    o.exit = Some(code);
                    o
                }
            }
        }
        other => Outcome::failed(format!(
            "{} is not run by this stand-in executor",
            other.describe()
        )),
    }
}
