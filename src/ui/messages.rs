//! What the app tells the user: the status bar shows the newest message (elided, whole on
//! hover), and every message of the run is kept for View → Messages.

use std::time::Instant;

/// How many messages the log keeps.
const KEEP: usize = 500;

/// A message for the status bar and the log.
#[derive(Debug, Clone)]
pub struct Message {
    /// The text.
    pub text: String,
    /// An error (shown in the error colour) or information.
    pub error: bool,
    /// When it was said.
    pub at: Instant,
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
        self.log.push(Message {
            text: text.into(),
            error,
            at: Instant::now(),
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
}
