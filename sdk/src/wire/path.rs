//! Splitting dotted paths (`event.original`) into keys, byte-wise.
use super::reader::copy_short;

/// The first key of a path, and what follows its dot.
#[inline]
pub(crate) fn split_first(path: &str) -> (&str, Option<&str>) {
    match first_dot(path.as_bytes()) {
        Some(dot) => (&path[..dot], Some(&path[dot + 1..])),
        None => (path, None),
    }
}

/// What precedes the last dot of a path, and its last key.
#[inline]
pub(crate) fn split_last(path: &str) -> (Option<&str>, &str) {
    match last_dot(path.as_bytes()) {
        Some(dot) => (Some(&path[..dot]), &path[dot + 1..]),
        None => (None, path),
    }
}

// Paths are searched eight bytes at a time (a byte loop costs a bounds
// check and a metering charge per byte in wasm).

/// A word with the high bit set in each byte of `word` that is a dot, and
/// no other bit (exact: no carry crosses a byte).
#[inline(always)]
fn dots(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let v = word ^ 0x2e2e_2e2e_2e2e_2e2e;
    !(((v & LOW7) + LOW7) | v | LOW7)
}

#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A path shorter than a word, as one (zeros after it: not dots).
#[inline(always)]
fn padded(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    copy_short(&mut word, bytes);
    u64::from_le_bytes(word)
}

fn first_dot(bytes: &[u8]) -> Option<usize> {
    let n = bytes.len();
    if n < 8 {
        let found = dots(padded(bytes));
        return (found != 0).then(|| found.trailing_zeros() as usize / 8);
    }
    // Words from the start; the last one ends at the end (overlapping the
    // one before, whose bytes had no dot).
    let mut at = 0;
    loop {
        let found = dots(word_at(bytes, at));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        if at == n - 8 {
            return None;
        }
        at = (at + 8).min(n - 8);
    }
}

fn last_dot(bytes: &[u8]) -> Option<usize> {
    let n = bytes.len();
    let highest = |found: u64| (63 - found.leading_zeros() as usize) / 8;
    if n < 8 {
        let found = dots(padded(bytes));
        return (found != 0).then(|| highest(found));
    }
    // Words from the end; the last one starts at the start.
    let mut at = n - 8;
    loop {
        let found = dots(word_at(bytes, at));
        if found != 0 {
            return Some(at + highest(found));
        }
        if at == 0 {
            return None;
        }
        at = at.saturating_sub(8);
    }
}

/// The keys of a path in order (none for `None`).
pub(crate) fn keys(path: Option<&str>) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let (key, after) = split_first(rest?);
        rest = after;
        Some(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_str_split_does() {
        let long = [
            "abcdefgh.ijklmnop",
            "abcdefghijklmnopq.r",
            "a.bcdefghijklmnopqrstuvwxyz",
            "./0123456789-.,/",
            "é.ü.xxxxxxxxxxxxxxxxxxx.yyyyyyyy",
            "........................",
            "noneofthesehaveadotatall",
        ];
        let short = ["", "a", "a.b", ".a", "a.", "a..b", "é.ü.x", "..."];
        for path in short.into_iter().chain(long) {
            assert_eq!(first_dot(path.as_bytes()), path.find('.'), "{path:?}");
            assert_eq!(last_dot(path.as_bytes()), path.rfind('.'), "{path:?}");
            let ours: Vec<_> = keys(Some(path)).collect();
            let std: Vec<_> = path.split('.').collect();
            assert_eq!(ours, std, "{path:?}");
            assert_eq!(
                split_last(path),
                match path.rsplit_once('.') {
                    Some((p, l)) => (Some(p), l),
                    None => (None, path),
                }
            );
        }
    }

    /// Dots found where a byte loop finds them, beside bytes one off a dot
    /// (which an inexact word test would take for one), at every position.
    #[test]
    fn dots_are_found_at_every_position() {
        for filler in [b'-', b'/', 0xae, 0x00, 0xff, b'a'] {
            for n in 0..40 {
                for first in 0..=n {
                    for second in [first, first + 3, first + 9, n] {
                        let mut bytes = vec![filler; n];
                        for at in [first, second] {
                            if let Some(b) = bytes.get_mut(at) {
                                *b = b'.';
                            }
                        }
                        let by_byte = |b: &u8| *b == b'.';
                        assert_eq!(first_dot(&bytes), bytes.iter().position(by_byte));
                        assert_eq!(last_dot(&bytes), bytes.iter().rposition(by_byte));
                    }
                }
            }
        }
    }
}
