//! The panels around the article: menu, status bar, documents, annotation list, search,
//! palette and dialogs.

use egui::{Align2, Color32, RichText};

use super::app::{Command, LectorApp, PathPurpose};
use super::{color, shorten};
use crate::model::Status;
use crate::session::Edit;

/// Every shortcut, for the help overlay (F1).
pub const SHORTCUTS: &[(&str, &str)] = &[
    (
        "drag, double-click, Shift+click",
        "select text (snaps to words; View, Snap to words)",
    ),
    (
        "arrows, Ctrl+arrows, Home/End",
        "move the caret; with Shift, extend the selection",
    ),
    (
        "label hotkey",
        "tag the selection; on a selected annotation, change its label",
    ),
    (
        "Enter",
        "open the label palette next to the selection (type to filter)",
    ),
    (
        "+",
        "add the selection as a further fragment of the selected annotation",
    ),
    (
        "click a highlight",
        "select that annotation; click again for the one beneath",
    ),
    ("Tab / Shift+Tab", "next / previous annotation"),
    ("Delete", "delete the selected annotation"),
    (
        "Ctrl+Z / Ctrl+Shift+Z",
        "undo / redo (per document, every change)",
    ),
    ("Ctrl+F", "search; Enter / Shift+Enter for next / previous"),
    (
        "Ctrl+S",
        "save now (Lector also saves by itself after each change)",
    ),
    ("Ctrl+plus / Ctrl+minus / Ctrl+0", "zoom the article"),
    (
        "Alt+Down / Alt+Up",
        "review mode: next / previous disagreement",
    ),
    (
        "1-9, 0, =",
        "review mode: take that annotator's version, neither, all",
    ),
    ("Escape", "clear the selection, close search or this help"),
    ("F1", "this help"),
];

pub fn top_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New project…").clicked() {
                    super::dialogs::ask_path(app, PathPurpose::New, String::new());
                }
                if ui.button("Open project…").clicked() {
                    super::dialogs::ask_path(app, PathPurpose::Open, String::new());
                }
                if ui
                    .add_enabled(app.session.is_some(), egui::Button::new("Add articles…"))
                    .clicked()
                {
                    super::dialogs::ask_path(app, PathPurpose::Add, String::new());
                }
                if ui
                    .add_enabled(app.session.is_some(), egui::Button::new("Export…"))
                    .clicked()
                {
                    let format = crate::formats::Format::Jsonl;
                    let input = app.session.as_ref().map_or_else(String::new, |s| {
                        s.store
                            .root()
                            .join(format!("export.{}", format.extension()))
                            .display()
                            .to_string()
                    });
                    super::dialogs::ask_path(app, PathPurpose::Export(format), input);
                }
                if ui
                    .add_enabled(app.session.is_some(), egui::Button::new("Import…"))
                    .clicked()
                {
                    let purpose = PathPurpose::Import(crate::formats::Format::Jsonl);
                    super::dialogs::ask_path(app, purpose, String::new());
                }
                ui.menu_button("Open recent", |ui| {
                    for path in app.prefs.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            app.commands.push(Command::OpenPath(path));
                        }
                    }
                });
                ui.separator();
                if ui
                    .add(egui::Button::new("Save").shortcut_text("Ctrl+S"))
                    .clicked()
                {
                    app.commands.push(Command::Save);
                }
                super::team::file_menu_ui(app, ui);
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("Edit", |ui| {
                if ui
                    .add(egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    app.commands.push(Command::Undo);
                }
                if ui
                    .add(egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z"))
                    .clicked()
                {
                    app.commands.push(Command::Redo);
                }
                if ui
                    .add(egui::Button::new("Find").shortcut_text("Ctrl+F"))
                    .clicked()
                {
                    app.search.open = true;
                    app.search.focus = true;
                }
                if ui.button("Switch annotator…").clicked() {
                    app.name_prompt = Some(app.prefs.annotator.clone());
                }
            });
            ui.menu_button("Review", |ui| {
                if ui
                    .add_enabled(
                        app.view.is_some() && app.review.is_none(),
                        egui::Button::new("Review colleagues…"),
                    )
                    .clicked()
                {
                    super::review::open_picker(app);
                }
                if ui
                    .add_enabled(app.review.is_some(), egui::Button::new("Finish review"))
                    .clicked()
                {
                    app.commands.push(Command::FinishReview);
                }
            });
            ui.menu_button("View", |ui| {
                ui.checkbox(&mut app.prefs.dark, "Dark theme");
                if ui
                    .checkbox(&mut app.prefs.snap_to_words, "Snap to words")
                    .changed()
                    && let Some(view) = &mut app.view
                {
                    view.snap_to_words = app.prefs.snap_to_words;
                }
                if ui.button("Zoom in").clicked() {
                    app.prefs.zoom = (app.prefs.zoom * 1.1).min(3.0);
                }
                if ui.button("Zoom out").clicked() {
                    app.prefs.zoom = (app.prefs.zoom / 1.1).max(0.5);
                }
            });
            ui.menu_button("Help", |ui| {
                if ui
                    .add(egui::Button::new("Shortcuts").shortcut_text("F1"))
                    .clicked()
                {
                    app.help_open = true;
                }
            });
            if app.session.is_some() {
                super::tracking::tabs_ui(app, ui);
            }
        });
    });
}

pub fn status_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let name = if app.prefs.annotator.is_empty() {
                "(no name)".to_owned()
            } else {
                app.prefs.annotator.clone()
            };
            if ui
                .link(format!("Annotator {name}"))
                .on_hover_text("Switch annotator")
                .clicked()
            {
                app.name_prompt = Some(app.prefs.annotator.clone());
            }
            ui.separator();
            for job in &app.jobs {
                ui.spinner();
                ui.label(format!(
                    "{}… {:.0} s",
                    job.what,
                    job.started.elapsed().as_secs_f32()
                ));
                ui.separator();
            }
            super::team::status_ui(app, ui);
            super::tracking::status_ui(app, ui);
            match &app.session {
                Some(session) if session.is_saving() => {
                    ui.label(RichText::new("saving…").color(Color32::from_rgb(200, 120, 0)));
                }
                Some(session) if session.is_dirty() => {
                    ui.label(
                        RichText::new("• unsaved changes").color(Color32::from_rgb(200, 120, 0)),
                    );
                }
                Some(_) => {
                    ui.label(RichText::new("✔ saved").color(Color32::from_rgb(40, 150, 60)));
                }
                None => {}
            }
            if let (Some(session), Some(doc)) = (&app.session, app.document()) {
                if let Some(reason) = session.read_only_reason(doc) {
                    ui.separator();
                    ui.label(RichText::new("read-only").color(Color32::RED))
                        .on_hover_text(reason);
                }
                ui.separator();
                ui.label(format!("{} annotations", app.annotations().len()));
                if let Some(view) = &app.view {
                    let (s, e) = view.selection.range();
                    ui.separator();
                    ui.label(if s == e {
                        format!("caret {s}")
                    } else {
                        format!("selection {s}–{e} ({} chars)", e.0 - s.0)
                    });
                }
            }
            if let Some(m) = app.messages.last() {
                ui.separator();
                let text = RichText::new(&m.text);
                ui.label(if m.error {
                    text.color(Color32::from_rgb(200, 30, 30))
                } else {
                    text
                });
            }
        });
    });
}

pub fn documents_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    if app.tracking.mode != super::tracking::Mode::Article {
        // The project-wide views filter by document themselves and need the width.
        return;
    }
    egui::Panel::left("documents")
        .default_size(220.0)
        .show(ui, |ui| {
            let Some(session) = &app.session else {
                ui.label("No project open");
                return;
            };
            let project = &session.store.project;
            ui.heading(&project.name);
            ui.label(
                RichText::new(session.store.root().display().to_string())
                    .small()
                    .weak(),
            );
            ui.separator();
            let current = app.document().map(str::to_owned);
            let me = session.annotator().to_owned();
            let annotators = project.annotators();
            egui::ScrollArea::vertical()
                .id_salt("documents")
                .max_height(ui.available_height() - 120.0)
                .show(ui, |ui| {
                    for doc in &project.documents {
                        let mine = project
                            .set(&doc.meta.id, &me)
                            .map_or(Status::NotStarted, |s| s.status);
                        let selected = current.as_deref() == Some(doc.meta.id.as_str());
                        let title =
                            format!("{} {}", status_icon(mine), shorten(&doc.meta.title, 60));
                        if ui
                            .selectable_label(selected, title)
                            .on_hover_text(format!(
                                "{}\nyou: {}",
                                doc.meta.source_file,
                                mine.name()
                            ))
                            .clicked()
                        {
                            app.commands
                                .push(Command::OpenDocument(doc.meta.id.clone()));
                        }
                        let others: Vec<String> = annotators
                            .iter()
                            .filter(|a| **a != me)
                            .filter_map(|a| {
                                project
                                    .set(&doc.meta.id, a)
                                    .map(|s| format!("{} {a}", status_icon(s.status)))
                            })
                            .collect();
                        if !others.is_empty() {
                            ui.label(RichText::new(others.join("  ")).small().weak());
                        }
                    }
                });
            if let Some(doc) = &current {
                ui.separator();
                let mine = project
                    .set(doc, &me)
                    .map_or(Status::NotStarted, |s| s.status);
                ui.horizontal(|ui| {
                    let label = ui.label("My status");
                    egui::ComboBox::from_id_salt("status")
                        .selected_text(mine.name())
                        .show_ui(ui, |ui| {
                            for status in [Status::NotStarted, Status::InProgress, Status::Done] {
                                if ui.selectable_label(mine == status, status.name()).clicked()
                                    && mine != status
                                {
                                    app.commands
                                        .push(Command::Edit(vec![Edit::SetStatus(status)]));
                                }
                            }
                        })
                        .response
                        .labelled_by(label.id);
                });
                if let Some(doc) = project.document(doc) {
                    super::tracking::published_ui(
                        ui,
                        &mut app.tracking,
                        &mut app.commands,
                        &doc.meta,
                    );
                }
            }
            if !app.problems.is_empty() {
                ui.separator();
                ui.collapsing(
                    RichText::new(format!("⚠ {} problems", app.problems.len()))
                        .color(Color32::from_rgb(200, 30, 30)),
                    |ui| {
                        egui::ScrollArea::vertical()
                            .id_salt("problems")
                            .max_height(200.0)
                            .show(ui, |ui| {
                                for p in &app.problems {
                                    ui.label(RichText::new(p).small());
                                }
                            });
                    },
                );
            }
        });
}

fn status_icon(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "·",
        Status::InProgress => "•",
        Status::Done => "✔",
    }
}

pub fn side_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    if super::tracking::side_ui(app, ui) {
        return;
    }
    if app.review.is_some() {
        // Review mode: the disagreements above, the inspector of the reviewed set below.
        egui::Panel::right("side")
            .default_size(380.0)
            .show(ui, |ui| {
                egui::Panel::bottom("review-inspector")
                    .resizable(true)
                    .default_size(ui.available_height() * 0.3)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical()
                            .id_salt("inspector")
                            .show(ui, |ui| super::inspector::inspector_ui(app, ui));
                    });
                egui::CentralPanel::default().show(ui, |ui| super::review::panel_ui(app, ui));
            });
        return;
    }
    egui::Panel::right("side")
        .default_size(330.0)
        .show(ui, |ui| {
            egui::Panel::bottom("list")
                .resizable(true)
                .default_size(ui.available_height() * 0.5)
                .show(ui, |ui| {
                    annotation_list_ui(app, ui);
                });
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("inspector")
                    .show(ui, |ui| {
                        super::inspector::inspector_ui(app, ui);
                    });
            });
        });
}

fn annotation_list_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    let Some(session) = &app.session else { return };
    let Some(view) = &app.view else { return };
    let schema = &session.store.project.schema;
    ui.horizontal(|ui| {
        ui.strong("Annotations");
        egui::ComboBox::from_id_salt("list-label")
            .selected_text(
                app.list_label
                    .clone()
                    .unwrap_or_else(|| "all labels".into()),
            )
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(app.list_label.is_none(), "all labels")
                    .clicked()
                {
                    app.list_label = None;
                }
                for l in &schema.labels {
                    if ui
                        .selectable_label(app.list_label.as_deref() == Some(&l.name), &l.name)
                        .clicked()
                    {
                        app.list_label = Some(l.name.clone());
                    }
                }
            })
            .response
            .accessible_name("Show annotations with label");
    });
    ui.add(
        egui::TextEdit::singleline(&mut app.list_filter)
            .hint_text("filter by text")
            .desired_width(f32::INFINITY),
    );
    let annotations = session
        .store
        .project
        .set(&view.document, session.annotator())
        .map_or(&[][..], |s| s.annotations());
    // Filtering 100k annotations by their text every frame would cost milliseconds: the rows
    // are kept until the annotations or the filters change.
    let key = (
        view.document.clone(),
        session.revision(),
        app.list_filter.clone(),
        app.list_label.clone(),
    );
    if app.list_rows.0 != key {
        let filter = app.list_filter.to_lowercase();
        let rows = annotations
            .iter()
            .enumerate()
            .filter(|(_, a)| app.list_label.as_ref().is_none_or(|l| &a.label == l))
            .filter(|(_, a)| {
                filter.is_empty() || a.covered_text(view.text()).to_lowercase().contains(&filter)
            })
            .map(|(i, _)| i)
            .collect();
        app.list_rows = (key, rows);
    }
    let rows = &app.list_rows.1;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("annotation-list")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &i in &rows[range] {
                let a = &annotations[i];
                let c = schema
                    .label(&a.label)
                    .map_or(Color32::GRAY, |l| color(l.color));
                let selected = app.selected.as_ref() == Some(&a.id);
                ui.horizontal(|ui| {
                    ui.label(RichText::new("•").color(c));
                    let text = format!(
                        "{} · {}",
                        a.label,
                        shorten(&a.covered_text(view.text()), 48)
                    );
                    if ui.selectable_label(selected, text).clicked() {
                        clicked = Some(a.id.clone());
                    }
                });
            }
        });
    if let Some(id) = clicked {
        app.commands.push(Command::Select(Some(id)));
    }
}

pub fn search_ui(app: &mut LectorApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let label = ui.label("Find");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut app.search.query)
                    .hint_text("text to find")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        if app.search.focus {
            edit.request_focus();
            app.search.focus = false;
        }
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let back = ui.input(|i| i.modifiers.shift);
            app.step_hit(!back);
            edit.request_focus();
        }
        if edit.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            app.search.open = false;
        }
        let n = app.search.hits.len();
        ui.label(match app.search.current {
            Some(c) if n > 0 => format!("{} of {n}", c + 1),
            _ if app.search.query.is_empty() => String::new(),
            _ => "no hits".to_owned(),
        });
        if ui
            .button("◀")
            .on_hover_text("Previous (Shift+Enter)")
            .clicked()
        {
            app.step_hit(false);
        }
        if ui.button("▶").on_hover_text("Next (Enter)").clicked() {
            app.step_hit(true);
        }
        ui.separator();
        let labels: Vec<String> = app
            .session
            .as_ref()
            .map(|s| {
                s.store
                    .project
                    .schema
                    .labels
                    .iter()
                    .map(|l| l.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if app.search.label.is_empty() {
            app.search.label = labels.first().cloned().unwrap_or_default();
        }
        egui::ComboBox::from_id_salt("tag-all-label")
            .selected_text(app.search.label.clone())
            .show_ui(ui, |ui| {
                for l in labels {
                    let selected = app.search.label == l;
                    if ui.selectable_label(selected, &l).clicked() {
                        app.search.label = l;
                    }
                }
            })
            .response
            .accessible_name("Label for tagging all hits");
        if ui
            .add_enabled(n > 0, egui::Button::new(format!("Tag all {n} hits")))
            .clicked()
        {
            app.commands
                .push(Command::TagAllHits(app.search.label.clone()));
        }
        if ui.button("✖").on_hover_text("Close (Escape)").clicked() {
            app.search.open = false;
        }
    });
    ui.separator();
}

pub fn conflict_ui(app: &mut LectorApp, ui: &mut egui::Ui, doc: &str) {
    egui::Frame::new().fill(Color32::from_rgb(255, 235, 200)).inner_margin(8.0).show(ui, |ui| {
        ui.label(RichText::new(format!(
            "Your file for “{doc}” changed on disk (another Lector, a command, git) and cannot be read to merge your changes into it (the status bar says where). Your changes are kept, not saved."
        )).color(Color32::BLACK));
        ui.horizontal(|ui| {
            if ui.button("Reload from disk (drop my unsaved changes)").clicked() {
                app.commands.push(Command::ReloadFromDisk);
            }
            if ui.button("Keep mine (overwrite the file)").clicked() {
                app.commands.push(Command::OverwriteDisk);
            }
        });
    });
}

/// Above an article whose text was corrected after it was annotated: offers to place the
/// annotations again on the new text.
pub fn reanchor_bar_ui(app: &mut LectorApp, ui: &mut egui::Ui, doc: &str) {
    egui::Frame::new().fill(Color32::from_rgb(255, 235, 200)).inner_margin(8.0).show(ui, |ui| {
        ui.label(RichText::new(
            "This article's text was changed after it was annotated, so the annotations may point at the wrong words; they are read-only until they are placed again on the new text (by what they quote and the text around them; those that cannot be placed are kept and listed)."
        ).color(Color32::BLACK));
        if ui.button("Re-anchor annotations to the new text").clicked() {
            app.commands.push(Command::Reanchor(doc.to_owned()));
        }
    });
}

pub fn palette_ui(app: &mut LectorApp, ctx: &egui::Context, anchor: Option<egui::Pos2>) {
    let Some(session) = &app.session else { return };
    let labels = &session.store.project.schema.labels;
    let Some(palette) = &mut app.palette else {
        return;
    };
    let filter = palette.filter.to_lowercase();
    let matching: Vec<&crate::model::Label> = labels
        .iter()
        .filter(|l| l.name.to_lowercase().contains(&filter))
        .collect();
    let mut chosen = None;
    let mut close = false;
    egui::Area::new(egui::Id::unique("palette"))
        .order(egui::Order::Foreground)
        .fixed_pos(anchor.unwrap_or(egui::pos2(300.0, 200.0)))
        .pivot(Align2::LEFT_TOP)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_min_width(220.0);
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut palette.filter)
                        .hint_text("label…")
                        .id_salt("palette-filter"),
                );
                focus_once(ui, &edit);
                ui.input(|i| {
                    if i.key_pressed(egui::Key::ArrowDown) {
                        palette.highlighted += 1;
                    }
                    if i.key_pressed(egui::Key::ArrowUp) {
                        palette.highlighted = palette.highlighted.saturating_sub(1);
                    }
                    if i.key_pressed(egui::Key::Escape) {
                        close = true;
                    }
                });
                palette.highlighted = palette.highlighted.min(matching.len().saturating_sub(1));
                if ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    chosen = matching.get(palette.highlighted).map(|l| l.name.clone());
                }
                for (k, l) in matching.iter().enumerate() {
                    let key = l.hotkey.map(|h| format!("  [{h}]")).unwrap_or_default();
                    let text = RichText::new(format!("• {}{key}", l.name)).color(color(l.color));
                    if ui
                        .selectable_label(k == palette.highlighted, text)
                        .on_hover_text(&l.help)
                        .clicked()
                    {
                        chosen = Some(l.name.clone());
                    }
                }
            });
        });
    if let Some(label) = chosen {
        app.commands.push(Command::TagSelection(label));
        app.palette = None;
    } else if close {
        app.palette = None;
    }
}

pub fn dialogs_ui(app: &mut LectorApp, ctx: &egui::Context) {
    if app.help_open {
        let mut open = true;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.strong(*keys);
                        ui.label(*what);
                        ui.end_row();
                    }
                    if let Some(session) = &app.session {
                        for l in &session.store.project.schema.labels {
                            if let Some(h) = l.hotkey {
                                ui.strong(h.to_string());
                                ui.label(format!("tag as {}", l.name));
                                ui.end_row();
                            }
                        }
                    }
                });
            });
        app.help_open = open;
    }
    if let Some(name) = &mut app.name_prompt {
        let mut done = None;
        egui::Modal::new(egui::Id::unique("name-prompt")).show(ctx, |ui| {
            ui.heading("Who is annotating?");
            ui.label("Your name goes on every annotation you make, in a file of your own (annotations/<name>/…), so colleagues never overwrite each other.");
            let edit = ui
                .horizontal(|ui| {
                    let label = ui.label("Your name");
                    ui.add(egui::TextEdit::singleline(name).hint_text("e.g. anna").id_salt("annotator-name")).labelled_by(label.id)
                })
                .inner;
            focus_once(ui, &edit);
            let problem = crate::model::project::annotator_name_problem(name.trim());
            let valid = problem.is_none();
            if let Some(problem) = problem.filter(|_| !name.is_empty()) {
                ui.colored_label(Color32::RED, problem);
            }
            if ui.add_enabled(valid, egui::Button::new("Start")).clicked() || (valid && ui.input(|i| i.key_pressed(egui::Key::Enter))) {
                done = Some(name.trim().to_owned());
            }
        });
        if let Some(name) = done {
            app.name_prompt = None;
            app.commands.push(Command::SetAnnotator(name));
        }
    }
    super::review::picker_ui(app, ctx);
    if let Some(prompt) = &mut app.path_prompt {
        let (title, hint) = match prompt.purpose {
            PathPurpose::Open => (
                "Open project",
                "project folder, or an article to make a project for",
            ),
            PathPurpose::New => ("New project", "folder for the new project"),
            PathPurpose::Export(_) => (
                "Export",
                "file to write (a new folder for brat, xmi and label-studio)",
            ),
            PathPurpose::Import(_) => (
                "Import annotations",
                "file to read (a folder for brat, xmi, label-studio); they become yours, one undo step per document",
            ),
            PathPurpose::ProjectFor(_) => (
                "Where should the project for this article go?",
                "folder for the project; its parent is remembered for the next article",
            ),
            PathPurpose::Add => (
                "Add articles",
                "article files (.txt, .md, .html, .pdf, .docx), one per line",
            ),
        };
        let mut result = None;
        let mut cancel = false;
        egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
            ui.heading(title);
            if let PathPurpose::Export(format) = &mut prompt.purpose {
                let label = ui.label("Format");
                let before = *format;
                egui::ComboBox::from_id_salt("export-format")
                    .selected_text(format.name())
                    .show_ui(ui, |ui| {
                        for f in crate::formats::Format::ALL {
                            ui.selectable_value(format, f, f.name());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if *format != before {
                    // Keep the file name in step with the format.
                    let path = std::path::Path::new(prompt.input.trim());
                    let renamed = if format.is_folder() {
                        path.with_extension("")
                    } else {
                        path.with_extension(format.extension())
                    };
                    prompt.input = renamed.display().to_string();
                }
            }
            if let PathPurpose::Import(format) = &mut prompt.purpose {
                let label = ui.label("Format");
                egui::ComboBox::from_id_salt("import-format")
                    .selected_text(format.name())
                    .show_ui(ui, |ui| {
                        for f in crate::formats::Format::ALL {
                            if f.can_import() {
                                ui.selectable_value(format, f, f.name());
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            ui.label("Type or paste a path (files can also be dropped on the window)");
            let edit = if prompt.purpose == PathPurpose::Add {
                ui.add(
                    egui::TextEdit::multiline(&mut prompt.input)
                        .hint_text(hint)
                        .desired_rows(3)
                        .id_salt("path-input"),
                )
            } else {
                ui.add(
                    egui::TextEdit::singleline(&mut prompt.input)
                        .hint_text(hint)
                        .id_salt("path-input"),
                )
            };
            focus_once(ui, &edit);
            super::dialogs::browse_button_ui(&mut app.dialogs, ui, prompt);
            ui.horizontal(|ui| {
                if ui.button("OK").clicked()
                    || (prompt.purpose != PathPurpose::Add
                        && ui.input(|i| i.key_pressed(egui::Key::Enter)))
                {
                    result = Some(prompt.input.trim().to_owned());
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    cancel = true;
                }
            });
        });
        let purpose = prompt.purpose.clone();
        if let Some(input) = result.filter(|s| !s.is_empty()) {
            app.path_prompt = None;
            let path = std::path::PathBuf::from(&input);
            app.commands.push(match purpose {
                PathPurpose::Open => Command::OpenPath(path),
                PathPurpose::New => Command::NewProject(path),
                PathPurpose::ProjectFor(article) => Command::ProjectFor { article, dir: path },
                PathPurpose::Export(format) => Command::Export { format, out: path },
                PathPurpose::Import(format) => Command::Import { format, path },
                PathPurpose::Add => Command::AddArticles(
                    input
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(Into::into)
                        .collect(),
                ),
            });
        } else if cancel {
            app.path_prompt = None;
        }
    }
}

/// Gives a dialog's text field the keyboard focus when nothing else has it. Requesting focus
/// every frame would make eframe repaint forever.
fn focus_once(ui: &egui::Ui, edit: &egui::Response) {
    if ui.memory(|m| m.focused().is_none()) {
        edit.request_focus();
    }
}
