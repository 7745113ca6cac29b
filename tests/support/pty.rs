//! Drives the real `cocpit` binary in a pseudo-terminal and reads its screen
//! through a vt100 emulator, the way an operator's terminal would.

#![allow(dead_code)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).unwrap_or(std::num::NonZeroU16::MIN)
}

pub struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Option<Box<dyn Write + Send>>,
    master: Option<Box<dyn portable_pty::MasterPty + Send>>,
    /// Set by [`Console::hang_up`]: the reader lets go of its end too.
    hung_up: Arc<std::sync::atomic::AtomicBool>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _reader: std::thread::JoinHandle<()>,
}

impl Console {
    /// Start `cocpit ARGS` with its XDG dirs inside `home`, so nothing leaks
    /// into (or from) the real user's config, data or logs.
    pub fn start(home: &Path, args: &[&str], cols: u16, rows: u16) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cocpit"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("COCPIT_OPERATOR");
        cmd.env_remove("COCPIT_JOURNAL");
        let child = pair.slave.spawn_command(cmd).expect("spawn cocpit");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (p, r) = (parser.clone(), raw.clone());
        let hung_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = hung_up.clone();
        let reader_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        p.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
                if stop.load(std::sync::atomic::Ordering::Acquire) {
                    break;
                }
            }
        });
        Console {
            parser,
            raw,
            writer: Some(writer),
            master: Some(pair.master),
            hung_up,
            child,
            _reader: reader_thread,
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    pub fn raw_len(&self) -> usize {
        self.raw.lock().unwrap().len()
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn rows(&self) -> Vec<String> {
        let p = self.parser.lock().unwrap();
        let (_, cols) = p.screen().size();
        p.screen().rows(0, cols.get()).collect()
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn send(&mut self, bytes: &str) {
        let w = self.writer.as_mut().expect("the terminal was hung up");
        w.write_all(bytes.as_bytes()).expect("write to pty");
        w.flush().expect("flush pty");
    }

    /// Close the terminal as a dropped SSH session does: the master side
    /// goes away (the reader's end after its next read), so the console
    /// gets SIGHUP and every read and write on its terminal fails.
    pub fn hang_up(&mut self) {
        self.hung_up
            .store(true, std::sync::atomic::Ordering::Release);
        self.writer = None;
        self.master = None;
    }

    /// `(ICANON, ECHO)` of the terminal right now: both on in a shell's
    /// cooked mode, both off while a full-screen program runs.
    pub fn line_modes(&self) -> Option<(bool, bool)> {
        let fd = self.master.as_ref()?.as_raw_fd()?;
        // SAFETY: tcgetattr fills the termios we own; zeroed is a valid start.
        let t = unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            (libc::tcgetattr(fd, &mut t) == 0).then_some(t)
        }?;
        Some((t.c_lflag & libc::ICANON != 0, t.c_lflag & libc::ECHO != 0))
    }

    /// Send `sig` to the console's process.
    pub fn signal(&self, sig: i32) {
        let pid = self.pid().expect("console pid") as i32;
        // SAFETY: kill(2) with a pid we spawned.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill {sig}");
    }

    /// The exit status once the process ended: `Some(code)` for an exit,
    /// `None` when it died of a signal (an abort).
    pub fn exit_code(&mut self, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(sig) = status.signal() {
                    eprintln!("cocpit ended by a signal: {sig}");
                }
                return status.signal().is_none().then(|| status.exit_code());
            }
            if start.elapsed() > timeout {
                let stacks = self.pid().map(stacks).unwrap_or_default();
                let _ = self.child.kill();
                panic!(
                    "cocpit did not exit within {timeout:?}; screen:\n{}\nthreads:\n{stacks}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until `pred` holds for the screen, or fail with the screen shown.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                let raw = String::from_utf8_lossy(&self.raw_output()).into_owned();
                let tail: String = raw
                    .chars()
                    .rev()
                    .take(4000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                panic!(
                    "timed out after {timeout:?} waiting for {what}; screen:\n{screen}\nlast output:\n{tail:?}"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait for the process to exit; returns its exit success.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "cocpit did not exit within {timeout:?}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// Every thread's stack of a hung process, when gdb is there: what it was
/// stuck on is the one thing a timeout cannot tell.
fn stacks(pid: u32) -> String {
    std::process::Command::new("gdb")
        .args([
            "-p",
            &pid.to_string(),
            "-batch",
            "-ex",
            "thread apply all bt 25",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(no gdb: {e})"))
}
