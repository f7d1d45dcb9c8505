//! Constructors and accessors for [`Value`].
use crate::{ListValue, NullValue, Struct, Timestamp, Value};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::Kind;

impl Value {
    /// An explicit null.
    pub fn null() -> Self {
        Self::from_kind(Kind::NullValue(NullValue::NullValue as i32))
    }

    pub fn from_kind(kind: Kind) -> Self {
        Value { kind: Some(kind) }
    }

    /// True for an explicit null and for a value with no kind set.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, None | Some(Kind::NullValue(_)))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Some(Kind::StringValue(s)) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Some(Kind::BoolValue(b)) => Some(b),
            _ => None,
        }
    }

    /// The value as a signed integer, when it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            Some(Kind::IntValue(i)) => Some(i),
            Some(Kind::UintValue(u)) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    /// The value as a float; integers convert.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Some(Kind::DoubleValue(d)) => Some(d),
            Some(Kind::IntValue(i)) => Some(i as f64),
            Some(Kind::UintValue(u)) => Some(u as f64),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            Some(Kind::ListValue(l)) => Some(&l.values),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            Some(Kind::StructValue(s)) => Some(&s.fields),
            _ => None,
        }
    }

    pub fn as_struct_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match &mut self.kind {
            Some(Kind::StructValue(s)) => Some(&mut s.fields),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::from_kind(Kind::BoolValue(v))
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::from_kind(Kind::IntValue(v))
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Self::from_kind(Kind::IntValue(v.into()))
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Self::from_kind(Kind::UintValue(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Self::from_kind(Kind::DoubleValue(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::from_kind(Kind::StringValue(v.into()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::from_kind(Kind::StringValue(v))
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Self::from_kind(Kind::BytesValue(v))
    }
}
impl From<Timestamp> for Value {
    fn from(v: Timestamp) -> Self {
        Self::from_kind(Kind::TimestampValue(v))
    }
}
impl From<Vec<Value>> for Value {
    fn from(values: Vec<Value>) -> Self {
        Self::from_kind(Kind::ListValue(ListValue { values }))
    }
}
impl From<BTreeMap<String, Value>> for Value {
    fn from(fields: BTreeMap<String, Value>) -> Self {
        Self::from_kind(Kind::StructValue(Struct { fields }))
    }
}

impl Timestamp {
    /// A timestamp from nanoseconds since the Unix epoch.
    pub fn from_unix_nanos(nanos: i64) -> Self {
        Timestamp {
            seconds: nanos.div_euclid(1_000_000_000),
            nanos: nanos.rem_euclid(1_000_000_000) as i32,
        }
    }
}

/// The value at a dotted path such as `event.original` in a document:
/// each part but the last names an object.
pub fn get_path<'a>(fields: &'a BTreeMap<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut value = fields.get(parts.next()?)?;
    for part in parts {
        value = value.as_struct()?.get(part)?;
    }
    Some(value)
}

/// Sets the value at a dotted path, creating the objects on the way; a
/// non-object on the way is replaced by an object.
pub fn put_path(fields: &mut BTreeMap<String, Value>, path: &str, value: Value) {
    let (parents, last) = match path.rsplit_once('.') {
        Some((parents, last)) => (Some(parents), last),
        None => (None, path),
    };
    let mut map = fields;
    for part in parents.into_iter().flat_map(|p| p.split('.')) {
        let entry = map
            .entry(part.into())
            .or_insert_with(|| Value::from(BTreeMap::new()));
        if entry.as_struct().is_none() {
            *entry = Value::from(BTreeMap::new());
        }
        map = entry.as_struct_mut().expect("just made an object");
    }
    map.insert(last.into(), value);
}
