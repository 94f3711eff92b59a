//! The three-way merge of a list of entries by key (an annotation id, an entity id, the
//! annotations a decision compares): the rules every file kind shares.
//!
//! | base | one side | other side | result |
//! |---|---|---|---|
//! | – | added | – | added |
//! | x | x | changed or deleted | the other side's |
//! | x or – | changed | changed differently | the later change (else the first side's), the other listed |
//! | x | changed | deleted | the change (work is never lost), listed |
//! | x | deleted | deleted | deleted |

use std::collections::BTreeMap;

use jiff::Timestamp;

/// An entry of a list merged by key.
pub(super) trait Keyed: Sized {
    /// What identifies the entry across versions of the file.
    type Key: Ord + Clone;
    /// The key.
    fn key(&self) -> Self::Key;
    /// The key for the user: `annotation 8p7rpw58te`.
    fn name(key: &Self::Key) -> String;
    /// The entry's whole content as comparable text: equal text, same entry.
    fn fingerprint(&self) -> String;
    /// When the entry was last changed, if the file records it.
    fn changed_at(&self) -> Option<&str> {
        None
    }
    /// What the entry says, briefly, for the user: `Person “Putin”`.
    fn describe(&self) -> String;
    /// How another version differs from this one, for the user, where the two descriptions
    /// read alike: `note “on TV”, the other had “at home”`. Empty when it cannot tell.
    fn differences(&self, _other: &Self) -> Vec<String> {
        Vec::new()
    }
}

/// An entry with its fingerprint, taken once.
struct Held<E> {
    entry: E,
    fingerprint: String,
}

/// Why entries cannot be merged by key.
#[derive(Debug)]
pub(super) struct DuplicateKey {
    /// The key, as [`Keyed::name`] says it.
    pub(super) name: String,
    /// Which version of the file has it twice.
    pub(super) side: &'static str,
}

/// The three versions of a list, by key.
pub(super) struct Sides<E> {
    /// The common ancestor's entries.
    pub(super) base: Vec<E>,
    /// The first side's, the one git merges into (`%A`).
    pub(super) ours: Vec<E>,
    /// The other side's (`%B`).
    pub(super) theirs: Vec<E>,
}

/// Merges the three versions of a list by key. Returns the merged entries, the first side's
/// in its order, then those only the other side has in its order, and a sentence for each
/// entry the user should look at (changed on both sides, or changed on one and deleted on
/// the other).
pub(super) fn merge<E: Keyed>(sides: Sides<E>) -> Result<(Vec<E>, Vec<String>), DuplicateKey> {
    let Sides { base, ours, theirs } = sides;
    let mut order: Vec<E::Key> = ours.iter().map(Keyed::key).collect();
    let ours_keys: std::collections::BTreeSet<E::Key> = order.iter().cloned().collect();
    order.extend(
        theirs
            .iter()
            .map(Keyed::key)
            .filter(|k| !ours_keys.contains(k)),
    );
    let mut base = by_key(base, "common ancestor")?;
    let mut ours = by_key(ours, "first")?;
    let mut theirs = by_key(theirs, "second")?;
    let mut merged = Vec::with_capacity(order.len());
    let mut notes = Vec::new();
    for key in order {
        let (b, o, t) = (base.remove(&key), ours.remove(&key), theirs.remove(&key));
        fn fp<E>(h: &Option<Held<E>>) -> Option<&str> {
            h.as_ref().map(|h| h.fingerprint.as_str())
        }
        let kept = if fp(&o) == fp(&t) || fp(&b) == fp(&t) {
            // The same on both sides, or the second side left it as it was.
            o
        } else if fp(&b) == fp(&o) {
            // Only the second side changed it: added, changed or deleted.
            t
        } else {
            match (o, t) {
                (Some(o), Some(t)) => {
                    let (kept, other) = later(o, t);
                    notes.push(both_changed(&key, b.is_none(), &kept.entry, &other.entry));
                    Some(kept)
                }
                (Some(kept), None) | (None, Some(kept)) => {
                    notes.push(format!(
                        "{} was deleted on one side and changed on the other: kept the \
                         changed version ({}); delete it again if it should go",
                        E::name(&key),
                        kept.entry.describe()
                    ));
                    Some(kept)
                }
                // Both deleted: caught by the first test.
                (None, None) => None,
            }
        };
        merged.extend(kept.map(|h| h.entry));
    }
    Ok((merged, notes))
}

/// The entries of one version by key; a key found twice is an error (merging by key would
/// drop one of them).
fn by_key<E: Keyed>(
    entries: Vec<E>,
    side: &'static str,
) -> Result<BTreeMap<E::Key, Held<E>>, DuplicateKey> {
    let mut map = BTreeMap::new();
    for entry in entries {
        let key = entry.key();
        let fingerprint = entry.fingerprint();
        if map.contains_key(&key) {
            return Err(DuplicateKey {
                name: E::name(&key),
                side,
            });
        }
        map.insert(key, Held { entry, fingerprint });
    }
    Ok(map)
}

/// Of two versions changed on both sides, the later change first; the first side's on a tie
/// or where times are missing or unreadable.
fn later<E: Keyed>(ours: Held<E>, theirs: Held<E>) -> (Held<E>, Held<E>) {
    let time = |e: &E| e.changed_at().and_then(|t| t.parse::<Timestamp>().ok());
    match (time(&ours.entry), time(&theirs.entry)) {
        (Some(o), Some(t)) if t > o => (theirs, ours),
        _ => (ours, theirs),
    }
}

fn both_changed<E: Keyed>(key: &E::Key, added: bool, kept: &E, other: &E) -> String {
    let how = if added {
        "was added on both sides, differently"
    } else {
        "was changed on both sides"
    };
    let when = |e: &E| {
        e.changed_at()
            .map_or_else(String::new, |t| format!(", changed {t}"))
    };
    let which = if kept.changed_at().is_some() && other.changed_at().is_some() {
        "the later version"
    } else {
        "the version already there"
    };
    let differences = kept.differences(other);
    let differ = if differences.is_empty() {
        String::new()
    } else {
        format!(
            "; they differ in {} (git's history keeps the other)",
            differences.join(", ")
        )
    };
    format!(
        "{} {how}: kept {which} ({}{}); the other was {}{}{differ}",
        E::name(key),
        kept.describe(),
        when(kept),
        other.describe(),
        when(other),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(id, text, modified)`.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct E(&'static str, &'static str, Option<&'static str>);

    impl Keyed for E {
        type Key = &'static str;
        fn key(&self) -> Self::Key {
            self.0
        }
        fn name(key: &Self::Key) -> String {
            format!("entry {key}")
        }
        fn fingerprint(&self) -> String {
            format!("{self:?}")
        }
        fn changed_at(&self) -> Option<&str> {
            self.2
        }
        fn describe(&self) -> String {
            format!("“{}”", self.1)
        }
    }

    fn run(base: &[E], ours: &[E], theirs: &[E]) -> (Vec<E>, Vec<String>) {
        merge(Sides {
            base: base.to_vec(),
            ours: ours.to_vec(),
            theirs: theirs.to_vec(),
        })
        .unwrap()
    }

    const T1: Option<&str> = Some("2026-01-01T10:00:00Z");
    const T2: Option<&str> = Some("2026-01-01T11:00:00Z");

    #[test]
    fn additions_on_either_side_are_kept_in_order() {
        let a = E("a", "A", T1);
        let (merged, notes) = run(&[a], &[a, E("b", "B", T1)], &[E("c", "C", T1), a]);
        assert_eq!(merged, [a, E("b", "B", T1), E("c", "C", T1)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_deletion_of_an_untouched_entry_wins() {
        let (a, b) = (E("a", "A", T1), E("b", "B", T1));
        let (merged, notes) = run(&[a, b], &[b], &[a, b]);
        assert_eq!(merged, [b]);
        assert!(notes.is_empty());
        let (merged, _) = run(&[E("a", "A", T1), b], &[E("a", "A", T1), b], &[b]);
        assert_eq!(merged, [b]);
    }

    #[test]
    fn a_change_on_one_side_is_taken() {
        let a = E("a", "A", T1);
        let (merged, notes) = run(&[a], &[a], &[E("a", "A2", T2)]);
        assert_eq!(merged, [E("a", "A2", T2)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn changes_on_both_sides_keep_the_later_and_list_the_other() {
        let a = E("a", "A", T1);
        let (merged, notes) = run(&[a], &[E("a", "mine", T2)], &[E("a", "theirs", T1)]);
        assert_eq!(merged, [E("a", "mine", T2)]);
        assert_eq!(
            notes,
            [
                "entry a was changed on both sides: kept the later version (“mine”, changed \
              2026-01-01T11:00:00Z); the other was “theirs”, changed 2026-01-01T10:00:00Z"
            ]
        );
        let (merged, _) = run(&[a], &[E("a", "x", T1)], &[E("a", "y", T2)]);
        assert_eq!(merged, [E("a", "y", T2)]);
        // No times: the first side's.
        let (merged, notes) = run(&[], &[E("a", "x", None)], &[E("a", "y", None)]);
        assert_eq!(merged, [E("a", "x", None)]);
        assert!(notes[0].contains("added on both sides"), "{notes:?}");
        assert!(
            notes[0].contains("kept the version already there"),
            "{notes:?}"
        );
        // Both made the same change: nothing to say.
        let (merged, notes) = run(&[a], &[E("a", "z", T2)], &[E("a", "z", T2)]);
        assert_eq!(merged, [E("a", "z", T2)]);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_change_beats_a_deletion_and_is_listed() {
        let a = E("a", "A", T1);
        for (ours, theirs) in [
            (vec![E("a", "A2", T2)], vec![]),
            (vec![], vec![E("a", "A2", T2)]),
        ] {
            let (merged, notes) = run(&[a], &ours, &theirs);
            assert_eq!(merged, [E("a", "A2", T2)]);
            assert_eq!(
                notes,
                [
                    "entry a was deleted on one side and changed on the other: kept the changed \
                  version (“A2”); delete it again if it should go"
                ]
            );
        }
        let (merged, notes) = run(&[a], &[], &[]);
        assert!(merged.is_empty() && notes.is_empty());
    }

    #[test]
    fn a_key_twice_is_refused() {
        let a = E("a", "A", T1);
        let err = merge(Sides {
            base: vec![],
            ours: vec![a],
            theirs: vec![a, a],
        })
        .err()
        .unwrap();
        assert_eq!((err.name.as_str(), err.side), ("entry a", "second"));
    }
}
