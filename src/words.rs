//! Counts in words for messages, the same in the app and on the command line.

/// "1 annotation", "2 annotations": a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// [`count`] for nouns that take an `s`.
pub fn plural(n: usize, noun: &str) -> String {
    count(n, noun, &format!("{noun}s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(plural(1, "annotation"), "1 annotation");
        assert_eq!(plural(0, "annotation"), "0 annotations");
        assert_eq!(plural(19, "hit"), "19 hits");
        assert_eq!(count(2, "entity", "entities"), "2 entities");
    }
}
