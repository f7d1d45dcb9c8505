//! Editing an event without decoding it: edits are recorded over the input
//! bytes, look-ups see them, and encoding copies every unedited field and
//! subtree of the input as it is.
use super::encode;
use super::overlay::{value_of_entry, Node, Overlay, Place};
use super::path::{keys, split_first, split_last};
use super::view::{EventView, ValueRef};
use crate::{Error, Event, Timestamp, Value};
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
        self.fields_edited() || self.timestamp.is_some() || !self.metadata.is_empty()
    }

    /// Whether a field was edited (the top-level object is indexed before
    /// its first edit: a rename of an absent key leaves it without one).
    pub(crate) fn fields_edited(&self) -> bool {
        self.fields
            .as_ref()
            .is_some_and(|fields| !fields.edits.is_empty())
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
        let node = if let (None, key) = split_last(from) {
            // A top-level key: found and removed in one look-up.
            match self.fields_mut()?.take(key)? {
                Some(node) => node,
                None => return Ok(false),
            }
        } else {
            let node = match self.find(from)? {
                None => return Ok(false),
                Some(Found::Input(value)) => Node::Input(value),
                Some(Found::Edited(value)) => Node::Owned(value.to_value()?),
            };
            self.remove_found(from)?;
            node
        };
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

    /// The edited event as the owned tree (without edits, the input
    /// decoded where it lies: the tree API's path for every event).
    pub fn to_event(&self) -> Result<Event, Error> {
        if !self.is_edited() {
            return Event::decode(self.input.bytes());
        }
        Event::decode(&self.encode()?)
    }
}
