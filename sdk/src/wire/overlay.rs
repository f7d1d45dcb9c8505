//! An object with edits: the input object's entries, indexed at its first
//! edit, and the edited keys, which shadow the input's entries of the same
//! key. A step of a write path turns the value at a key into one.
use super::entries::{key_of, parse_entry, same_key, Entries};
use super::reader::{copy_short, utf8};
use super::view::{Source, StructRepr, StructView, ValueRef};
use crate::{Error, Value};
use std::cell::Cell;
use std::collections::BTreeMap;

/// An object with edits: the entries of the object it started from (none
/// for one made new, or one that replaced another value), and the edited
/// keys. An edited key's entries in the object are shadowed: encoding
/// writes the object's other entries as they are, then the edits.
#[derive(Debug)]
pub struct Overlay<'a> {
    /// The input bytes the object's entries lie in.
    pub(crate) container: &'a [u8],
    pub(crate) base: Vec<BaseEntry<'a>>,
    pub(crate) edits: Vec<Edit<'a>>,
    /// The encoded size of the entries not shadowed.
    pub(crate) kept: usize,
    /// The encoded size, set by the encoder's sizing pass.
    pub(crate) size: Cell<usize>,
}

/// An entry of the input object.
#[derive(Debug)]
pub(crate) struct BaseEntry<'a> {
    /// The key (not yet checked as UTF-8).
    pub key: &'a [u8],
    /// The entry as encoded: key, length and payload.
    pub raw: &'a [u8],
    pub payload: &'a [u8],
    /// Whether an edit of its key replaces it.
    pub shadowed: bool,
}

#[derive(Debug)]
pub(crate) struct Edit<'a> {
    pub key: Key<'a>,
    pub node: Node<'a>,
}

#[derive(Debug)]
pub(crate) enum Key<'a> {
    /// A key of the input (not yet checked as UTF-8).
    Input(&'a [u8]),
    /// A new key of up to 22 bytes, kept in place.
    Short {
        len: u8,
        bytes: [u8; 22],
    },
    Long(Box<str>),
}

#[derive(Debug)]
pub(crate) enum Node<'a> {
    Removed,
    Owned(Value),
    /// A value of the input, copied as it is.
    Input(ValueRef<'a>),
    Object(Overlay<'a>),
}

/// Where a path step leads when writing.
pub(crate) enum Place<'p, 'a> {
    Overlay(&'p mut Overlay<'a>),
    Tree(&'p mut BTreeMap<String, Value>),
}

impl<'a> Key<'a> {
    fn new(key: &str) -> Self {
        let n = key.len();
        if n > 22 {
            return Key::Long(key.into());
        }
        let mut bytes = [0u8; 22];
        copy_short(&mut bytes, key.as_bytes());
        Key::Short {
            len: n as u8,
            bytes,
        }
    }

    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Key::Input(bytes) => bytes,
            Key::Short { len, bytes } => &bytes[..usize::from(*len)],
            Key::Long(key) => key.as_bytes(),
        }
    }
}

impl<'a> Overlay<'a> {
    /// An overlay over the object held in occurrences of message field
    /// `field` of `container` (none: a new, empty object).
    pub(crate) fn new(base: Option<(&'a [u8], u32)>) -> Result<Self, Error> {
        let mut entries = Vec::new();
        let mut input: &[u8] = &[];
        let mut kept = 0;
        if let Some((container, field)) = base {
            input = container;
            // About one entry per 24 bytes, up to a point (then it grows).
            entries = Vec::with_capacity((container.len() / 24 + 1).min(64));
            let mut read = Entries::new(container, field);
            while let Some(entry) = read.next()? {
                kept += entry.raw.len();
                entries.push(BaseEntry {
                    key: key_of(entry.payload)?,
                    raw: entry.raw,
                    payload: entry.payload,
                    shadowed: false,
                });
            }
        }
        Ok(Overlay {
            container: input,
            base: entries,
            // An overlay is made for an edit, seldom more than a few.
            edits: Vec::with_capacity(4),
            kept,
            size: Cell::new(0),
        })
    }

    pub(crate) fn edit_index(&self, key: &str) -> Option<usize> {
        self.edits
            .iter()
            .position(|edit| same_key(edit.key.bytes(), key.as_bytes()))
    }

    /// The input entry `key` reads (the last with the key), if not edited.
    pub(crate) fn base_entry(&self, key: &str) -> Option<&BaseEntry<'a>> {
        self.base_index(key).map(|at| &self.base[at])
    }

    /// Sets `key`'s value, shadowing its entries in the input object.
    pub(crate) fn set(&mut self, key: &str, node: Node<'a>) -> &mut Node<'a> {
        match self.edit_index(key) {
            Some(i) => {
                self.edits[i].node = node;
                &mut self.edits[i].node
            }
            None => {
                let last = self.base_index(key);
                self.add(key, last, node)
            }
        }
    }

    /// The index of the input entry `key` reads (the last with the key).
    fn base_index(&self, key: &str) -> Option<usize> {
        self.base
            .iter()
            .rposition(|entry| same_key(entry.key, key.as_bytes()))
    }

    /// Adds an edit of `key`, which has none, shadowing its input entries
    /// (`last`: the last of them, from `base_index`).
    fn add(&mut self, key: &str, last: Option<usize>, node: Node<'a>) -> &mut Node<'a> {
        let key = match last {
            Some(last) => {
                let input_key = self.base[last].key;
                for entry in &mut self.base[..=last] {
                    if !entry.shadowed && same_key(entry.key, input_key) {
                        entry.shadowed = true;
                        self.kept -= entry.raw.len();
                    }
                }
                Key::Input(input_key)
            }
            None => Key::new(key),
        };
        self.edits.push(Edit { key, node });
        &mut self.edits.last_mut().expect("just pushed").node
    }

    /// Removes `key`'s value and returns it, to be put elsewhere (a value
    /// of the input stays one, to be copied; an edited one becomes owned);
    /// None, and no change, if there is none.
    pub(crate) fn take(&mut self, key: &str) -> Result<Option<Node<'a>>, Error> {
        if let Some(i) = self.edit_index(key) {
            let node = match &self.edits[i].node {
                Node::Removed => return Ok(None),
                Node::Input(value) => Node::Input(*value),
                edited => Node::Owned(node_value(edited).expect("not removed").to_value()?),
            };
            self.edits[i].node = Node::Removed;
            return Ok(Some(node));
        }
        let Some(at) = self.base_index(key) else {
            return Ok(None);
        };
        let node = Node::Input(value_of_entry(self.base[at].payload)?);
        self.add(key, Some(at), Node::Removed);
        Ok(Some(node))
    }

    /// The value under `key`, edits included.
    pub(crate) fn get<'s>(&'s self, key: &str) -> Result<Option<ValueRef<'s>>, Error> {
        if let Some(i) = self.edit_index(key) {
            return Ok(node_value(&self.edits[i].node));
        }
        match self.base_entry(key) {
            Some(entry) => Ok(Some(value_of_entry(entry.payload)?)),
            None => Ok(None),
        }
    }

    /// Calls `each` with every entry: unedited ones in order, then edited
    /// ones (see [`StructView::for_each`]).
    pub(crate) fn for_each<'s>(
        &'s self,
        each: &mut dyn FnMut(&'s str, ValueRef<'s>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for entry in self.base.iter().filter(|entry| !entry.shadowed) {
            each(utf8(entry.key)?, value_of_entry(entry.payload)?)?;
        }
        for edit in &self.edits {
            if let Some(value) = node_value(&edit.node) {
                each(utf8(edit.key.bytes())?, value)?;
            }
        }
        Ok(())
    }

    /// One step of a write to `key.…`: the object at `key`, made (or made
    /// to replace a non-object) as `put_path` does.
    pub(crate) fn step(&mut self, key: &str) -> Result<Place<'_, 'a>, Error> {
        let node = match self.edit_index(key) {
            Some(i) => {
                let replacement = match &self.edits[i].node {
                    Node::Object(_) => None,
                    Node::Owned(value) if value.as_struct().is_some() => None,
                    Node::Input(value) => Some(object_from(value)?),
                    Node::Owned(_) | Node::Removed => Some(Node::Object(Overlay::new(None)?)),
                };
                let node = &mut self.edits[i].node;
                if let Some(replacement) = replacement {
                    *node = replacement;
                }
                node
            }
            None => {
                let last = self.base_index(key);
                let node = match last {
                    Some(at) => object_from(&value_of_entry(self.base[at].payload)?)?,
                    None => Node::Object(Overlay::new(None)?),
                };
                self.add(key, last, node)
            }
        };
        Ok(match node {
            Node::Object(overlay) => Place::Overlay(overlay),
            Node::Owned(value) => Place::Tree(value.as_struct_mut().expect("an object")),
            Node::Input(_) | Node::Removed => unreachable!("replaced above"),
        })
    }
}

/// A value an object on a write path is turned into: an overlay over an
/// input object, a copy of another object, a new object for a non-object.
fn object_from<'a>(value: &ValueRef<'a>) -> Result<Node<'a>, Error> {
    Ok(match (value.source, value.as_struct()) {
        (Source::Wire(_), Some(StructView(StructRepr::Wire { container, field }))) => {
            Node::Object(Overlay::new(Some((container, field)))?)
        }
        (_, Some(_)) => Node::Owned(value.to_value()?),
        (_, None) => Node::Object(Overlay::new(None)?),
    })
}

/// The value of an input entry, from its payload.
pub(crate) fn value_of_entry(payload: &[u8]) -> Result<ValueRef<'_>, Error> {
    ValueRef::from_wire(parse_entry(payload)?.value.unwrap_or_default())
}

fn node_value<'s>(node: &'s Node<'_>) -> Option<ValueRef<'s>> {
    match node {
        Node::Removed => None,
        Node::Owned(value) => Some(ValueRef::from(value)),
        Node::Input(value) => Some(*value),
        Node::Object(overlay) => Some(ValueRef::from_patched(overlay)),
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    /// A new key keeps its bytes, whatever its length (kept in place up to
    /// 22 bytes, boxed beyond).
    #[test]
    fn new_keys_keep_their_bytes() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789é";
        for end in (0..=text.len()).filter(|&end| text.is_char_boundary(end)) {
            let key = &text[..end];
            let made = Key::new(key);
            assert_eq!(made.bytes(), key.as_bytes());
            assert_eq!(matches!(made, Key::Short { .. }), end <= 22, "{key}");
        }
    }
}
