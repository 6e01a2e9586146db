//! The picker as data: the filter line and its edits, which profiles match and in which order,
//! the selection and the page of rows that shows it. No terminal here, so the effect of every key
//! is unit-tested; `screen` only reads keys and draws what `lines` says.

use std::cmp::Reverse;

use inquire::Select;

use super::{Choice, Picked};
use crate::ui::printable;

/// What a key asks for (the keys themselves are mapped in `screen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Type(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Ctrl-W.
    DeleteWord,
    /// Ctrl-U.
    DeleteToStart,
    Up,
    Down,
    PageUp,
    PageDown,
    Pick,
    Cancel,
    Interrupt,
}

/// The filter line: what was typed, and the cursor as an index into its characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterLine {
    chars: Vec<char>,
    cursor: usize,
}

impl FilterLine {
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn before_cursor(&self) -> String {
        self.chars[..self.cursor].iter().collect()
    }

    /// Applies an editing action; any other action leaves the line as it is.
    pub fn edit(&mut self, action: Action) {
        let len = self.chars.len();
        match action {
            Action::Type(c) => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            Action::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            Action::Delete if self.cursor < len => {
                self.chars.remove(self.cursor);
            }
            Action::Left => self.cursor = self.cursor.saturating_sub(1),
            Action::Right => self.cursor = (self.cursor + 1).min(len),
            Action::Home => self.cursor = 0,
            Action::End => self.cursor = len,
            // As readline's Ctrl-W (unix-word-rubout): the blanks before the cursor, then the
            // word back to the previous blank, so "prod-admin" goes at once.
            Action::DeleteWord => {
                let before = &self.chars[..self.cursor];
                let blanks = before
                    .iter()
                    .rev()
                    .take_while(|c| c.is_whitespace())
                    .count();
                let word = before[..before.len() - blanks]
                    .iter()
                    .rev()
                    .take_while(|c| !c.is_whitespace())
                    .count();
                let start = self.cursor - blanks - word;
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            Action::DeleteToStart => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            _ => {}
        }
    }
}

/// The indexes of the choices that match `filter`, best first; equal scores keep config order.
/// The score is inquire's own (skim's fuzzy matcher, ignoring case, on the whole row), so the
/// list filters and orders as it did when inquire drew it.
pub fn ranked(choices: &[Choice], filter: &str) -> Vec<usize> {
    let score = Select::<Choice>::DEFAULT_SCORER;
    let mut scored: Vec<(usize, i64)> = choices
        .iter()
        .enumerate()
        .filter_map(|(i, c)| score(filter, c, &c.line, i).map(|s| (i, s)))
        .collect();
    scored.sort_by_key(|&(_, s)| Reverse(s));
    scored.into_iter().map(|(i, _)| i).collect()
}

/// The first row shown of `len`, `page` at a time, so that `selected` is on the page and the page
/// moves as little as possible from `top`.
pub fn scroll(top: usize, selected: usize, len: usize, page: usize) -> usize {
    let page = page.max(1);
    let top = top.min(len.saturating_sub(page));
    if selected < top {
        selected
    } else if selected >= top + page {
        selected + 1 - page
    } else {
        top
    }
}

/// How a line is drawn (the screen colours them, unless NO_COLOR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Filter,
    Selected,
    Row,
    Note,
}

pub const MESSAGE: &str = "? AWS profile: ";

pub struct Picker<'a> {
    choices: &'a [Choice],
    filter: FilterLine,
    /// Indexes into `choices`, best match first.
    matches: Vec<usize>,
    /// An index into `matches`.
    selected: usize,
    top: usize,
    page: usize,
}

impl<'a> Picker<'a> {
    /// All the choices, the selection on `cursor` (an index into `choices`).
    pub fn new(choices: &'a [Choice], cursor: usize, page: usize) -> Self {
        let matches = ranked(choices, "");
        let selected = matches.iter().position(|&i| i == cursor).unwrap_or(0);
        let mut picker = Picker {
            choices,
            filter: FilterLine::default(),
            matches,
            selected,
            top: 0,
            page,
        };
        picker.set_page(page);
        picker
    }

    /// The number of rows a page shows (the terminal may have been resized).
    pub fn set_page(&mut self, page: usize) {
        self.page = page.max(1);
        self.top = scroll(self.top, self.selected, self.matches.len(), self.page);
    }

    /// Applies `action`; says how the picker ended when it did.
    pub fn apply(&mut self, action: Action) -> Option<Picked> {
        let last = self.matches.len().saturating_sub(1);
        match action {
            Action::Pick => {
                // With nothing matching there is nothing to pick: Enter does nothing.
                let &i = self.matches.get(self.selected)?;
                return Some(Picked::Name(self.choices[i].name.clone()));
            }
            Action::Cancel => return Some(Picked::Canceled),
            Action::Interrupt => return Some(Picked::Interrupted),
            // Up and Down wrap around, as they did; a page stops at either end.
            Action::Up if !self.matches.is_empty() => {
                self.selected = self.selected.checked_sub(1).unwrap_or(last);
            }
            Action::Down if !self.matches.is_empty() => {
                self.selected = if self.selected >= last {
                    0
                } else {
                    self.selected + 1
                };
            }
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page),
            Action::PageDown => self.selected = (self.selected + self.page).min(last),
            edit => {
                let before = self.filter.text();
                self.filter.edit(edit);
                let text = self.filter.text();
                if text != before {
                    // A new filter starts on its best match, as inquire did.
                    self.matches = ranked(self.choices, &text);
                    self.selected = 0;
                    self.top = 0;
                }
            }
        }
        self.top = scroll(self.top, self.selected, self.matches.len(), self.page);
        None
    }

    /// The filter line up to the cursor, as drawn: the screen puts the cursor after it.
    pub fn up_to_cursor(&self) -> String {
        format!("{MESSAGE}{}", printable(&self.filter.before_cursor()))
    }

    /// What the screen shows: the filter line, a page of rows (or why there are none), and a
    /// line of help. Everything from the config or the keyboard is made printable.
    pub fn lines(&self) -> Vec<(Kind, String)> {
        let filter = self.filter.text();
        let mut lines = vec![(Kind::Filter, format!("{MESSAGE}{}", printable(&filter)))];
        if self.matches.is_empty() {
            lines.push((
                Kind::Note,
                format!("no profile matches \"{}\"", printable(&filter)),
            ));
        }
        let end = (self.top + self.page).min(self.matches.len());
        for n in self.top..end {
            let row = printable(&self.choices[self.matches[n]].line);
            lines.push(if n == self.selected {
                (Kind::Selected, format!("> {row}"))
            } else {
                (Kind::Row, format!("  {row}"))
            });
        }
        let place = if self.matches.len() > self.page {
            format!("{}-{} of {}; ", self.top + 1, end, self.matches.len())
        } else {
            String::new()
        };
        lines.push((
            Kind::Note,
            format!("[{place}↑↓ to move, enter to select, type to filter, esc to cancel]"),
        ));
        lines
    }
}

/// The line left on the terminal when the picker ends.
pub fn summary(picked: &Picked) -> String {
    match picked {
        Picked::Name(name) => format!("{MESSAGE}{}", printable(name)),
        Picked::Canceled | Picked::Interrupted => format!("{MESSAGE}<canceled>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(typed: &str, actions: &[Action]) -> (String, String) {
        let mut line = FilterLine::default();
        for c in typed.chars() {
            line.edit(Action::Type(c));
        }
        for &a in actions {
            line.edit(a);
        }
        (line.before_cursor(), line.text())
    }

    fn s(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn the_filter_line_edits_as_readline_does() {
        use Action::*;
        assert_eq!(line("prod admin", &[DeleteWord]), s("prod ", "prod "));
        assert_eq!(line("prod admin  ", &[DeleteWord]), s("prod ", "prod "));
        assert_eq!(line("prod-admin", &[DeleteWord]), s("", ""));
        assert_eq!(line("ab cd", &[Left, Left, DeleteWord]), s("", "cd"));
        assert_eq!(line("ab cd", &[Left, DeleteToStart]), s("", "d"));
        assert_eq!(line("", &[DeleteWord, DeleteToStart, Backspace]), s("", ""));
        assert_eq!(line("dev", &[Home, Type('x')]), s("x", "xdev"));
        assert_eq!(line("dev", &[Home, End, Type('x')]), s("devx", "devx"));
        assert_eq!(line("dev", &[Home, Delete, Right]), s("e", "ev"));
        assert_eq!(line("dev", &[End, Delete, Right]), s("dev", "dev"));
        assert_eq!(line("dév", &[Left, Backspace]), s("d", "dv"));
        assert_eq!(line("dev", &[Home, Left, Backspace]), s("", "dev"));
    }

    fn choice(name: &str) -> Choice {
        Choice {
            name: name.into(),
            line: format!("{name}  111111111111/Role  eu-west-1"),
        }
    }

    #[test]
    fn matching_is_inquires_fuzzy_score_best_first() {
        let choices: Vec<Choice> = ["legacy", "prod", "dev", "prod-admin"].map(choice).to_vec();
        assert_eq!(ranked(&choices, ""), [0, 1, 2, 3]);
        assert_eq!(ranked(&choices, "PROD"), [1, 3]);
        assert_eq!(ranked(&choices, "pa"), [3]);
        assert_eq!(ranked(&choices, "zzz"), Vec::<usize>::new());
        // The whole row is matched, as before: the account and the region too.
        assert_eq!(ranked(&choices, "euw").len(), 4);
    }

    #[test]
    fn the_page_scrolls_as_little_as_it_can() {
        assert_eq!(scroll(0, 0, 25, 10), 0);
        assert_eq!(scroll(0, 9, 25, 10), 0);
        assert_eq!(scroll(0, 10, 25, 10), 1);
        assert_eq!(scroll(5, 24, 25, 10), 15);
        assert_eq!(scroll(15, 14, 25, 10), 14);
        assert_eq!(scroll(15, 0, 25, 10), 0);
        assert_eq!(scroll(20, 3, 5, 10), 0);
        assert_eq!(scroll(0, 0, 0, 10), 0);
        assert_eq!(scroll(3, 3, 25, 0), 3);
    }

    fn names(picker: &Picker) -> Vec<String> {
        picker.lines().into_iter().map(|(_, l)| l).collect()
    }

    #[test]
    fn the_selection_starts_on_the_cursor_and_moves() {
        let choices: Vec<Choice> = (0..25).map(|n| choice(&format!("p{n:02}"))).collect();
        let mut picker = Picker::new(&choices, 20, 10);
        let lines = names(&picker);
        assert_eq!(lines.len(), 12, "{lines:?}");
        assert!(lines[10].starts_with("> p20 "), "{lines:?}");
        assert_eq!(
            lines[11],
            "[12-21 of 25; ↑↓ to move, enter to select, type to filter, esc to cancel]"
        );
        for _ in 0..5 {
            assert_eq!(picker.apply(Action::Down), None);
        }
        assert!(names(&picker)[1].starts_with("> p00 "), "wraps to the top");
        assert_eq!(picker.apply(Action::Up), None);
        assert_eq!(picker.apply(Action::PageUp), None);
        assert!(
            names(&picker)[1].starts_with("> p14 "),
            "{:?}",
            names(&picker)
        );
        picker.apply(Action::PageDown);
        picker.apply(Action::PageDown);
        assert_eq!(picker.apply(Action::Pick), Some(Picked::Name("p24".into())));
        assert_eq!(picker.apply(Action::Cancel), Some(Picked::Canceled));
        assert_eq!(picker.apply(Action::Interrupt), Some(Picked::Interrupted));
    }

    #[test]
    fn nothing_matching_says_so_and_enter_does_nothing() {
        let choices = vec![choice("dev"), choice("prod")];
        let mut picker = Picker::new(&choices, 1, 10);
        for c in "x\x1b[2Jq".chars() {
            picker.apply(Action::Type(c));
        }
        assert_eq!(
            names(&picker)[..2],
            [
                "? AWS profile: x\\x1b[2Jq",
                "no profile matches \"x\\x1b[2Jq\""
            ]
        );
        for a in [Action::Pick, Action::Up, Action::Down, Action::PageDown] {
            assert_eq!(picker.apply(a), None);
        }
        picker.apply(Action::DeleteToStart);
        picker.apply(Action::Type('d'));
        assert_eq!(picker.up_to_cursor(), "? AWS profile: d");
        assert!(names(&picker)[1].starts_with("> dev "));
        assert_eq!(picker.apply(Action::Pick), Some(Picked::Name("dev".into())));
    }

    #[test]
    fn the_summary_is_printable() {
        assert_eq!(
            summary(&Picked::Name("a\x07".into())),
            "? AWS profile: a\\x07"
        );
        assert_eq!(summary(&Picked::Interrupted), "? AWS profile: <canceled>");
    }
}
