//! Splitting dotted paths (`event.original`) into keys, byte-wise.

/// The first key of a path, and what follows its dot.
#[inline]
pub(crate) fn split_first(path: &str) -> (&str, Option<&str>) {
    match path.bytes().position(|b| b == b'.') {
        Some(dot) => (&path[..dot], Some(&path[dot + 1..])),
        None => (path, None),
    }
}

/// What precedes the last dot of a path, and its last key.
#[inline]
pub(crate) fn split_last(path: &str) -> (Option<&str>, &str) {
    match path.bytes().rposition(|b| b == b'.') {
        Some(dot) => (Some(&path[..dot]), &path[dot + 1..]),
        None => (None, path),
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
        for path in ["", "a", "a.b", ".a", "a.", "a..b", "é.ü.x", "..."] {
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
}
