//! What the benchmarks that run the whole app on a headless egui context share
//! (`predictions_view`, `inspector`).

#![allow(dead_code, reason = "each benchmark uses some of it")]

use std::time::Duration;

use egui::{Event, RawInput, Rect};

/// One frame's input: a 1600 × 1000 point screen at `time` seconds, with `events`.
pub fn input(time: f64, events: Vec<Event>) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 1000.0),
        )),
        time: Some(time),
        events,
        ..RawInput::default()
    }
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
