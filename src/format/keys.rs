//! Duplicate keys in one object are an error in every format (a map that
//! kept the last would drop a value silently). Keys of the objects open
//! at a moment are kept in one reused arena: small objects are checked as
//! each key arrives, large ones sorted once at their end, so a hostile
//! object of many keys costs n log n, not n².

#[derive(Default)]
pub(crate) struct KeySets {
    arena: Vec<u8>,
    /// (start, length) in `arena` of each key of the open objects.
    keys: Vec<(u32, u32)>,
}

/// One open object's part of the key sets.
#[must_use]
pub(crate) struct ObjectKeys {
    first: usize,
    arena_start: usize,
}

/// Objects up to this many keys are checked key by key.
const LINEAR: usize = 8;

impl KeySets {
    pub(crate) fn clear(&mut self) {
        self.arena.clear();
        self.keys.clear();
    }

    pub(crate) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            first: self.keys.len(),
            arena_start: self.arena.len(),
        }
    }

    fn key(&self, (start, len): (u32, u32)) -> &[u8] {
        &self.arena[start as usize..(start + len) as usize]
    }

    /// Adds a key of the object; Err(key) when it is already there (found
    /// now for small objects, by `close` for others).
    #[inline]
    pub(crate) fn add<'k>(&mut self, object: &ObjectKeys, key: &'k [u8]) -> Result<(), &'k [u8]> {
        let count = self.keys.len() - object.first;
        if count < LINEAR {
            let (arena, keys) = (&self.arena, &self.keys[object.first..]);
            if keys
                .iter()
                .any(|&(s, l)| &arena[s as usize..(s + l) as usize] == key)
            {
                return Err(key);
            }
        }
        self.keys.push((self.arena.len() as u32, key.len() as u32));
        self.arena.extend_from_slice(key);
        Ok(())
    }

    /// Ends the object: Err(a duplicate key) if it has one.
    pub(crate) fn close(&mut self, object: ObjectKeys) -> Result<(), Vec<u8>> {
        let mut duplicate = None;
        if self.keys.len() - object.first > LINEAR {
            let mut keys = std::mem::take(&mut self.keys);
            let own = &mut keys[object.first..];
            own.sort_unstable_by(|&a, &b| self.key(a).cmp(self.key(b)));
            duplicate = own
                .windows(2)
                .find(|w| self.key(w[0]) == self.key(w[1]))
                .map(|w| self.key(w[0]).to_vec());
            self.keys = keys;
        }
        self.keys.truncate(object.first);
        self.arena.truncate(object.arena_start);
        duplicate.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_in_small_and_large_objects_and_nested_ones_apart() {
        let mut sets = KeySets::default();
        let outer = sets.open();
        sets.add(&outer, b"a").unwrap();
        let inner = sets.open();
        sets.add(&inner, b"a").unwrap();
        assert_eq!(sets.add(&inner, b"a"), Err(&b"a"[..]));
        sets.close(inner).unwrap();
        for i in 0..100 {
            sets.add(&outer, format!("k{i}").as_bytes()).unwrap();
        }
        sets.add(&outer, b"k57").unwrap();
        assert_eq!(sets.close(outer), Err(b"k57".to_vec()));
        let clean = sets.open();
        for i in 0..100 {
            sets.add(&clean, format!("k{i}").as_bytes()).unwrap();
        }
        assert_eq!(sets.close(clean), Ok(()));
    }
}
