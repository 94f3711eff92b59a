//! Who is annotating: asked on the first run (no cancel: the name is needed), and from
//! Edit → Switch annotator, which says what switching means and can be cancelled, so that a
//! colleague's files are never edited by accident.

use crate::ui::command::Command;
use crate::ui::theme::Theme;

/// The name prompt's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatorPrompt {
    /// What is typed.
    pub name: String,
    /// Who annotates now; `None` on the first run (nothing to cancel to).
    pub current: Option<String>,
    /// Who has annotation files in the project (switching to one of them edits their files).
    pub existing: Vec<String>,
}

/// The prompt of the first run.
pub fn first_run() -> super::Dialog {
    super::Dialog::Annotator(AnnotatorPrompt {
        name: default_annotator(),
        current: None,
        existing: Vec::new(),
    })
}

/// The prompt of Edit → Switch annotator; `existing` are the annotators with files in the
/// project.
pub fn switch(current: &str, existing: Vec<String>) -> AnnotatorPrompt {
    AnnotatorPrompt {
        name: String::new(),
        current: Some(current.to_owned()),
        existing,
    }
}

/// The login name, as a first guess.
fn default_annotator() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    if crate::model::project::is_safe_name(&name) {
        name
    } else {
        String::new()
    }
}

/// The dialog. Returns the command it makes when confirmed, and whether it closes.
pub fn ui(ctx: &egui::Context, prompt: &mut AnnotatorPrompt) -> (Option<Command>, bool) {
    let mut done = None;
    let mut cancel = false;
    egui::Modal::new(egui::Id::unique("name-prompt")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        let theme = Theme::of(ui);
        match &prompt.current {
            None => {
                ui.heading("Who is annotating?");
                ui.add(
                    egui::Label::new(
                        "Your name goes on every annotation you make, in a file of your own \
                         (annotations/<name>/…), so colleagues never overwrite each other.",
                    )
                    .wrap(),
                );
            }
            Some(current) => {
                ui.heading("Switch annotator");
                ui.add(
                    egui::Label::new(format!(
                        "You annotate as {current}. From now on your changes go into the \
                         files of the name below; {current}'s files stay as they are. Switch \
                         only if that name is yours: to see a colleague's labels, show them \
                         beside yours in the documents panel instead."
                    ))
                    .wrap(),
                );
            }
        }
        let edit = ui
            .horizontal(|ui| {
                let label = ui.label("Your name");
                ui.add(
                    egui::TextEdit::singleline(&mut prompt.name)
                        .hint_text("e.g. anna")
                        .id_salt("annotator-name"),
                )
                .labelled_by(label.id)
            })
            .inner;
        super::focus_once(ui, &edit);
        let name = prompt.name.trim();
        let problem = crate::model::project::annotator_name_problem(name);
        let same = prompt.current.as_deref() == Some(name);
        let valid = problem.is_none() && !same;
        if let Some(problem) = problem.filter(|_| !name.is_empty()) {
            ui.add(egui::Label::new(egui::RichText::new(problem).color(theme.error())).wrap());
        } else if !same && prompt.existing.iter().any(|e| e == name) {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        "{name} has annotations in this project: after switching you edit \
                         {name}'s files. Is that you?"
                    ))
                    .color(theme.warning()),
                )
                .wrap(),
            );
        }
        ui.horizontal(|ui| {
            let start = if prompt.current.is_some() {
                "Switch"
            } else {
                "Start"
            };
            if ui.add_enabled(valid, egui::Button::new(start)).clicked()
                || (valid && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            {
                done = Some(name.to_owned());
            }
            if prompt.current.is_some()
                && (ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)))
            {
                cancel = true;
            }
        });
    });
    match done {
        Some(name) => (Some(Command::SetAnnotator(name)), true),
        None => (None, cancel),
    }
}
