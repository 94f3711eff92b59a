//! The central column in the article view: the search bar and the bars above the article,
//! the article itself with everything painted over it, and the palette next to the
//! selection. This is where the app's state is split into what each of them draws.

use super::super::app::LectorApp;
use super::super::article::{Clicked, Overlay};
use super::super::command::Command;

/// The central column.
pub fn ui(ui: &mut egui::Ui, app: &mut LectorApp) -> Vec<Command> {
    let mut out = Vec::new();
    let LectorApp {
        session,
        view,
        index,
        colleagues,
        selected,
        palette,
        search,
        conflict,
        opening,
        tracking,
        suggestions,
        problems,
        ..
    } = app;
    let Some(session) = session.as_ref() else {
        ui.centered_and_justified(|ui| match &opening.dir {
            Some(dir) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Opening {}…", dir.display()));
                });
            }
            None => match &opening.failed {
                Some((dir, why)) => {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() / 3.0);
                        ui.label(egui::RichText::new(format!("{} could not be opened", dir.display())).strong());
                        ui.add(egui::Label::new(why.as_str()).wrap());
                        ui.label(
                            "Nothing in it was changed. Mend what the message names, then try again, or \
                             open another project (File, Open project…).",
                        );
                        if ui.button("Try again").clicked() {
                            out.push(Command::OpenPath(dir.clone()));
                        }
                    });
                }
                None => {
                    ui.label("Open a project (File, Open project…) or drop an article here");
                }
            },
        });
        return out;
    };
    let project = &session.store.project;
    if search.open {
        let input = super::search_bar::SearchBarInput {
            project,
            me: session.annotator(),
        };
        out.extend(super::search_bar::ui(ui, &input, search));
    }
    if let Some((dir, why)) = &opening.failed
        && dir.as_path() == session.store.root()
    {
        super::bars::reopen_failed_ui(ui, why);
    }
    if let Some(doc) = &conflict.document {
        out.extend(super::bars::conflict_ui(ui, doc));
    }
    let Some(view) = view.as_mut() else {
        ui.centered_and_justified(|ui| {
            ui.label("Add an article (File, Add articles…) or drop one here")
        });
        return out;
    };
    if session.store.edited_texts().contains(&view.document) {
        out.extend(super::bars::reanchor_ui(ui, &view.document));
    }
    let own = project
        .set(&view.document, session.annotator())
        .map(|s| s.annotations())
        .unwrap_or_default();
    // One's own file read with problems: said, with its first problem, instead of a document
    // that looks not annotated yet (the conflict bar says it when it broke under the window).
    let own_file = crate::store::set_path(&view.document, session.annotator());
    let broken = conflict.document.is_none()
        && session
            .store
            .read_only_reason(&own_file)
            .is_some_and(|why| why == crate::store::HAS_PROBLEMS);
    if broken {
        let prefix = format!("{}:", own_file.display());
        let problem = problems.iter().find_map(|p| p.strip_prefix(&prefix));
        super::bars::own_file_ui(ui, &own_file, problem);
    }
    if !broken && own.is_empty() && colleagues.shown().next().is_none() {
        let others =
            super::super::colleagues::candidates(project, &view.document, session.annotator());
        if !others.is_empty() {
            out.extend(super::bars::colleagues_hint_ui(ui, &others));
        }
    }
    let layers = colleagues.layers(project, &view.document);
    let title = project
        .document(&view.document)
        .map_or(view.document.as_str(), |d| d.meta.title.as_str())
        .to_owned();
    let overlay = Overlay {
        annotations: own,
        index,
        colleagues: &layers,
        schema: &project.schema,
        selected: selected.as_ref(),
        hits: if search.open { &search.hits } else { &[] },
        current_hit: search.current,
        cue: tracking.cue(&view.document),
        title: &title,
        suggestions: suggestions
            .document()
            .filter(|d| d.document() == view.document),
    };
    let result = view.ui(ui, &overlay);
    if index.fell_short() || colleagues.fell_short() {
        // Drawn from the first part of a big set's index (one's own or a colleague's), past
        // that part: drawn again at once (before it is shown) with the whole index, or in the
        // next frame if this one was drawn again already.
        let ctx = ui.ctx();
        ctx.request_discard("the article was drawn past the first part of its span index");
        if !ctx.will_discard() {
            ctx.request_repaint();
        }
    }
    match result.clicked {
        Some(Clicked::Annotation(super::super::selected::Selected::Own(id))) => {
            out.push(Command::Select(Some(id)));
        }
        Some(Clicked::Annotation(super::super::selected::Selected::Colleague {
            annotator,
            id,
        })) => {
            out.push(Command::SelectColleague { annotator, id });
        }
        Some(Clicked::Empty) => out.push(Command::Select(None)),
        None => {}
    }
    if let Some(palette) = palette.as_mut() {
        let anchor = view
            .char_rect(view.selection.range().1)
            .map(|r| r.right_bottom());
        out.extend(super::palette::ui(
            &ui.ctx().clone(),
            anchor,
            &project.schema.labels,
            palette,
        ));
    }
    out
}
