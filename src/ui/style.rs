//! Styles for every element, from the theme resolved for the colour mode.
//! Built once per frame (18 colours, no per-cell work). Without colour
//! (`NO_COLOR`, `TERM=dumb`) the same elements get modifiers instead, so the
//! selection, the current tab and severe alarms stay visible.

use crate::app::{Level, State};
use crate::domain::Severity;
use crate::theme::{ColorMode, Theme};
use crate::ui::widgets::format::Level as Threshold;
use ratatui::style::{Modifier, Style};

/// WCAG's minimum contrast for text.
pub const MIN_CONTRAST: f64 = 4.5;

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

    /// Plain text on the header and status bars: the bar's own foreground
    /// (the body's text and dim colours are chosen for the body's
    /// background, not the bar's).
    pub fn bar_text(&self) -> Style {
        Style::new().fg(self.theme.header_fg)
    }

    /// A coloured chip: `color` as the background, black or white text,
    /// whichever reads better. For what must stand out on a bar whatever
    /// the bar's colour (severity counts, a source down, an error).
    pub fn chip(&self, color: ratatui::style::Color) -> Style {
        if self.mono {
            return Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        }
        Style::new()
            .fg(crate::theme::text_on(color))
            .bg(color)
            .add_modifier(Modifier::BOLD)
    }

    /// A search match in a table cell.
    pub fn search_hit(&self) -> Style {
        self.chip(self.theme.minor)
            .add_modifier(Modifier::UNDERLINED)
    }

    /// A meaningful colour (a severity, ok, a warning) on the header or
    /// status bar: as the text colour when it reads well on the bar, else
    /// as a chip. Any theme, a user's own included, stays readable.
    pub fn on_bar(&self, color: ratatui::style::Color) -> Style {
        use crate::theme::{contrast, rgb};
        match (rgb(color), rgb(self.theme.header_bg)) {
            (Some(fg), Some(bg)) if contrast(fg, bg) < MIN_CONTRAST => self.chip(color),
            _ => Style::new().fg(color),
        }
    }

    /// `style` on the highlighted row: its modifiers, the selection's
    /// colours (a severity colour on the selection's background would not
    /// be readable in every theme).
    pub fn on_selection(&self, style: Style) -> Style {
        let s = style
            .fg(self.theme.selection_fg)
            .bg(self.theme.selection_bg);
        if self.mono {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
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

    /// The theme's colour for a severity.
    pub fn theme_color(&self, sev: Severity) -> ratatui::style::Color {
        let t = &self.theme;
        match sev {
            Severity::Critical => t.critical,
            Severity::Major => t.major,
            Severity::Minor => t.minor,
            Severity::Warning => t.warning,
            Severity::Info => t.info,
        }
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

    /// The status-bar message by level (an error is a chip: it must be seen).
    pub fn bar_level(&self, level: Level) -> Style {
        match level {
            Level::Info => self.on_bar(self.theme.ok),
            Level::Warn => self.on_bar(self.theme.warning).add_modifier(Modifier::BOLD),
            Level::Error => self.chip(self.theme.error),
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
