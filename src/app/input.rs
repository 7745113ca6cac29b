//! Text entry: the one-line prompt shared by `/` filter and `:` commands
//! (with completion), and the multi-line note editor.

use ratatui_textarea::TextArea;

/// A one-line editable buffer with a cursor (in chars).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
}

impl LineInput {
    pub fn with(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn insert(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars() {
            self.insert(if c == '\n' || c == '\t' { ' ' } else { c });
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    /// Ctrl-W: delete the word before the cursor.
    pub fn delete_word(&mut self) {
        while self.cursor > 0 && self.text.chars().nth(self.cursor - 1) == Some(' ') {
            self.backspace();
        }
        while self.cursor > 0 && self.text.chars().nth(self.cursor - 1) != Some(' ') {
            self.backspace();
        }
    }
}

/// The `n` note editor for one alarm.
#[derive(Debug, Clone)]
pub struct NoteEditor {
    pub fingerprint: String,
    pub alarm_name: String,
    pub area: TextArea<'static>,
    /// Esc on a non-empty note asks once before throwing the text away.
    pub confirm_discard: bool,
}

impl NoteEditor {
    pub fn new(fingerprint: &str, alarm_name: &str) -> NoteEditor {
        let mut area = TextArea::default();
        area.set_placeholder_text("Type the note. Ctrl-S saves, Esc cancels.");
        NoteEditor {
            fingerprint: fingerprint.to_string(),
            alarm_name: alarm_name.to_string(),
            area,
            confirm_discard: false,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n").trim_end().to_string()
    }
}
