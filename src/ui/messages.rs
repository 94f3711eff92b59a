//! What the app tells the user: the status bar shows the newest message (elided, whole on
//! hover), and every message of the run is kept for View → Messages.
//!
//! A routine message (a count the app gives on its own, such as how many predictions are
//! due when a project opens) does not take the status bar from a message said less than
//! [`HOLD`] before it: "recovered 3 unsaved changes from the crash journal", said as the
//! project opens, stays until the user has had a chance to read it. Routine messages go to
//! the log all the same.

use std::time::{Duration, Instant};

/// How many messages the log keeps.
const KEEP: usize = 500;

/// How long a message that is not routine keeps the status bar from routine ones said after
/// it.
pub const HOLD: Duration = Duration::from_secs(10);

/// A message for the status bar and the log.
#[derive(Debug, Clone)]
pub struct Message {
    /// The text.
    pub text: String,
    /// An error (shown in the error colour) or information.
    pub error: bool,
    /// When it was said.
    pub at: Instant,
    /// Said by the app on its own (a count): it does not take the status bar from a message
    /// said less than [`HOLD`] before it.
    pub routine: bool,
}

/// Every message of the run, oldest first.
#[derive(Debug)]
pub struct Messages {
    log: Vec<Message>,
    /// When the run started, for the log's times.
    started: Instant,
}

impl Default for Messages {
    fn default() -> Self {
        Self {
            log: Vec::new(),
            started: Instant::now(),
        }
    }
}

impl Messages {
    /// Adds a message.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.push(text.into(), error, false);
    }

    /// Adds a routine message (information the app gives on its own, such as a count): the
    /// status bar shows it unless another message was said less than [`HOLD`] before.
    pub fn say_routine(&mut self, text: impl Into<String>) {
        self.push(text.into(), false, true);
    }

    fn push(&mut self, text: String, error: bool, routine: bool) {
        self.log.push(Message {
            text,
            error,
            at: Instant::now(),
            routine,
        });
        if self.log.len() > KEEP {
            let extra = self.log.len() - KEEP;
            self.log.drain(..extra);
        }
    }

    /// The newest message.
    pub fn last(&self) -> Option<&Message> {
        self.log.last()
    }

    /// The message the status bar shows: the newest, unless it is routine and a message
    /// that is not was said less than [`HOLD`] before it; then that one.
    pub fn shown(&self) -> Option<&Message> {
        let last = self.log.last()?;
        if !last.routine {
            return Some(last);
        }
        let held = self
            .log
            .iter()
            .rev()
            .take_while(|m| last.at.duration_since(m.at) < HOLD)
            .find(|m| !m.routine);
        Some(held.unwrap_or(last))
    }

    /// Every message kept, oldest first.
    pub fn all(&self) -> &[Message] {
        &self.log
    }

    /// Seconds from the start of the run to a message, for the log.
    pub fn seconds(&self, message: &Message) -> f32 {
        message.at.duration_since(self.started).as_secs_f32()
    }
}

pub use crate::words::{count, plural};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest() {
        let mut messages = Messages::default();
        for i in 0..KEEP + 10 {
            messages.say(format!("m{i}"), false);
        }
        assert_eq!(messages.all().len(), KEEP);
        assert_eq!(messages.all()[0].text, "m10");
        assert_eq!(
            messages.last().map(|m| m.text.as_str()),
            Some(format!("m{}", KEEP + 9).as_str())
        );
    }

    fn shown(messages: &Messages) -> Option<&str> {
        messages.shown().map(|m| m.text.as_str())
    }

    /// Regression (QA): the crash journal's "recovered …" notice was replaced at once by the
    /// count of predictions said as the project opened, so nobody saw it.
    #[test]
    fn a_routine_message_does_not_replace_one_just_said() {
        let mut messages = Messages::default();
        messages.say("recovered 1 unsaved change from the crash journal", false);
        messages.say_routine("6 predictions, none due");
        assert_eq!(
            shown(&messages),
            Some("recovered 1 unsaved change from the crash journal")
        );
        assert_eq!(
            messages.last().map(|m| m.text.as_str()),
            Some("6 predictions, none due"),
            "the log has it"
        );
        // What the user does next is shown at once.
        messages.say("tagged Person", false);
        assert_eq!(shown(&messages), Some("tagged Person"));
    }

    #[test]
    fn a_routine_message_shows_once_the_one_before_is_old() {
        let mut messages = Messages::default();
        messages.say_routine("6 predictions, none due");
        assert_eq!(shown(&messages), Some("6 predictions, none due"));
        messages.say("an error", true);
        messages.say_routine("7 predictions, none due");
        assert_eq!(shown(&messages), Some("an error"));
        // Said long enough before.
        for m in &mut messages.log {
            if !m.routine {
                m.at -= HOLD;
            }
        }
        assert_eq!(shown(&messages), Some("7 predictions, none due"));
    }
}
