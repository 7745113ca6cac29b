//! Styles for every element, from the theme resolved for the colour mode.
//! Built once per frame (18 colours, no per-cell work). Without colour
//! (`NO_COLOR`, `TERM=dumb`) the same elements get modifiers instead, so the
//! selection, the current tab and severe alarms stay visible.

use crate::app::{Level, State};
use crate::domain::Severity;
use crate::theme::{ColorMode, Theme};
use crate::ui::widgets::format::Level as Threshold;
use ratatui::style::{Modifier, Style};

pub struct Styles {
    pub theme: Theme,
    /// No colours at all: lean on bold / reversed / dim.
    pub mono: bool,
}

impl Styles {
    pub fn new(state: &State) -> Styles {
        Styles::for_theme(state.theme(), state.color_mode)
    }

    pub fn for_theme(theme: &Theme, mode: ColorMode) -> Styles {
        Styles {
            theme: theme.resolved(mode),
            mono: mode == ColorMode::None,
        }
    }

    /// Whole-screen base: the theme's text on its background.
    pub fn base(&self) -> Style {
        Style::new().fg(self.theme.fg).bg(self.theme.bg)
    }

    pub fn text(&self) -> Style {
        Style::new().fg(self.theme.fg)
    }

    pub fn dim(&self) -> Style {
        let s = Style::new().fg(self.theme.dim);
        if self.mono {
            s.add_modifier(Modifier::DIM)
        } else {
            s
        }
    }

    pub fn accent(&self) -> Style {
        Style::new().fg(self.theme.accent)
    }

    pub fn border(&self) -> Style {
        Style::new().fg(self.theme.border)
    }

    /// Block titles.
    pub fn title(&self) -> Style {
        Style::new()
            .fg(self.theme.accent)
            .add_modifier(Modifier::BOLD)
    }

    /// Column headings.
    pub fn heading(&self) -> Style {
        Style::new()
            .fg(self.theme.fg)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn header_bar(&self) -> Style {
        Style::new()
            .fg(self.theme.header_fg)
            .bg(self.theme.header_bg)
    }

    /// The highlighted row, tab or list item.
    pub fn selected(&self) -> Style {
        let s = Style::new()
            .fg(self.theme.selection_fg)
            .bg(self.theme.selection_bg);
        if self.mono {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn tab_active(&self) -> Style {
        self.selected().add_modifier(Modifier::BOLD)
    }

    pub fn severity(&self, sev: Severity) -> Style {
        let t = &self.theme;
        let (fg, modifier) = match sev {
            Severity::Critical => (t.critical, Modifier::BOLD),
            Severity::Major => (t.major, Modifier::BOLD),
            Severity::Minor => (t.minor, Modifier::empty()),
            Severity::Warning => (t.warning, Modifier::empty()),
            Severity::Info => (t.info, Modifier::empty()),
        };
        let s = Style::new().fg(fg).add_modifier(modifier);
        if self.mono && sev == Severity::Critical {
            // Without colour, critical must still jump out of the table.
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn ok(&self) -> Style {
        Style::new().fg(self.theme.ok)
    }

    pub fn warning(&self) -> Style {
        Style::new().fg(self.theme.warning)
    }

    pub fn error(&self) -> Style {
        Style::new()
            .fg(self.theme.error)
            .add_modifier(Modifier::BOLD)
    }

    pub fn acked(&self) -> Style {
        let s = Style::new().fg(self.theme.acked);
        if self.mono {
            s.add_modifier(Modifier::DIM)
        } else {
            s
        }
    }

    /// The status-bar message by level.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => self.ok(),
            Level::Warn => self.warning().add_modifier(Modifier::BOLD),
            Level::Error => self.error(),
        }
    }

    /// A metric value by where it sits against its thresholds.
    pub fn threshold(&self, level: Threshold) -> Style {
        match level {
            Threshold::Ok => self.ok(),
            Threshold::Warn => self.warning().add_modifier(Modifier::BOLD),
            Threshold::Crit => self.severity(Severity::Critical),
        }
    }
}
