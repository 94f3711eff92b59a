//! Which annotation is selected: one of the annotator's own, or a colleague's (read-only).

use crate::model::{Annotation, AnnotationId, Project};

/// The selected annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    /// One of the annotator's own annotations of the open document.
    Own(AnnotationId),
    /// A colleague's annotation, shown beside one's own: read-only.
    Colleague {
        /// Whose.
        annotator: String,
        /// Which.
        id: AnnotationId,
    },
}

impl Selected {
    /// The annotation's id.
    pub fn id(&self) -> &AnnotationId {
        match self {
            Self::Own(id) | Self::Colleague { id, .. } => id,
        }
    }

    /// The annotator's own annotation, if this is one.
    pub fn own(&self) -> Option<&AnnotationId> {
        match self {
            Self::Own(id) => Some(id),
            Self::Colleague { .. } => None,
        }
    }

    /// Whose annotation it is: `me` for one's own.
    pub fn owner<'a>(&'a self, me: &'a str) -> &'a str {
        match self {
            Self::Own(_) => me,
            Self::Colleague { annotator, .. } => annotator,
        }
    }

    /// The annotation, looked up in a document of the project.
    pub fn find<'p>(
        &self,
        project: &'p Project,
        document: &str,
        me: &str,
    ) -> Option<&'p Annotation> {
        project.set(document, self.owner(me))?.get(self.id())
    }
}
