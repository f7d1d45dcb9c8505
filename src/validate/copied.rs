//! The emit check for an event made from an input: an entry of the emitted
//! event's fields that is byte for byte an entry of the input's fields is
//! not checked again. Both lie at the same depth, and the check of an entry
//! depends only on its bytes and its depth, so the input's verdict is the
//! entry's. (The input passed the input check, or the caller vouched for it
//! with `trusted_input`, as for an input emitted unchanged.)
//!
//! A patching SDK copies the unedited entries in the input's order and
//! writes the edited ones after them, so an entry is looked for among the
//! next few input entries only: the work stays linear in the two events.
use super::{fields, metadata_entry, object_entry, timestamp, Reader, LEN, READ_LIMIT};

/// How many input entries ahead a copy is looked for.
const WINDOW: usize = 4;

/// True when `bytes` decode as an `Event` (as `is_event`), given `input`,
/// the event the call received.
pub fn is_emit_of(bytes: &[u8], input: &[u8]) -> bool {
    let mut copies = InputEntries {
        fields: Reader { bytes: input },
        object: &[],
        window: [&[]; WINDOW],
        first: 0,
        len: 0,
    };
    fields(bytes, 0, |r, number, wire| match number {
        1 => Some(r.message(wire, 0, timestamp)),
        2 => Some(match wire {
            LEN => r
                .len_delimited()
                .and_then(|object| object_of(object, 1, &mut copies)),
            _ => None,
        }),
        3 => Some(r.message(wire, 0, metadata_entry)),
        _ => None,
    })
    .is_some()
}

/// `object` (the event's fields) with copied entries taken as checked.
fn object_of(bytes: &[u8], depth: u32, copies: &mut InputEntries) -> Option<()> {
    if depth >= READ_LIMIT {
        return None;
    }
    fields(bytes, depth, |r, number, wire| match number {
        1 => Some(match wire {
            LEN => r.len_delimited().and_then(|entry| {
                if copies.take(entry) {
                    Some(())
                } else {
                    object_entry(entry, depth + 1)
                }
            }),
            _ => None,
        }),
        _ => None,
    })
}

/// The entries of the input's fields, read as they are needed.
struct InputEntries<'a> {
    /// The input's top-level fields not read yet.
    fields: Reader<'a>,
    /// The rest of the fields object being read.
    object: &'a [u8],
    /// The next entries, `len` of them from `first` on (wrapping round).
    window: [&'a [u8]; WINDOW],
    first: usize,
    len: usize,
}

impl<'a> InputEntries<'a> {
    /// Whether `entry` is one of the next few input entries; if so, it and
    /// the entries before it are used up.
    fn take(&mut self, entry: &[u8]) -> bool {
        // The window is a ring: its entries start at `first`.
        while self.len < WINDOW {
            let Some(next) = self.next_entry() else { break };
            self.window[(self.first + self.len) % WINDOW] = next;
            self.len += 1;
        }
        let Some(at) = (0..self.len).find(|at| self.window[(self.first + at) % WINDOW] == entry)
        else {
            return false;
        };
        self.first = (self.first + at + 1) % WINDOW;
        self.len -= at + 1;
        true
    }

    /// The input's next entry; None at the end, or where the input does not
    /// decode (a vouched-for input), which ends the reading.
    fn next_entry(&mut self) -> Option<&'a [u8]> {
        let next = self.read_entry();
        if next.is_none() {
            self.fields.bytes = &[];
            self.object = &[];
        }
        next
    }

    fn read_entry(&mut self) -> Option<&'a [u8]> {
        loop {
            if !self.object.is_empty() {
                let mut r = Reader { bytes: self.object };
                let (number, wire) = r.key()?;
                if number == 1 && wire == LEN {
                    let entry = r.len_delimited()?;
                    self.object = r.bytes;
                    return Some(entry);
                }
                r.skip(number, wire, 1)?;
                self.object = r.bytes;
                continue;
            }
            if self.fields.bytes.is_empty() {
                return None;
            }
            let (number, wire) = self.fields.key()?;
            if number == 2 && wire == LEN {
                self.object = self.fields.len_delimited()?;
            } else {
                self.fields.skip(number, wire, 0)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::is_event;
    use super::super::tests::next;
    use super::*;
    use crate::json::event_from_json;
    use prost::Message as _;
    use serde_json::json;

    /// The input's entries (field 1 of its fields object), encoded.
    fn entries(input: &[u8]) -> Vec<Vec<u8>> {
        let mut copies = InputEntries {
            fields: Reader { bytes: input },
            object: &[],
            window: [&[]; WINDOW],
            first: 0,
            len: 0,
        };
        std::iter::from_fn(|| copies.next_entry().map(<[u8]>::to_vec)).collect()
    }

    fn event_of(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut object = Vec::new();
        for entry in entries {
            object.push(0x0a);
            prost::encoding::encode_varint(entry.len() as u64, &mut object);
            object.extend_from_slice(entry);
        }
        let mut event = vec![0x12];
        prost::encoding::encode_varint(object.len() as u64, &mut event);
        event.extend_from_slice(&object);
        event
    }

    /// Outputs made from an input the way a patching SDK makes them (some
    /// entries kept in order, some dropped, some changed and written last,
    /// some entries repeated or moved), then damaged at random: the check
    /// given the input agrees with the full check on every one.
    #[test]
    fn agrees_with_the_full_check_on_outputs_made_from_the_input() {
        let input = event_from_json(&json!({
            "a": "x", "b": {"c": [1, 2.5, "é"], "d": {"e": null}}, "f": true,
            "g": -7, "h": {"i": "j"}, "k": "l", "m": [], "n": {"o": {"p": "q"}}
        }))
        .unwrap()
        .encode_to_vec();
        let originals = entries(&input);
        assert_eq!(originals.len(), 8);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..100_000 {
            let mut kept: Vec<Vec<u8>> = Vec::new();
            let mut changed = Vec::new();
            for entry in &originals {
                match next(&mut state) % 8 {
                    0 => {}
                    1 => {
                        let mut entry = entry.clone();
                        let i = (next(&mut state) % entry.len() as u64) as usize;
                        entry[i] ^= 1 << (next(&mut state) % 8);
                        changed.push(entry);
                    }
                    2 => changed.push(entry.clone()),
                    3 => {
                        kept.push(entry.clone());
                        kept.push(entry.clone());
                    }
                    _ => kept.push(entry.clone()),
                }
            }
            kept.extend(changed);
            let mut output = event_of(&kept);
            if next(&mut state).is_multiple_of(4) {
                let i = (next(&mut state) % output.len() as u64) as usize;
                match next(&mut state) % 3 {
                    0 => output[i] ^= 1 << (next(&mut state) % 8),
                    1 => output.truncate(i),
                    _ => output.insert(i, next(&mut state) as u8),
                }
            }
            let full = is_event(&output);
            assert_eq!(is_emit_of(&output, &input), full, "{output:02x?}");
            if full {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 10_000 && invalid > 10_000,
            "{valid} valid, {invalid} invalid"
        );
    }

    /// An input that does not decode (vouched for with `trusted_input`)
    /// lends no verdict past where it stops decoding.
    #[test]
    fn an_input_that_does_not_decode_ends_the_copies() {
        let good = event_from_json(&json!({"a": "x", "b": "y"}))
            .unwrap()
            .encode_to_vec();
        let mut broken = good.clone();
        broken.truncate(good.len() - 2);
        let copies = entries(&broken);
        assert!(
            copies.is_empty(),
            "the fields object is cut short: {copies:?}"
        );
        assert!(is_emit_of(&good, &broken));
        let bad_entry = event_of(&[vec![0x0a, 0x01, 0xff]]);
        assert!(!is_emit_of(&bad_entry, &broken));
    }
}
