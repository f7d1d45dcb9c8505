//! Editing an event without decoding it: edits are recorded over the input
//! bytes, look-ups see them, and encoding copies every unedited field and
//! subtree of the input as it is.
use super::encode;
use super::path::{keys, split_first, split_last};
use super::reader::utf8;
use super::view::{
    key_of, parse_entry, Entries, EventView, Source, StructRepr, StructView, ValueRef,
};
use crate::{Error, Event, Timestamp, Value};
use std::cell::Cell;
use std::collections::BTreeMap;

/// An event being edited: the input's bytes and the edits made so far.
///
/// `put`, `remove` and `rename` follow [`Event`]'s rules for dotted paths,
/// and the encoded result decodes to exactly the `Event` the same edits
/// make of the decoded input. Build one per input with
/// [`EventPatch::new`]; [`EventPatch::to_event`] and
/// `EventPatch::new(&event.encode())` convert between the two APIs.
#[derive(Debug)]
pub struct EventPatch<'a> {
    input: EventView<'a>,
    /// The top-level object once edited.
    pub(crate) fields: Option<Overlay<'a>>,
    pub(crate) timestamp: Option<Timestamp>,
    /// Edited metadata keys: Some(value) set, None removed.
    pub(crate) metadata: Vec<(String, Option<String>)>,
}

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
enum Place<'p, 'a> {
    Overlay(&'p mut Overlay<'a>),
    Tree(&'p mut BTreeMap<String, Value>),
}

impl<'a> Key<'a> {
    fn new(key: &str) -> Self {
        let mut bytes = [0u8; 22];
        match bytes.get_mut(..key.len()) {
            Some(short) => {
                short.copy_from_slice(key.as_bytes());
                Key::Short {
                    len: key.len() as u8,
                    bytes,
                }
            }
            None => Key::Long(key.into()),
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
    fn new(base: Option<(&'a [u8], u32)>) -> Result<Self, Error> {
        let mut entries = Vec::new();
        let mut input: &[u8] = &[];
        if let Some((container, field)) = base {
            input = container;
            // About one entry per 24 bytes, up to a point (then it grows).
            entries.reserve((container.len() / 24 + 1).min(64));
            let mut read = Entries::new(container, field);
            while let Some(entry) = read.next()? {
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
            edits: Vec::new(),
            size: Cell::new(0),
        })
    }

    fn edit_index(&self, key: &str) -> Option<usize> {
        self.edits
            .iter()
            .position(|edit| edit.key.bytes() == key.as_bytes())
    }

    /// The input entry `key` reads (the last with the key), if not edited.
    fn base_entry(&self, key: &str) -> Option<&BaseEntry<'a>> {
        self.base
            .iter()
            .rev()
            .find(|entry| entry.key == key.as_bytes())
    }

    /// Sets `key`'s value, shadowing its entries in the input object.
    fn set(&mut self, key: &str, node: Node<'a>) -> &mut Node<'a> {
        let index = match self.edit_index(key) {
            Some(i) => {
                self.edits[i].node = node;
                i
            }
            None => {
                let mut input_key = None;
                for entry in &mut self.base {
                    if entry.key == key.as_bytes() {
                        entry.shadowed = true;
                        input_key = Some(entry.key);
                    }
                }
                self.edits.push(Edit {
                    key: input_key.map_or_else(|| Key::new(key), Key::Input),
                    node,
                });
                self.edits.len() - 1
            }
        };
        &mut self.edits[index].node
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
    fn step(&mut self, key: &str) -> Result<Place<'_, 'a>, Error> {
        let edit = self.edit_index(key);
        let replacement = match edit {
            Some(i) => match &self.edits[i].node {
                Node::Object(_) => None,
                Node::Owned(value) if value.as_struct().is_some() => None,
                Node::Input(value) => Some(object_from(value)?),
                Node::Owned(_) | Node::Removed => Some(Node::Object(Overlay::new(None)?)),
            },
            None => Some(match self.base_entry(key) {
                Some(entry) => object_from(&value_of_entry(entry.payload)?)?,
                None => Node::Object(Overlay::new(None)?),
            }),
        };
        let node = match replacement {
            Some(node) => self.set(key, node),
            None => &mut self.edits[edit.expect("an edited key")].node,
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
fn value_of_entry(payload: &[u8]) -> Result<ValueRef<'_>, Error> {
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

/// A look-up's result: from the input (lives as long as it) or from an edit.
enum Found<'s, 'a> {
    Input(ValueRef<'a>),
    Edited(ValueRef<'s>),
}

impl<'a> EventPatch<'a> {
    /// An event with no edits over the serialized `bytes`. Nothing is read
    /// yet (see [`EventView::new`]).
    pub fn new(bytes: &'a [u8]) -> Self {
        EventPatch {
            input: EventView::new(bytes),
            fields: None,
            timestamp: None,
            metadata: Vec::new(),
        }
    }

    /// The input as it came, without the edits; what it returns lives as
    /// long as the input, so it can be held across edits.
    pub fn input(&self) -> EventView<'a> {
        self.input
    }

    /// Whether any edit was made (an event without edits is emitted as
    /// the input's own bytes).
    pub fn is_edited(&self) -> bool {
        self.fields.is_some() || self.timestamp.is_some() || !self.metadata.is_empty()
    }

    fn find<'s>(&'s self, path: &str) -> Result<Option<Found<'s, 'a>>, Error> {
        let Some(mut overlay) = self.fields.as_ref() else {
            return Ok(self.input.get(path)?.map(Found::Input));
        };
        let mut rest = path;
        let (value, after) = loop {
            let (key, after) = split_first(rest);
            let node = match overlay.edit_index(key) {
                Some(i) => &overlay.edits[i].node,
                None => match overlay.base_entry(key) {
                    Some(entry) => {
                        let value = Found::Input(value_of_entry(entry.payload)?);
                        match after {
                            None => return Ok(Some(value)),
                            Some(after) => break (value, after),
                        }
                    }
                    None => return Ok(None),
                },
            };
            let value = match node {
                Node::Removed => return Ok(None),
                Node::Object(inner) => match after {
                    Some(after) => {
                        overlay = inner;
                        rest = after;
                        continue;
                    }
                    None => Found::Edited(ValueRef::from_patched(inner)),
                },
                Node::Owned(value) => Found::Edited(ValueRef::from(value)),
                Node::Input(value) => Found::Input(*value),
            };
            match after {
                None => return Ok(Some(value)),
                Some(after) => break (value, after),
            }
        };
        Ok(match value {
            Found::Input(v) => match v.as_struct() {
                Some(object) => object.get_path(after)?.map(Found::Input),
                None => None,
            },
            Found::Edited(v) => match v.as_struct() {
                Some(object) => object.get_path(after)?.map(Found::Edited),
                None => None,
            },
        })
    }

    /// The value at a dotted path, edits included.
    pub fn get(&self, path: &str) -> Result<Option<ValueRef<'_>>, Error> {
        Ok(self.find(path)?.map(|found| match found {
            Found::Input(v) => v,
            Found::Edited(v) => v,
        }))
    }

    /// The string at a dotted path, edits included.
    pub fn get_str(&self, path: &str) -> Result<Option<&str>, Error> {
        Ok(self.get(path)?.and_then(|v| v.as_str()))
    }

    /// Sets the value at a dotted path, creating the objects on the way; a
    /// non-object on the way is replaced by an object (as [`Event::put`]).
    pub fn put(&mut self, path: &str, value: impl Into<Value>) -> Result<(), Error> {
        self.put_node(path, Node::Owned(value.into()))
    }

    /// Sets the value at a dotted path to a value of the input (from
    /// [`EventPatch::input`]), which is copied as it is encoded.
    pub fn put_input(&mut self, path: &str, value: ValueRef<'a>) -> Result<(), Error> {
        self.put_node(path, Node::Input(value))
    }

    /// The top-level object, indexed at its first edit.
    fn fields_mut(&mut self) -> Result<&mut Overlay<'a>, Error> {
        if self.fields.is_none() {
            self.fields = Some(Overlay::new(Some((self.input.bytes(), 2)))?);
        }
        Ok(self.fields.as_mut().expect("just made"))
    }

    fn put_node(&mut self, path: &str, node: Node<'a>) -> Result<(), Error> {
        let (parents, last) = split_last(path);
        let mut place = Place::Overlay(self.fields_mut()?);
        for key in keys(parents) {
            place = match place {
                Place::Overlay(overlay) => overlay.step(key)?,
                Place::Tree(map) => {
                    let entry = map
                        .entry(key.to_string())
                        .or_insert_with(|| Value::from(BTreeMap::new()));
                    if entry.as_struct().is_none() {
                        *entry = Value::from(BTreeMap::new());
                    }
                    Place::Tree(entry.as_struct_mut().expect("just made an object"))
                }
            };
        }
        match place {
            Place::Overlay(overlay) => {
                overlay.set(last, node);
            }
            Place::Tree(map) => {
                let value = match node {
                    Node::Owned(value) => value,
                    Node::Input(value) => value.to_value()?,
                    Node::Object(_) | Node::Removed => unreachable!("only values are put"),
                };
                map.insert(last.to_string(), value);
            }
        }
        Ok(())
    }

    /// Removes the value at a dotted path; false (and no change) if there
    /// is none (as [`Event::remove`]).
    pub fn remove(&mut self, path: &str) -> Result<bool, Error> {
        if self.find(path)?.is_none() {
            return Ok(false);
        }
        self.remove_found(path)?;
        Ok(true)
    }

    /// Removes the value at a path where one was found.
    fn remove_found(&mut self, path: &str) -> Result<(), Error> {
        let (parents, last) = split_last(path);
        // Every object on the way exists (the value was found), so the
        // steps make none.
        let mut place = Place::Overlay(self.fields_mut()?);
        for key in keys(parents) {
            place = match place {
                Place::Overlay(overlay) => overlay.step(key)?,
                Place::Tree(map) => Place::Tree(
                    map.get_mut(key)
                        .and_then(Value::as_struct_mut)
                        .expect("found above"),
                ),
            };
        }
        match place {
            Place::Overlay(overlay) => {
                overlay.set(last, Node::Removed);
            }
            Place::Tree(map) => {
                map.remove(last);
            }
        }
        Ok(())
    }

    /// Moves the value at `from` to `to`; false (and no change) if `from`
    /// is absent (as [`Event::rename`]). A value of the input is copied as
    /// it is encoded.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<bool, Error> {
        let node = match self.find(from)? {
            None => return Ok(false),
            Some(Found::Input(value)) => Node::Input(value),
            Some(Found::Edited(value)) => Node::Owned(value.to_value()?),
        };
        self.remove_found(from)?;
        self.put_node(to, node)?;
        Ok(true)
    }

    /// The timestamp, edits included.
    pub fn timestamp(&self) -> Result<Option<Timestamp>, Error> {
        match self.timestamp {
            Some(timestamp) => Ok(Some(timestamp)),
            None => self.input.timestamp(),
        }
    }

    pub fn set_timestamp(&mut self, timestamp: Timestamp) {
        self.timestamp = Some(timestamp);
    }

    /// The metadata value under `key`, edits included.
    pub fn metadata(&self, key: &str) -> Result<Option<&str>, Error> {
        match self.metadata.iter().find(|(k, _)| k == key) {
            Some((_, value)) => Ok(value.as_deref()),
            None => self.input.metadata(key),
        }
    }

    pub fn set_metadata(&mut self, key: &str, value: &str) {
        self.edit_metadata(key, Some(value.to_string()));
    }

    /// Removes a metadata key; false if it was not there.
    pub fn remove_metadata(&mut self, key: &str) -> Result<bool, Error> {
        if self.metadata(key)?.is_none() {
            return Ok(false);
        }
        self.edit_metadata(key, None);
        Ok(true)
    }

    fn edit_metadata(&mut self, key: &str, value: Option<String>) {
        match self.metadata.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.metadata.push((key.to_string(), value)),
        }
    }

    /// The edited event, serialized: the input's bytes where nothing was
    /// edited.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the serialized edited event to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        if !self.is_edited() {
            out.extend_from_slice(self.input.bytes());
            return Ok(());
        }
        encode::write_event(out, self)
    }

    /// Passes the edited event on to the host (without edits, the input's
    /// own bytes, which the host does not check again).
    pub fn emit(&self) -> Result<(), Error> {
        if !self.is_edited() {
            return crate::emit_raw(self.input.bytes());
        }
        // A buffer per emit, not one kept: on wasm32 a call's allocations
        // come from an arena that starts over once all are freed.
        let mut out = Vec::with_capacity(self.input.bytes().len() + 128);
        encode::write_event(&mut out, self)?;
        crate::emit_raw(&out)
    }

    /// The edited event as the owned tree.
    pub fn to_event(&self) -> Result<Event, Error> {
        Event::decode(&self.encode()?)
    }
}
