//! The picker on the terminal: keys read in raw mode, frames drawn on stderr (stdout carries the
//! shell code), and the terminal put back however the picker ends.

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{MoveToColumn, MoveUp};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::Stylize;
use crossterm::terminal::{self, Clear, ClearType, DisableLineWrap, EnableLineWrap};
use crossterm::{execute, queue};

use super::model::{Action, Kind, Picker, summary};
use super::{Choice, Picked};

/// Rows on a page, at most (fewer on a short terminal).
const PAGE: usize = 10;

/// The action a key asks for. A Ctrl or Alt chord never types its letter: the ones readline
/// users expect edit or move, the others do nothing.
pub fn action(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Char(c) if ctrl && !alt => match c.to_ascii_lowercase() {
            'c' => Action::Interrupt,
            'w' => Action::DeleteWord,
            'u' => Action::DeleteToStart,
            'a' => Action::Home,
            'e' => Action::End,
            'b' => Action::Left,
            'f' => Action::Right,
            'h' => Action::Backspace,
            'd' => Action::Delete,
            'p' => Action::Up,
            'n' => Action::Down,
            _ => return None,
        },
        KeyCode::Char(_) if ctrl || alt => return None,
        KeyCode::Char(c) if !c.is_control() => Action::Type(c),
        KeyCode::Backspace if ctrl || alt => Action::DeleteWord,
        KeyCode::Backspace => Action::Backspace,
        KeyCode::Delete => Action::Delete,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Enter => Action::Pick,
        KeyCode::Esc => Action::Cancel,
        _ => return None,
    })
}

/// Whether the terminal is ours (raw, lines not wrapped): read by the panic hook.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back, once: from the guard's `Drop` (every return, `?` included), and from
/// the panic hook, since release builds abort on a panic and run no `Drop`.
fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(io::stderr(), EnableLineWrap);
        let _ = terminal::disable_raw_mode();
    }
}

struct RawMode;

impl RawMode {
    fn enter() -> io::Result<RawMode> {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = RawMode;
        // Unwrapped lines keep one row a line, so a redraw knows how far up the frame starts.
        execute!(io::stderr(), DisableLineWrap)?;
        Ok(guard)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

fn page() -> usize {
    let rows = terminal::size().map_or(PAGE + 2, |(_, rows)| usize::from(rows));
    rows.saturating_sub(3).clamp(1, PAGE)
}

fn styled(out: &mut Vec<u8>, kind: Kind, text: &str, color: bool) -> io::Result<()> {
    if !color {
        return out.write_all(text.as_bytes());
    }
    match kind {
        Kind::Filter => match text.split_at_checked(1) {
            Some((mark, rest)) => write!(out, "{}{rest}", mark.green()),
            None => out.write_all(text.as_bytes()),
        },
        Kind::Selected => write!(out, "{}", text.cyan()),
        Kind::Row => out.write_all(text.as_bytes()),
        Kind::Note => write!(out, "{}", text.dark_grey()),
    }
}

/// Draws the frame from the filter line down, over the last one, and leaves the cursor on the
/// filter line where the typing goes. The text before the cursor is written a second time to get
/// there, so no character's width is ever computed.
fn draw(err: &mut impl Write, picker: &Picker, color: bool) -> io::Result<()> {
    let mut out = Vec::new();
    queue!(out, MoveToColumn(0), Clear(ClearType::FromCursorDown))?;
    let lines = picker.lines();
    for (n, (kind, text)) in lines.iter().enumerate() {
        if n > 0 {
            out.write_all(b"\r\n")?;
        }
        styled(&mut out, *kind, text, color)?;
    }
    if let Some(below) = u16::try_from(lines.len() - 1).ok().filter(|&n| n > 0) {
        queue!(out, MoveUp(below))?;
    }
    queue!(out, MoveToColumn(0))?;
    styled(&mut out, Kind::Filter, &picker.up_to_cursor(), color)?;
    err.write_all(&out)?;
    err.flush()
}

/// Runs the picker until a profile is picked, or Escape or Ctrl-C; the frame is then replaced
/// by one line saying what was picked.
pub fn run(choices: &[Choice], cursor: usize, color: bool) -> io::Result<Picked> {
    let mut err = io::stderr().lock();
    let _raw = RawMode::enter()?;
    let mut picker = Picker::new(choices, cursor, page());
    loop {
        picker.set_page(page());
        draw(&mut err, &picker, color)?;
        // A resize or a key that means nothing: draw again and wait for the next.
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let Some(picked) = action(key).and_then(|a| picker.apply(a)) else {
            continue;
        };
        let mut out = Vec::new();
        queue!(out, MoveToColumn(0), Clear(ClearType::FromCursorDown))?;
        styled(&mut out, Kind::Filter, &summary(&picked), color)?;
        out.write_all(b"\r\n")?;
        err.write_all(&out)?;
        err.flush()?;
        return Ok(picked);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Option<Action> {
        action(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn chords_edit_or_do_nothing_and_never_type() {
        let ctrl = KeyModifiers::CONTROL;
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char('w'), ctrl), Some(Action::DeleteWord));
        assert_eq!(key(KeyCode::Char('u'), ctrl), Some(Action::DeleteToStart));
        assert_eq!(key(KeyCode::Char('a'), ctrl), Some(Action::Home));
        assert_eq!(key(KeyCode::Char('e'), ctrl), Some(Action::End));
        assert_eq!(key(KeyCode::Char('p'), ctrl), Some(Action::Up));
        assert_eq!(key(KeyCode::Char('n'), ctrl), Some(Action::Down));
        assert_eq!(key(KeyCode::Char('c'), ctrl), Some(Action::Interrupt));
        assert_eq!(key(KeyCode::Char('x'), ctrl), None);
        assert_eq!(key(KeyCode::Char('w'), KeyModifiers::ALT), None);
        assert_eq!(key(KeyCode::Char('w'), none), Some(Action::Type('w')));
        assert_eq!(
            key(KeyCode::Char('W'), KeyModifiers::SHIFT),
            Some(Action::Type('W'))
        );
        assert_eq!(key(KeyCode::Char('\x1b'), none), None);
        assert_eq!(key(KeyCode::Esc, none), Some(Action::Cancel));
        assert_eq!(key(KeyCode::Enter, none), Some(Action::Pick));
        assert_eq!(key(KeyCode::Tab, none), None);
    }
}
