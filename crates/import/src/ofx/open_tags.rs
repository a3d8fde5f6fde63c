//! The open aggregates of an OFX file, with questions about them that cost the same however
//! deep the file goes.
//!
//! A hostile file can open thousands of elements and never close them, or close names that
//! were never opened; a scan of the open elements per tag made such files cost their size
//! squared. Here a name's count answers "is it open?", and the pops an end tag causes pay
//! for finding the element it closes.

use std::collections::HashMap;

#[derive(Default)]
pub(super) struct OpenTags {
    /// Open aggregates, outermost first.
    stack: Vec<String>,
    /// How many elements of each name are open (names with none are removed).
    open: HashMap<String, u32>,
}

impl OpenTags {
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    pub fn push(&mut self, name: String) {
        match self.open.get_mut(&name) {
            Some(count) => *count += 1,
            None => {
                self.open.insert(name.clone(), 1);
            }
        }
        self.stack.push(name);
    }

    pub fn pop(&mut self) -> Option<String> {
        let name = self.stack.pop()?;
        if let Some(count) = self.open.get_mut(&name) {
            *count -= 1;
            if *count == 0 {
                self.open.remove(&name);
            }
        }
        Some(name)
    }

    pub fn is_open(&self, name: &str) -> bool {
        self.open.contains_key(name)
    }

    /// The innermost open aggregate (`""` when none is).
    pub fn innermost(&self) -> &str {
        self.stack.last().map_or("", String::as_str)
    }

    /// How many elements to pop to close the innermost `name`, itself included; `None`
    /// when no `name` is open, found without looking at the stack.
    pub fn pops_to_close(&self, name: &str) -> Option<usize> {
        if !self.is_open(name) {
            return None;
        }
        self.stack
            .iter()
            .rev()
            .position(|n| n == name)
            .map(|p| p + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_pushes_and_pops() {
        let mut tags = OpenTags::default();
        for name in ["OFX", "A", "B", "A"] {
            tags.push(name.to_owned());
        }
        assert_eq!((tags.depth(), tags.innermost()), (4, "A"));
        assert_eq!(tags.pops_to_close("A"), Some(1));
        assert_eq!(tags.pops_to_close("B"), Some(2));
        assert_eq!(tags.pops_to_close("OFX"), Some(4));
        assert_eq!(tags.pops_to_close("Z"), None);
        assert_eq!(tags.pop().as_deref(), Some("A"));
        assert!(tags.is_open("A"));
        assert_eq!(tags.pops_to_close("A"), Some(2));
        tags.pop();
        tags.pop();
        assert!(!tags.is_open("A") && !tags.is_open("B"));
        assert_eq!(tags.innermost(), "OFX");
        tags.pop();
        assert_eq!((tags.depth(), tags.innermost()), (0, ""));
        assert_eq!(tags.pop(), None);
    }
}
