//! Duplicate keys in one object are an error in every format (a map that
//! kept the last would drop a value silently). The keys of the objects open
//! at a moment are noted as places in the record being read (`base`) when
//! they lie in it, which is the rule, and copied to a reused arena when
//! they do not (JSON keys with escapes). Small objects are checked as each
//! key arrives, large ones sorted once at their end, so a hostile object of
//! many keys costs n log n, not n².

#[derive(Default)]
pub(crate) struct KeySets {
    arena: Vec<u8>,
    /// Each key of the open objects: (start, length | IN_ARENA, its first
    /// 8 bytes), the prefix deciding most comparisons without the bytes.
    keys: Vec<(u32, u32, u64)>,
}

/// The first 8 bytes of a key, zero-padded: with the length, the whole of
/// a key of up to 8 bytes.
#[inline(always)]
fn prefix(key: &[u8]) -> u64 {
    match key.get(..8) {
        Some(head) => u64::from_le_bytes(head.try_into().unwrap_or_default()),
        None => key
            .iter()
            .rev()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b)),
    }
}

/// One open object's part of the key sets.
#[must_use]
pub(crate) struct ObjectKeys {
    first: usize,
    arena_start: usize,
    /// A one-word filter of the keys seen: a key whose bit is clear is new
    /// without comparing it to the others.
    seen: u64,
}

/// Objects up to this many keys are checked key by key.
const LINEAR: usize = 16;
const IN_ARENA: u32 = 1 << 31;

impl KeySets {
    pub(crate) fn clear(&mut self) {
        self.arena.clear();
        self.keys.clear();
    }

    pub(crate) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            first: self.keys.len(),
            arena_start: self.arena.len(),
            seen: 0,
        }
    }

    #[inline(always)]
    fn key<'s>(&'s self, (start, len, _): (u32, u32, u64), base: &'s [u8]) -> &'s [u8] {
        let (from, start) = match len & IN_ARENA {
            0 => (base, start as usize),
            _ => (&self.arena[..], start as usize),
        };
        from.get(start..start + (len & !IN_ARENA) as usize)
            .unwrap_or_default()
    }

    /// Adds a key of the object, a slice of `base` or not; Err(key) when
    /// it is already there (found now for small objects, by `close` for
    /// others).
    #[inline(always)]
    pub(crate) fn add<'k>(
        &mut self,
        object: &mut ObjectKeys,
        key: &'k [u8],
        base: &[u8],
    ) -> Result<(), &'k [u8]> {
        let offset = super::offset_in(base, key);
        // A key inside `base` with 8 bytes after its start: one load, masked.
        let word = offset.and_then(|at| base.get(at..at + 8));
        let head = match word {
            Some(word) => {
                u64::from_le_bytes(word.try_into().unwrap_or_default())
                    & super::low_bytes(key.len())
            }
            None => prefix(key),
        };
        let bit = 1u64 << ((head ^ key.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58);
        let maybe_seen = object.seen & bit != 0;
        object.seen |= bit;
        if maybe_seen && self.keys.len() - object.first < LINEAR {
            let own = &self.keys[object.first..];
            let same = |k: (u32, u32, u64)| {
                k.2 == head
                    && (k.1 & !IN_ARENA) as usize == key.len()
                    && (key.len() <= 8 || self.key(k, base) == key)
            };
            if own.iter().any(|&k| same(k)) {
                return Err(key);
            }
        }
        let in_base = offset.and_then(|at| u32::try_from(at).ok());
        let entry = match (in_base, u32::try_from(key.len())) {
            (Some(start), Ok(len)) if len < IN_ARENA => (start, len, head),
            _ => {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(key);
                (start, key.len() as u32 | IN_ARENA, head)
            }
        };
        self.keys.push(entry);
        Ok(())
    }

    /// Ends the object: Err(a duplicate key) if it has one.
    #[inline(always)]
    pub(crate) fn close(&mut self, object: ObjectKeys, base: &[u8]) -> Result<(), Vec<u8>> {
        if self.keys.len() - object.first > LINEAR {
            return self.close_large(object, base);
        }
        // Small objects were checked key by key.
        self.keys.truncate(object.first);
        self.arena.truncate(object.arena_start);
        Ok(())
    }

    /// Ends an object of more than LINEAR keys: one sort finds duplicates.
    #[inline(never)]
    fn close_large(&mut self, object: ObjectKeys, base: &[u8]) -> Result<(), Vec<u8>> {
        let mut keys = std::mem::take(&mut self.keys);
        let own = &mut keys[object.first..];
        own.sort_unstable_by(|&a, &b| self.key(a, base).cmp(self.key(b, base)));
        let duplicate = own
            .windows(2)
            .find(|w| self.key(w[0], base) == self.key(w[1], base))
            .map(|w| self.key(w[0], base).to_vec());
        self.keys = keys;
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
        let base = b"a a k57".to_vec();
        let mut sets = KeySets::default();
        let mut outer = sets.open();
        sets.add(&mut outer, &base[0..1], &base).unwrap();
        let mut inner = sets.open();
        sets.add(&mut inner, &base[2..3], &base).unwrap();
        assert_eq!(sets.add(&mut inner, b"a", &base), Err(&b"a"[..]));
        sets.close(inner, &base).unwrap();
        for i in 0..100 {
            sets.add(&mut outer, format!("k{i}").as_bytes(), &base)
                .unwrap();
        }
        sets.add(&mut outer, &base[4..7], &base).unwrap();
        assert_eq!(sets.close(outer, &base), Err(b"k57".to_vec()));
        let mut clean = sets.open();
        for i in 0..100 {
            sets.add(&mut clean, format!("k{i}").as_bytes(), &base)
                .unwrap();
        }
        assert_eq!(sets.close(clean, &base), Ok(()));
    }
}
