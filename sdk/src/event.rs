//! An event with dotted-path access to its fields.
use crate::Error;
use eiw_proto::{Struct, Timestamp, Value};
use prost::Message;
use std::collections::BTreeMap;

/// One event: a document of fields, a timestamp, and string metadata.
///
/// Paths are dotted: `get("event.original")` reads the key `original` of the
/// object at key `event`. Keys that themselves contain dots are reached
/// through [`Event::fields`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    inner: eiw_proto::Event,
}

impl Event {
    pub fn new() -> Event {
        Event::default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Event, Error> {
        Ok(Event {
            inner: eiw_proto::Event::decode(bytes)?,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        self.inner.encode_to_vec()
    }

    pub fn from_proto(inner: eiw_proto::Event) -> Event {
        Event { inner }
    }

    pub fn as_proto(&self) -> &eiw_proto::Event {
        &self.inner
    }

    pub fn into_proto(self) -> eiw_proto::Event {
        self.inner
    }

    /// The top-level fields.
    pub fn fields(&self) -> &BTreeMap<String, Value> {
        static EMPTY: BTreeMap<String, Value> = BTreeMap::new();
        self.inner.fields.as_ref().map_or(&EMPTY, |s| &s.fields)
    }

    pub fn fields_mut(&mut self) -> &mut BTreeMap<String, Value> {
        &mut self.inner.fields.get_or_insert_with(Struct::default).fields
    }

    pub fn timestamp(&self) -> Option<Timestamp> {
        self.inner.timestamp
    }

    pub fn set_timestamp(&mut self, timestamp: Timestamp) {
        self.inner.timestamp = Some(timestamp);
    }

    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.inner.metadata
    }

    pub fn metadata_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inner.metadata
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&Value> {
        eiw_proto::get_path(self.fields(), path)
    }

    /// The string at a dotted path.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// Sets the value at a dotted path, creating the objects on the way; a
    /// non-object on the way is replaced by an object.
    pub fn put(&mut self, path: &str, value: impl Into<Value>) {
        eiw_proto::put_path(self.fields_mut(), path, value.into());
    }

    /// Removes and returns the value at a dotted path.
    pub fn remove(&mut self, path: &str) -> Option<Value> {
        let (parents, last) = match path.rsplit_once('.') {
            Some((parents, last)) => (Some(parents), last),
            None => (None, path),
        };
        let mut map = self.inner.fields.as_mut().map(|s| &mut s.fields)?;
        for part in parents.into_iter().flat_map(|p| p.split('.')) {
            map = map.get_mut(part)?.as_struct_mut()?;
        }
        map.remove(last)
    }

    /// Moves the value at `from` to `to`; false (and no change) if `from`
    /// is absent.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        match self.remove(from) {
            Some(value) => {
                self.put(to, value);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_remove_rename_follow_dotted_paths() {
        let mut event = Event::new();
        event.put("message", "hello");
        event.put("event.kind", "log");
        event.put("event.created.by", "me");
        assert_eq!(event.get_str("event.kind"), Some("log"));
        assert_eq!(event.get_str("event.created.by"), Some("me"));
        assert_eq!(event.get("event.missing"), None);
        assert_eq!(event.get("message.deeper"), None);

        assert!(event.rename("message", "event.original"));
        assert_eq!(event.get("message"), None);
        assert_eq!(event.get_str("event.original"), Some("hello"));
        assert!(!event.rename("message", "elsewhere"));
        assert_eq!(event.get("elsewhere"), None);

        assert_eq!(event.remove("event.kind"), Some(Value::from("log")));
        assert_eq!(event.remove("event.kind"), None);
        assert_eq!(event.remove("nothing.here"), None);
    }

    #[test]
    fn put_replaces_a_scalar_in_the_way() {
        let mut event = Event::new();
        event.put("a", 1i64);
        event.put("a.b", 2i64);
        assert_eq!(event.get("a.b").and_then(Value::as_i64), Some(2));
    }

    #[test]
    fn encodes_and_decodes() {
        let mut event = Event::new();
        event.put("x.y", true);
        event.set_timestamp(Timestamp {
            seconds: 5,
            nanos: 6,
        });
        event.metadata_mut().insert("k".into(), "v".into());
        let back = Event::decode(&event.encode()).unwrap();
        assert_eq!(back, event);
        assert!(Event::decode(&[0xff, 0xff]).is_err());
    }
}
