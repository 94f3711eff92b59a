//! A small arena tree for html5ever to build: nodes in one `Vec`, addressed by index.
//!
//! html5ever only tokenises and runs the WHATWG tree-construction rules; where the nodes go is
//! up to a [`TreeSink`]. html5ever's own `markup5ever_rcdom` is published as "unsupported, for
//! tests" and brings `xml5ever` along, so Lector keeps this one: the extraction only reads the
//! finished tree, and an index-based tree needs no `Rc` or `RefCell` once parsing is done.

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Instant;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink as _};
use html5ever::{Attribute, QualName, ns};

use super::limits::{CHUNK_BYTES, HtmlError, MAX_DEPTH, MAX_PARSE_TIME};

/// A node's place in [`Dom::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// The document node, always the first.
pub const DOCUMENT: NodeId = NodeId(0);

/// What a node is.
#[derive(Debug)]
pub enum NodeData {
    /// The document, or a template's contents.
    Document,
    /// An element.
    Element {
        /// Namespace and local name.
        name: QualName,
        /// Attributes as written.
        attrs: Vec<Attribute>,
        /// A `<template>`'s contents, kept apart from its children as the spec says.
        template_contents: Option<NodeId>,
        /// Whether html5ever flagged it as a MathML annotation-xml integration point.
        mathml_annotation_xml_integration_point: bool,
    },
    /// Text, entities decoded.
    Text(String),
    /// A comment, doctype or processing instruction: nothing to read.
    Other,
}

/// One node of the tree.
#[derive(Debug)]
pub struct Node {
    /// The parent, if attached.
    pub parent: Option<NodeId>,
    /// The children in document order.
    pub children: Vec<NodeId>,
    /// What the node is.
    pub data: NodeData,
}

/// A parsed HTML document.
#[derive(Debug)]
pub struct Dom {
    /// Every node; [`DOCUMENT`] first. Detached nodes stay here but are unreachable.
    pub nodes: Vec<Node>,
    /// Whether elements nested deeper than [`MAX_DEPTH`] (seen when the parser finished).
    too_deep: bool,
    /// The last line the parser reported.
    last_line: u64,
}

/// Parses a whole HTML document (already decoded), within the limits of [`super::limits`]:
/// fed in chunks, stopped once elements nest deeper than [`MAX_DEPTH`] or the time is up.
pub fn parse(html: &str) -> Result<Dom, HtmlError> {
    let started = Instant::now();
    let mut parser = html5ever::parse_document(Sink::default(), html5ever::ParseOpts::default());
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (chunk, after) = rest.split_at(cut);
        rest = after;
        parser.process(StrTendril::from_slice(chunk));
        let sink = &parser.tokenizer.sink.sink;
        if let Some(line) = sink.too_deep.get() {
            return Err(HtmlError::TooDeep { line });
        }
        if started.elapsed() > MAX_PARSE_TIME {
            return Err(HtmlError::TooSlow {
                line: sink.line.get(),
            });
        }
    }
    let dom = parser.finish();
    if dom.too_deep {
        return Err(HtmlError::TooDeep {
            line: dom.last_line,
        });
    }
    Ok(dom)
}

/// A step of a depth-first walk.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Entering a node (before its children).
    Enter(NodeId),
    /// Leaving a node (after its children).
    Leave(NodeId),
}

impl Dom {
    /// The node, if the id is in range (ids only come from this tree, so it always is).
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// The children of a node.
    pub fn children(&self, id: NodeId) -> &[NodeId] {
        self.node(id).map_or(&[], |n| n.children.as_slice())
    }

    /// The parent of a node.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.node(id).and_then(|n| n.parent)
    }

    /// The local name of an HTML element (`"p"`, `"div"`), or `""` for anything else,
    /// including SVG and MathML elements, which never carry article text.
    pub fn tag(&self, id: NodeId) -> &str {
        match self.node(id).map(|n| &n.data) {
            Some(NodeData::Element { name, .. }) if name.ns == ns!(html) => &name.local,
            _ => "",
        }
    }

    /// Whether the node is an element of another namespace (SVG, MathML).
    pub fn is_foreign_element(&self, id: NodeId) -> bool {
        matches!(
            self.node(id).map(|n| &n.data),
            Some(NodeData::Element { name, .. }) if name.ns != ns!(html)
        )
    }

    /// An attribute's value.
    pub fn attr(&self, id: NodeId, name: &str) -> Option<&str> {
        let Some(NodeData::Element { attrs, .. }) = self.node(id).map(|n| &n.data) else {
            return None;
        };
        attrs
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| &*a.value)
    }

    /// The text of a text node.
    pub fn text(&self, id: NodeId) -> Option<&str> {
        match self.node(id).map(|n| &n.data) {
            Some(NodeData::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// Walks the subtree of `root` depth first without recursion (a page can nest thousands
    /// of elements deep). `visit` returns `false` on [`Step::Enter`] to skip the node's
    /// children; the node is left all the same.
    pub fn walk(&self, root: NodeId, mut visit: impl FnMut(Step) -> bool) {
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        if visit(Step::Enter(root)) {
            stack.push((root, 0));
        } else {
            visit(Step::Leave(root));
            return;
        }
        while let Some((id, next)) = stack.last_mut() {
            let id = *id;
            if let Some(&child) = self.children(id).get(*next) {
                *next += 1;
                if visit(Step::Enter(child)) {
                    stack.push((child, 0));
                } else {
                    visit(Step::Leave(child));
                }
            } else {
                stack.pop();
                visit(Step::Leave(id));
            }
        }
    }

    /// The first element with this tag under `root`, in document order, not inside a
    /// subtree for which `skip` is true.
    pub fn find(&self, root: NodeId, tag: &str, skip: impl Fn(NodeId) -> bool) -> Option<NodeId> {
        let mut found = None;
        self.walk(root, |step| match step {
            Step::Enter(id) if found.is_none() && !skip(id) => {
                if self.tag(id) == tag {
                    found = Some(id);
                }
                found.is_none()
            }
            _ => false,
        });
        found
    }

    /// Whether `ancestor` is `id` or one of its ancestors.
    pub fn contains(&self, ancestor: NodeId, id: NodeId) -> bool {
        let mut at = Some(id);
        while let Some(node) = at {
            if node == ancestor {
                return true;
            }
            at = self.parent(node);
        }
        false
    }
}

/// The name returned for a handle that is not an element; the tree builder never asks.
static NO_NAME: LazyLock<QualName> =
    LazyLock::new(|| QualName::new(None, ns!(), html5ever::LocalName::from("")));

/// Builds a [`Dom`] as html5ever parses.
struct Sink {
    nodes: RefCell<Vec<Node>>,
    /// Per node: how deep it was when attached (the document is 0). The tree builder inserts
    /// at the current node, so this follows the depth of its stack of open elements.
    depths: RefCell<Vec<usize>>,
    /// The line where a node was first attached deeper than [`MAX_DEPTH`].
    too_deep: Cell<Option<u64>>,
    /// The line the parser is at.
    line: Cell<u64>,
}

impl Default for Sink {
    fn default() -> Self {
        Self {
            nodes: RefCell::new(vec![Node {
                parent: None,
                children: Vec::new(),
                data: NodeData::Document,
            }]),
            depths: RefCell::new(vec![0]),
            too_deep: Cell::new(None),
            line: Cell::new(1),
        }
    }
}

impl Sink {
    fn push(&self, data: NodeData) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node {
            parent: None,
            children: Vec::new(),
            data,
        });
        self.depths.borrow_mut().push(0);
        NodeId(nodes.len() - 1)
    }

    /// Records that `child` now hangs under `parent`.
    fn attached(&self, parent: NodeId, child: NodeId) {
        let mut depths = self.depths.borrow_mut();
        let depth = depths.get(parent.0).map_or(0, |d| d + 1);
        if let Some(d) = depths.get_mut(child.0) {
            *d = depth;
        }
        if depth > MAX_DEPTH && self.too_deep.get().is_none() {
            self.too_deep.set(Some(self.line.get()));
        }
    }

    fn detach(nodes: &mut [Node], id: NodeId) {
        let Some(parent) = nodes.get_mut(id.0).and_then(|n| n.parent.take()) else {
            return;
        };
        if let Some(p) = nodes.get_mut(parent.0) {
            p.children.retain(|&c| c != id);
        }
    }

    /// Appends text to the text node `id` if it is one.
    fn merge_text(nodes: &mut [Node], id: Option<NodeId>, text: &str) -> bool {
        match id.and_then(|id| nodes.get_mut(id.0)).map(|n| &mut n.data) {
            Some(NodeData::Text(existing)) => {
                existing.push_str(text);
                true
            }
            _ => false,
        }
    }

    fn new_child(&self, child: NodeOrText<NodeId>) -> NodeId {
        match child {
            NodeOrText::AppendNode(id) => id,
            NodeOrText::AppendText(text) => self.push(NodeData::Text(text.to_string())),
        }
    }
}

impl TreeSink for Sink {
    type Handle = NodeId;
    type Output = Dom;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Dom {
        Dom {
            nodes: self.nodes.into_inner(),
            too_deep: self.too_deep.get().is_some(),
            last_line: self.too_deep.get().unwrap_or(self.line.get()),
        }
    }

    fn set_current_line(&self, line_number: u64) {
        self.line.set(line_number);
    }

    // Malformed markup is the normal case on the web; the tree builder recovers as browsers do.
    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        DOCUMENT
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        Ref::map(self.nodes.borrow(), |nodes| {
            match nodes.get(target.0).map(|n| &n.data) {
                Some(NodeData::Element { name, .. }) => name,
                _ => &NO_NAME,
            }
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let template_contents = flags.template.then(|| self.push(NodeData::Document));
        self.push(NodeData::Element {
            name,
            attrs,
            template_contents,
            mathml_annotation_xml_integration_point: flags.mathml_annotation_xml_integration_point,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        self.push(NodeData::Other)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.push(NodeData::Other)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        if let NodeOrText::AppendText(text) = &child {
            let mut nodes = self.nodes.borrow_mut();
            let last = nodes.get(parent.0).and_then(|p| p.children.last().copied());
            if Self::merge_text(&mut nodes, last, text) {
                return;
            }
        }
        let child = self.new_child(child);
        {
            let mut nodes = self.nodes.borrow_mut();
            Self::detach(&mut nodes, child);
            if let Some(c) = nodes.get_mut(child.0) {
                c.parent = Some(*parent);
            }
            if let Some(p) = nodes.get_mut(parent.0) {
                p.children.push(child);
            }
        }
        self.attached(*parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent = self
            .nodes
            .borrow()
            .get(element.0)
            .is_some_and(|n| n.parent.is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        _name: StrTendril,
        _public_id: StrTendril,
        _system_id: StrTendril,
    ) {
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        match self.nodes.borrow().get(target.0).map(|n| &n.data) {
            Some(NodeData::Element {
                template_contents: Some(contents),
                ..
            }) => *contents,
            // Never asked for anything but a template; the element itself is a safe answer.
            _ => *target,
        }
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        let place = {
            let nodes = self.nodes.borrow();
            nodes
                .get(sibling.0)
                .and_then(|s| s.parent)
                .and_then(|parent| {
                    let index = nodes
                        .get(parent.0)?
                        .children
                        .iter()
                        .position(|c| c == sibling)?;
                    Some((parent, index))
                })
        };
        let Some((parent, index)) = place else {
            return;
        };
        if let NodeOrText::AppendText(text) = &new_node {
            let mut nodes = self.nodes.borrow_mut();
            let previous = index
                .checked_sub(1)
                .and_then(|i| nodes.get(parent.0)?.children.get(i).copied());
            if Self::merge_text(&mut nodes, previous, text) {
                return;
            }
        }
        let child = self.new_child(new_node);
        let mut nodes = self.nodes.borrow_mut();
        Self::detach(&mut nodes, child);
        // Detaching may have moved the sibling when the child came from the same parent.
        let Some(index) = nodes
            .get(parent.0)
            .and_then(|p| p.children.iter().position(|c| c == sibling))
        else {
            return;
        };
        if let Some(c) = nodes.get_mut(child.0) {
            c.parent = Some(parent);
        }
        if let Some(p) = nodes.get_mut(parent.0) {
            p.children.insert(index, child);
        }
        drop(nodes);
        self.attached(parent, child);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, new: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        let Some(NodeData::Element { attrs, .. }) = nodes.get_mut(target.0).map(|n| &mut n.data)
        else {
            return;
        };
        // A set, not a scan per attribute: `<html>` or `<body>` repeated with many
        // attributes would be quadratic.
        let mut present: HashSet<QualName> = attrs.iter().map(|a| a.name.clone()).collect();
        for attr in new {
            if present.insert(attr.name.clone()) {
                attrs.push(attr);
            }
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        Self::detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let mut nodes = self.nodes.borrow_mut();
        let children = nodes
            .get_mut(node.0)
            .map(|n| std::mem::take(&mut n.children))
            .unwrap_or_default();
        for &child in &children {
            if let Some(c) = nodes.get_mut(child.0) {
                c.parent = Some(*new_parent);
            }
        }
        drop(nodes);
        for &child in &children {
            self.attached(*new_parent, child);
        }
        if let Some(p) = self.nodes.borrow_mut().get_mut(new_parent.0) {
            p.children.extend(children);
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &NodeId) -> bool {
        matches!(
            self.nodes.borrow().get(handle.0).map(|n| &n.data),
            Some(NodeData::Element {
                mathml_annotation_xml_integration_point: true,
                ..
            })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(dom: &Dom, root: NodeId) -> String {
        let mut out = String::new();
        dom.walk(root, |step| {
            if let Step::Enter(id) = step {
                if let Some(t) = dom.text(id) {
                    out.push_str(t);
                }
                let tag = dom.tag(id);
                if !tag.is_empty() {
                    out.push_str(&format!("<{tag}>"));
                }
            }
            true
        });
        out
    }

    #[test]
    fn misnested_markup_is_repaired_as_browsers_do() {
        // An implied </p>, a misnested <b> (the adoption agency algorithm) and stray text in
        // a table (foster parenting: it moves before the table).
        let dom = parse("<p>one<p>t<b>w</p>o</b><table>x<tr><td>cell</table>").unwrap();
        let body = dom.find(DOCUMENT, "body", |_| false).unwrap();
        assert_eq!(
            texts(&dom, body),
            "<body><p>one<p>t<b>w<b>ox<table><tbody><tr><td>cell"
        );
    }

    #[test]
    fn a_deep_page_does_not_overflow_the_stack() {
        let html = "<div>".repeat(MAX_DEPTH - 3) + "deep";
        let dom = parse(&html).unwrap();
        let mut text = String::new();
        dom.walk(DOCUMENT, |step| {
            if let Step::Enter(id) = step {
                text.push_str(dom.text(id).unwrap_or(""));
            }
            true
        });
        assert_eq!(text, "deep");
    }
}
