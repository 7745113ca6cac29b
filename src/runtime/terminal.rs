//! Owning the terminal: raw mode, alternate screen, bracketed paste, and
//! giving all of it back on exit, on error and on panic (a jump-host shell
//! left in raw mode is an operator's worst end of shift).

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout, Write};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Click and wheel reports only (X10/normal tracking, SGR coordinates):
/// crossterm's `EnableMouseCapture` also asks for every motion, which over
/// SSH is a stream of events nobody reads.
const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &str = "\x1b[?1006l\x1b[?1000l";

pub fn enter(mouse: bool) -> io::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    if mouse {
        let mut out = io::stdout();
        out.write_all(MOUSE_ON.as_bytes())?;
        out.flush()?;
    }
    // Clear with a plain escape: `Terminal::clear` asks the terminal for the
    // cursor position and waits for the answer, which a slow SSH link or a
    // terminal that never answers turns into a failed start.
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide,
        Clear(ClearType::All)
    )?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// A line for the operator on stderr, `cocpit: ` first. Never panics: a
/// closed terminal (a dropped SSH session) makes `eprintln!` abort.
pub fn note(line: &str) {
    let _ = writeln!(io::stderr(), "cocpit: {line}");
}

/// Whether the controlling terminal is still there: after a hang-up every
/// operation on it fails with EIO, and nothing should be written to it.
pub fn alive() -> bool {
    // SAFETY: tcgetattr only fills the struct we own; a zeroed termios is
    // a valid value to be overwritten.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(libc::STDOUT_FILENO, &mut t) == 0
    }
}

/// The terminal is gone: point stdout and stderr at `/dev/null`, so that
/// nothing written later — ours, or a library's own `eprintln!` (ratatui's
/// `Terminal` reports a cursor it cannot show on drop) — panics on the dead
/// descriptors and aborts the cleanup.
pub fn detach() {
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return;
    };
    use std::os::fd::AsRawFd;
    // SAFETY: dup2 onto the standard descriptors with a valid open fd.
    unsafe {
        libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
        libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO);
    }
}

/// Best effort: every step runs even if an earlier one fails.
pub fn restore() {
    let mut out = io::stdout();
    let _ = out.write_all(MOUSE_OFF.as_bytes());
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        previous(info);
    }));
}

/// Draw one frame inside a synchronized update, so a slow SSH link never
/// shows a half-drawn screen.
pub fn draw(term: &mut Term, f: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
    execute!(term.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = term.draw(f).map(|_| ());
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    drawn
}

/// Ring the terminal bell (BEL); the core asks for it by counting bells.
pub fn bell(term: &mut Term) -> io::Result<()> {
    let out = term.backend_mut();
    out.write_all(b"\x07")?;
    out.flush()
}
