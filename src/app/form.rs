//! One form model for every popup that takes input: the inject form, the
//! note and silence editors, typed confirmations (and next, plan parameter
//! forms and approvals). A form is a list of fields — a one-line input, a
//! choice among options, a multi-line text — with one focus and one error;
//! the keys that move between fields, submit and cancel are the same
//! everywhere. What a submit means is the owning room's business.

use super::input::{LineInput, edit_line};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub enum Input {
    Line(LineInput),
    /// One of `options`; ←→ (or Space) change it while focused.
    Choice {
        options: Vec<&'static str>,
        index: usize,
    },
    Text(Box<TextArea<'static>>),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
}

impl Field {
    pub fn line(label: &'static str, text: &str) -> Field {
        Field {
            label,
            input: Input::Line(LineInput::with(text)),
        }
    }

    pub fn choice(label: &'static str, options: Vec<&'static str>) -> Field {
        Field {
            label,
            input: Input::Choice { options, index: 0 },
        }
    }

    pub fn text(label: &'static str, placeholder: &str) -> Field {
        let mut area = TextArea::default();
        area.set_placeholder_text(placeholder);
        Field {
            label,
            input: Input::Text(Box::new(area)),
        }
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ctrl-S anywhere, or Enter on the last one-line field.
    Submit,
    Cancel,
    /// A field's content changed.
    Edited,
    /// The focus moved, or the key meant nothing here.
    Other,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last submit was refused, shown until the next edit.
    pub error: Option<String>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form {
            fields,
            focus: 0,
            error: None,
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// The text of the one-line field `i` (empty for other kinds).
    pub fn line(&self, i: usize) -> &str {
        match self.fields.get(i).map(|f| &f.input) {
            Some(Input::Line(l)) => &l.text,
            _ => "",
        }
    }

    pub fn line_mut(&mut self, i: usize) -> Option<&mut LineInput> {
        match self.fields.get_mut(i).map(|f| &mut f.input) {
            Some(Input::Line(l)) => Some(l),
            _ => None,
        }
    }

    /// The chosen option of field `i`: (index, option).
    pub fn choice(&self, i: usize) -> Option<(usize, &'static str)> {
        match self.fields.get(i).map(|f| &f.input) {
            Some(Input::Choice { options, index }) => {
                let n = options.len().max(1);
                options.get(*index % n).map(|o| (*index % n, *o))
            }
            _ => None,
        }
    }

    pub fn text_area(&self, i: usize) -> Option<&TextArea<'static>> {
        match self.fields.get(i).map(|f| &f.input) {
            Some(Input::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// The lines of the text field `i`, joined.
    pub fn text(&self, i: usize) -> String {
        self.text_area(i)
            .map(|t| t.lines().join("\n"))
            .unwrap_or_default()
    }

    fn step_focus(&mut self, forward: bool) {
        let n = self.fields.len().max(1);
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = self.fields.len().saturating_sub(1);
        let many = self.fields.len() > 1;
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Char('s') if ctrl => return Outcome::Submit,
            KeyCode::Tab if many => {
                self.step_focus(true);
                return Outcome::Other;
            }
            KeyCode::BackTab if many => {
                self.step_focus(false);
                return Outcome::Other;
            }
            _ => {}
        }
        let focus = self.focus;
        let Some(field) = self.fields.get_mut(focus) else {
            return Outcome::Other;
        };
        match &mut field.input {
            Input::Text(area) => {
                if area.input(key) {
                    Outcome::Edited
                } else {
                    Outcome::Other
                }
            }
            Input::Choice { options, index } => {
                let n = options.len().max(1);
                match key.code {
                    KeyCode::Left => *index = (*index + n - 1) % n,
                    KeyCode::Right | KeyCode::Char(' ') => *index = (*index + 1) % n,
                    KeyCode::Enter if focus == last => return Outcome::Submit,
                    KeyCode::Down | KeyCode::Enter => {
                        self.step_focus(true);
                        return Outcome::Other;
                    }
                    KeyCode::Up => {
                        self.step_focus(false);
                        return Outcome::Other;
                    }
                    _ => return Outcome::Other,
                }
                Outcome::Edited
            }
            Input::Line(input) => match key.code {
                KeyCode::Enter if focus == last => Outcome::Submit,
                KeyCode::Down | KeyCode::Enter if many => {
                    self.step_focus(true);
                    Outcome::Other
                }
                KeyCode::Up if many => {
                    self.step_focus(false);
                    Outcome::Other
                }
                _ => {
                    if edit_line(input, key) {
                        Outcome::Edited
                    } else {
                        Outcome::Other
                    }
                }
            },
        }
    }

    /// Pasted text goes into the focused field (a line takes it on one line).
    pub fn on_paste(&mut self, text: &str) {
        let focus = self.focus;
        match self.fields.get_mut(focus).map(|f| &mut f.input) {
            Some(Input::Line(l)) => l.insert_str(text),
            Some(Input::Text(t)) => {
                t.insert_str(text);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn form() -> Form {
        Form::new(vec![
            Field::choice("provider", vec!["sim", "process"]),
            Field::line("target", "sim:payments"),
            Field::line("action", ""),
        ])
    }

    #[test]
    fn focus_moves_wrap_and_enter_submits_on_the_last_line() {
        let mut f = form();
        assert_eq!(f.on_key(key(KeyCode::Right)), Outcome::Edited);
        assert_eq!(f.choice(0), Some((1, "process")));
        assert_eq!(f.on_key(key(KeyCode::Enter)), Outcome::Other);
        assert_eq!(f.focus, 1);
        assert_eq!(f.on_key(key(KeyCode::Char('x'))), Outcome::Edited);
        assert_eq!(f.line(1), "sim:paymentsx");
        assert_eq!(f.on_key(key(KeyCode::Down)), Outcome::Other);
        assert_eq!(f.on_key(key(KeyCode::Enter)), Outcome::Submit);
        assert_eq!(f.on_key(key(KeyCode::Tab)), Outcome::Other);
        assert_eq!(f.focus, 0, "Tab wraps");
        assert_eq!(f.on_key(key(KeyCode::BackTab)), Outcome::Other);
        assert_eq!(f.focus, 2);
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(f.on_key(ctrl_s), Outcome::Submit);
        assert_eq!(f.on_key(key(KeyCode::Esc)), Outcome::Cancel);
    }

    #[test]
    fn a_lone_text_field_keeps_tab_and_enter() {
        let mut f = Form::new(vec![Field::text("note", "")]);
        f.on_key(key(KeyCode::Char('a')));
        f.on_key(key(KeyCode::Enter));
        f.on_key(key(KeyCode::Char('b')));
        assert_eq!(f.text(0), "a\nb");
        f.on_paste("c");
        assert_eq!(f.text(0), "a\nbc");
    }
}
