//! Reading an event where it lies: dotted-path look-ups that scan the
//! serialized bytes and borrow strings, numbers and nested objects and
//! lists from them, without decoding the rest.
//!
//! Protobuf's reading rules are kept, so a look-up answers what `Event::decode`
//! would: the last of a repeated map key wins, a oneof takes its last field,
//! and repeated occurrences of a message (concatenated encodings) merge.
use super::entries::{
    for_each_entry, lookup, merge_timestamp, metadata_entry, parse_entry, same_key,
};
use super::overlay::Overlay;
use super::path::{keys, split_first};
use super::reader::{for_each_field, utf8, Field, Reader};
use crate::{Error, Event, Timestamp, Value};
use eiw_proto::Kind;
use prost::Message;
use std::collections::BTreeMap;

/// A read-only view of a serialized `Event`. Copying it copies a pointer.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    bytes: &'a [u8],
}

/// What a value is, borrowed from where it lies.
#[derive(Clone, Copy, Debug)]
pub enum KindRef<'a> {
    /// An explicit null, or a value with no kind set.
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Timestamp(Timestamp),
    List(ListView<'a>),
    Struct(StructView<'a>),
}

/// A value found by a look-up: its kind, and where it came from (so that
/// putting it elsewhere copies its bytes as they are).
#[derive(Clone, Copy, Debug)]
pub struct ValueRef<'a> {
    kind: KindRef<'a>,
    pub(crate) source: Source<'a>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    /// The payload of a serialized `Value`.
    Wire(&'a [u8]),
    Owned(&'a Value),
    /// An object with edits (only from `EventPatch` look-ups).
    Patched(&'a Overlay<'a>),
}

/// An object: the entries of every occurrence of message field `field` in
/// `container` (one occurrence but for merged encodings).
#[derive(Clone, Copy, Debug)]
pub struct StructView<'a>(pub(crate) StructRepr<'a>);

#[derive(Clone, Copy, Debug)]
pub(crate) enum StructRepr<'a> {
    Wire { container: &'a [u8], field: u32 },
    Owned(&'a BTreeMap<String, Value>),
    Patched(&'a Overlay<'a>),
}

/// A list, like [`StructView`].
#[derive(Clone, Copy, Debug)]
pub struct ListView<'a>(ListRepr<'a>);

#[derive(Clone, Copy, Debug)]
enum ListRepr<'a> {
    Wire { container: &'a [u8] },
    Owned(&'a [Value]),
}

impl<'a> EventView<'a> {
    /// A view of `bytes`. Nothing is read yet: look-ups read what they
    /// pass through and fail on bytes that do not decode there.
    pub fn new(bytes: &'a [u8]) -> Self {
        EventView { bytes }
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The top-level fields.
    pub fn fields(&self) -> StructView<'a> {
        StructView(StructRepr::Wire {
            container: self.bytes,
            field: 2,
        })
    }

    /// The value at a dotted path (as [`Event::get`]).
    pub fn get(&self, path: &str) -> Result<Option<ValueRef<'a>>, Error> {
        self.fields().get_path(path)
    }

    /// The string at a dotted path; None if absent or not a string.
    pub fn get_str(&self, path: &str) -> Result<Option<&'a str>, Error> {
        Ok(self.get(path)?.and_then(|v| v.as_str()))
    }

    /// The event's timestamp.
    pub fn timestamp(&self) -> Result<Option<Timestamp>, Error> {
        let mut found = None;
        for_each_field(self.bytes, |field| {
            if field.number == 1 {
                merge_timestamp(found.get_or_insert_with(Timestamp::default), field.bytes()?)?;
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// The metadata value under `key`.
    pub fn metadata(&self, key: &str) -> Result<Option<&'a str>, Error> {
        let mut found = None;
        for_each_field(self.bytes, |field| {
            if field.number == 3 {
                let (k, v) = metadata_entry(field.bytes()?)?;
                if same_key(k, key.as_bytes()) {
                    found = Some(v);
                }
            }
            Ok(())
        })?;
        found.map(utf8).transpose()
    }

    /// Calls `each` with every metadata entry in encoding order (a key an
    /// encoding repeats comes more than once; its last value is the one
    /// that counts).
    pub fn for_each_metadata(&self, mut each: impl FnMut(&'a str, &'a str)) -> Result<(), Error> {
        for_each_field(self.bytes, |field| {
            if field.number == 3 {
                let (k, v) = metadata_entry(field.bytes()?)?;
                each(utf8(k)?, utf8(v)?);
            }
            Ok(())
        })
    }

    /// Decodes the whole event into the owned tree.
    pub fn to_event(&self) -> Result<Event, Error> {
        Event::decode(self.bytes)
    }
}

impl<'a> ValueRef<'a> {
    /// Reads a serialized `Value`'s payload.
    pub(crate) fn from_wire(body: &'a [u8]) -> Result<Self, Error> {
        Ok(ValueRef {
            kind: wire_kind(body)?,
            source: Source::Wire(body),
        })
    }

    pub(crate) fn from_patched(overlay: &'a Overlay<'a>) -> Self {
        ValueRef {
            kind: KindRef::Struct(StructView(StructRepr::Patched(overlay))),
            source: Source::Patched(overlay),
        }
    }

    pub fn kind(&self) -> KindRef<'a> {
        self.kind
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, KindRef::Null)
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self.kind {
            KindRef::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            KindRef::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// An integer kind that fits an i64 (as `Value::as_i64`).
    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            KindRef::Int(i) => Some(i),
            KindRef::Uint(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            KindRef::Double(d) => Some(d),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<StructView<'a>> {
        match self.kind {
            KindRef::Struct(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<ListView<'a>> {
        match self.kind {
            KindRef::List(l) => Some(l),
            _ => None,
        }
    }

    /// The value as an owned tree, exactly as `Event::decode` reads it.
    pub fn to_value(&self) -> Result<Value, Error> {
        match self.source {
            Source::Wire(body) => Ok(Value::decode(body)?),
            Source::Owned(value) => Ok(value.clone()),
            Source::Patched(overlay) => {
                let mut body = Vec::new();
                super::encode::write_object_value(&mut body, overlay)?;
                Ok(Value::decode(body.as_slice())?)
            }
        }
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(value: &'a Value) -> Self {
        let kind = match &value.kind {
            None | Some(Kind::NullValue(_)) => KindRef::Null,
            Some(Kind::BoolValue(b)) => KindRef::Bool(*b),
            Some(Kind::IntValue(i)) => KindRef::Int(*i),
            Some(Kind::UintValue(u)) => KindRef::Uint(*u),
            Some(Kind::DoubleValue(d)) => KindRef::Double(*d),
            Some(Kind::StringValue(s)) => KindRef::Str(s),
            Some(Kind::BytesValue(b)) => KindRef::Bytes(b),
            Some(Kind::TimestampValue(t)) => KindRef::Timestamp(*t),
            Some(Kind::ListValue(l)) => KindRef::List(ListView(ListRepr::Owned(&l.values))),
            Some(Kind::StructValue(s)) => KindRef::Struct(StructView(StructRepr::Owned(&s.fields))),
        };
        ValueRef {
            kind,
            source: Source::Owned(value),
        }
    }
}

/// The kind of a serialized `Value`: its last oneof field, and for a
/// message kind every occurrence since the last field of another kind
/// (protobuf merges them).
fn wire_kind(body: &[u8]) -> Result<KindRef<'_>, Error> {
    // Most values are one string or one object with a one-byte length.
    match *body {
        [0x32, n, ref payload @ ..] if n < 0x80 && usize::from(n) == payload.len() => {
            return Ok(KindRef::Str(utf8(payload)?));
        }
        [0x52, n, ref payload @ ..] if n < 0x80 && usize::from(n) == payload.len() => {
            return Ok(KindRef::Struct(StructView(StructRepr::Wire {
                container: body,
                field: 10,
            })));
        }
        _ => {}
    }
    let mut reader = Reader::new(body);
    let mut last = None;
    let mut run_start = 0;
    loop {
        let at = body.len() - reader.bytes.len();
        let Some(field) = reader.next_field()? else {
            break;
        };
        if !(1..=10).contains(&field.number) {
            continue;
        }
        if last.map(|f: Field| f.number) != Some(field.number) {
            run_start = at;
        }
        last = Some(field);
    }
    let Some(field) = last else {
        return Ok(KindRef::Null);
    };
    let run = &body[run_start..];
    Ok(match field.number {
        1 => {
            field.varint()?;
            KindRef::Null
        }
        2 => KindRef::Bool(field.varint()? != 0),
        3 => KindRef::Int(field.varint()? as i64),
        4 => KindRef::Uint(field.varint()?),
        5 => KindRef::Double(field.double()?),
        6 => KindRef::Str(field.str()?),
        7 => KindRef::Bytes(field.bytes()?),
        8 => {
            let mut timestamp = Timestamp::default();
            for_each_field(run, |f| {
                if f.number == 8 {
                    merge_timestamp(&mut timestamp, f.bytes()?)?;
                }
                Ok(())
            })?;
            KindRef::Timestamp(timestamp)
        }
        9 => {
            field.bytes()?;
            KindRef::List(ListView(ListRepr::Wire { container: run }))
        }
        _ => {
            field.bytes()?;
            KindRef::Struct(StructView(StructRepr::Wire {
                container: run,
                field: 10,
            }))
        }
    })
}

impl<'a> StructView<'a> {
    /// The value under `key` (one key, no dots).
    pub fn get(&self, key: &str) -> Result<Option<ValueRef<'a>>, Error> {
        match self.0 {
            StructRepr::Wire { container, field } => match lookup(container, field, key)? {
                Some(body) => ValueRef::from_wire(body).map(Some),
                None => Ok(None),
            },
            StructRepr::Owned(map) => Ok(map.get(key).map(ValueRef::from)),
            StructRepr::Patched(overlay) => overlay.get(key),
        }
    }

    /// The value at a dotted path below this object.
    pub fn get_path(&self, path: &str) -> Result<Option<ValueRef<'a>>, Error> {
        let (first, rest) = split_first(path);
        let Some(mut value) = self.get(first)? else {
            return Ok(None);
        };
        for part in keys(rest) {
            let Some(object) = value.as_struct() else {
                return Ok(None);
            };
            match object.get(part)? {
                Some(next) => value = next,
                None => return Ok(None),
            }
        }
        Ok(Some(value))
    }

    /// Calls `each` with every entry: in encoding order for an object read
    /// from the wire (where a key an encoding repeats comes more than once
    /// and its last value is the one that counts), in key order for an
    /// owned one, unedited entries then edited ones for an edited one.
    pub fn for_each(
        &self,
        mut each: impl FnMut(&'a str, ValueRef<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self.0 {
            StructRepr::Wire { container, field } => {
                for_each_entry(container, field, |_, entry| {
                    let entry = parse_entry(entry)?;
                    let value = match entry.value {
                        Some(body) => ValueRef::from_wire(body)?,
                        None => ValueRef::from_wire(&[])?,
                    };
                    each(utf8(entry.key)?, value)
                })
            }
            StructRepr::Owned(map) => map
                .iter()
                .try_for_each(|(k, v)| each(k.as_str(), ValueRef::from(v))),
            StructRepr::Patched(overlay) => overlay.for_each(&mut each),
        }
    }
}

impl<'a> ListView<'a> {
    /// Calls `each` with every element in order.
    pub fn for_each(
        &self,
        mut each: impl FnMut(ValueRef<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self.0 {
            ListRepr::Wire { container } => for_each_field(container, |outer| {
                if outer.number != 9 {
                    return Ok(());
                }
                for_each_field(outer.bytes()?, |inner| {
                    if inner.number == 1 {
                        each(ValueRef::from_wire(inner.bytes()?)?)?;
                    }
                    Ok(())
                })
            }),
            ListRepr::Owned(values) => values.iter().try_for_each(|v| each(ValueRef::from(v))),
        }
    }

    /// The elements, read into a vector of views.
    pub fn to_vec(&self) -> Result<Vec<ValueRef<'a>>, Error> {
        let mut items = Vec::new();
        self.for_each(|v| {
            items.push(v);
            Ok(())
        })?;
        Ok(items)
    }
}
