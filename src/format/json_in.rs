//! JSON text to the protobuf wire form of `Event` and `Config`, in one
//! pass with no tree (docs/FORMATS.md has the mapping).
use super::keys::KeySets;
use super::wire_out::{self as wire, key};
use super::{rfc3339, FormatError, METADATA_KEY, TIMESTAMP_KEY};
use crate::validate::MAX_DEPTH;

type Result<T> = std::result::Result<T, FormatError>;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes of `w` that end a plain run of string text: `"`, `\` or a
/// control character. Only the lowest flagged byte is exact.
#[inline(always)]
pub(crate) fn specials(w: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    zero(w ^ (0x22 * LO)) | zero(w ^ (0x5c * LO)) | (w.wrapping_sub(0x20 * LO) & !w & HI)
}

pub(crate) struct JsonReader<'a> {
    s: &'a [u8],
    pos: usize,
    keys: &'a mut KeySets,
}

impl<'a> JsonReader<'a> {
    pub(crate) fn new(s: &'a [u8], keys: &'a mut KeySets) -> Self {
        keys.clear();
        JsonReader { s, pos: 0, keys }
    }

    fn error<T>(&self, at: usize, what: impl Into<String>) -> Result<T> {
        Err(FormatError::at(at, what))
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.pos).copied()
    }

    #[inline(always)]
    fn expect(&mut self, c: u8, what: &str) -> Result<()> {
        // Compact JSON has the character right here.
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            return Ok(());
        }
        self.expect_slow(c, what)
    }

    #[inline(never)]
    fn expect_slow(&mut self, c: u8, what: &str) -> Result<()> {
        match self.peek() {
            Some(got) if got == c => {
                self.pos += 1;
                Ok(())
            }
            Some(got) => self.error(self.pos, format!("expected {what}, found {}", shown(got))),
            None => self.error(
                self.pos,
                format!("expected {what}, found the end of the input"),
            ),
        }
    }

    fn end(&mut self, what: &str) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.error(self.pos, format!("unexpected text after the {what}")),
        }
    }

    fn depth_error<T>(&self) -> Result<T> {
        self.error(
            self.pos,
            format!("nested too deep: the event would nest more than {MAX_DEPTH} protobuf messages (the event check's limit)"),
        )
    }

    /// A whole event: one object; `@timestamp` and `@metadata` at its top
    /// level are the event's timestamp and metadata.
    pub(crate) fn event(mut self, out: &mut Vec<u8>, side: &mut Vec<u8>) -> Result<()> {
        side.clear();
        // The protobuf of a JSON record is rarely longer than its text.
        out.reserve(self.s.len() + 64);
        if self.peek() != Some(b'{') {
            return self.top_level_error("an event");
        }
        self.pos += 1;
        let fields = wire::open(out, key::EVENT_FIELDS);
        let mut object = self.keys.open();
        let open_at = self.pos - 1;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let entry_start = out.len();
                let entry = wire::open(out, key::ENTRY);
                let name = self.key(out, &mut object)?;
                match &out[name..] {
                    k if k == TIMESTAMP_KEY.as_bytes() => {
                        out.truncate(entry_start);
                        drop(entry);
                        self.timestamp(side)?;
                    }
                    k if k == METADATA_KEY.as_bytes() => {
                        out.truncate(entry_start);
                        drop(entry);
                        self.metadata(side)?;
                    }
                    _ => {
                        self.value(out, key::MAP_VALUE, 3)?;
                        wire::close(out, entry);
                    }
                }
                if !self.more_members()? {
                    break;
                }
            }
        }
        self.close_keys(object, open_at)?;
        wire::close(out, fields);
        out.extend_from_slice(side);
        self.end("event")
    }

    /// A config: one object of parameters.
    pub(crate) fn config(mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.peek() != Some(b'{') {
            return self.top_level_error("a config");
        }
        self.pos += 1;
        self.members(out, 1)?;
        self.end("config")
    }

    fn top_level_error(&self, what: &str) -> Result<()> {
        let found = match self.s.get(self.pos) {
            None => "nothing".to_string(),
            Some(&c) => shown(c),
        };
        self.error(
            self.pos,
            format!("{what} must be a JSON object; found {found}"),
        )
    }

    /// After a member: true when another follows.
    #[inline(always)]
    fn more_members(&mut self) -> Result<bool> {
        match self.s.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                return Ok(true);
            }
            Some(b'}') => {
                self.pos += 1;
                return Ok(false);
            }
            _ => {}
        }
        self.more_members_slow()
    }

    #[inline(never)]
    fn more_members_slow(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(c) => self.error(
                self.pos,
                format!("expected , or }} in an object, found {}", shown(c)),
            ),
            None => self.error(self.pos, "the input ends inside an object"),
        }
    }

    /// A member name, written as a map entry's key; returns where the
    /// name's bytes start in `out`.
    fn key(&mut self, out: &mut Vec<u8>, object: &mut super::keys::ObjectKeys) -> Result<usize> {
        if self.peek() != Some(b'"') {
            let found = self
                .s
                .get(self.pos)
                .map_or("the end of the input".into(), |&c| shown(c));
            return self.error(
                self.pos,
                format!("expected a member name (a string), found {found}"),
            );
        }
        let at = self.pos;
        let start = self.string(out, key::MAP_KEY)?;
        // A name with no escapes is its own text in the input; the key sets
        // note its place there rather than copy it.
        let s = self.s;
        let raw = &s[at + 1..self.pos - 1];
        let name = if raw.len() == out.len() - start {
            raw
        } else {
            &out[start..]
        };
        if let Err(name) = self.keys.add(object, name, s) {
            let name = String::from_utf8_lossy(name).into_owned();
            return self.error(at, format!("duplicate key {name:?}"));
        }
        self.expect(b':', ":")?;
        Ok(start)
    }

    #[inline(always)]
    fn close_keys(&mut self, object: super::keys::ObjectKeys, open_at: usize) -> Result<()> {
        self.keys.close(object, self.s).or_else(|name| {
            let name = String::from_utf8_lossy(&name).into_owned();
            self.error(open_at, format!("duplicate key {name:?} in the object"))
        })
    }

    /// The members of an object whose `{` was read, as map entries (Struct
    /// fields or Config parameters) whose messages are at `depth`.
    fn members(&mut self, out: &mut Vec<u8>, depth: u32) -> Result<()> {
        let open_at = self.pos - 1;
        let mut object = self.keys.open();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let entry = wire::open(out, key::ENTRY);
                self.key(out, &mut object)?;
                self.value(out, key::MAP_VALUE, depth + 1)?;
                wire::close(out, entry);
                if !self.more_members()? {
                    break;
                }
            }
        }
        self.close_keys(object, open_at)
    }

    /// One value, written as a `Value` message with `value_key` at `depth`.
    /// A small dispatcher, inlined where values are read; the larger cases
    /// are functions of their own, so that the usual one (a short string)
    /// costs no more than it needs.
    #[inline(always)]
    fn value(&mut self, out: &mut Vec<u8>, value_key: u8, depth: u32) -> Result<()> {
        if depth >= MAX_DEPTH {
            return self.depth_error();
        }
        let next = match self.s.get(self.pos).copied() {
            Some(b' ' | b'\t' | b'\n' | b'\r') => self.peek(),
            c => c,
        };
        match next {
            Some(b'"') => {
                if self.short_string_value(out, value_key)? {
                    return Ok(());
                }
                self.long_string_value(out, value_key)
            }
            Some(b'{') => self.object_value(out, value_key, depth),
            Some(b'[') => self.array_value(out, value_key, depth),
            Some(b'-' | b'0'..=b'9') => self.number(out, value_key),
            _ => self.other_value(out, value_key),
        }
    }

    #[inline(never)]
    fn long_string_value(&mut self, out: &mut Vec<u8>, value_key: u8) -> Result<()> {
        let value = wire::open(out, value_key);
        self.string(out, key::STRING)?;
        wire::close(out, value);
        Ok(())
    }

    #[inline(never)]
    fn object_value(&mut self, out: &mut Vec<u8>, value_key: u8, depth: u32) -> Result<()> {
        if depth + 2 >= MAX_DEPTH {
            return self.depth_error();
        }
        self.pos += 1;
        let value = wire::open(out, value_key);
        let object = wire::open(out, key::STRUCT);
        self.members(out, depth + 2)?;
        wire::close(out, object);
        wire::close(out, value);
        Ok(())
    }

    #[inline(never)]
    fn array_value(&mut self, out: &mut Vec<u8>, value_key: u8, depth: u32) -> Result<()> {
        if depth + 1 >= MAX_DEPTH {
            return self.depth_error();
        }
        self.pos += 1;
        let value = wire::open(out, value_key);
        let list = wire::open(out, key::LIST);
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.value(out, key::ENTRY, depth + 2)?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    Some(c) => {
                        return self.error(
                            self.pos,
                            format!("expected , or ] in an array, found {}", shown(c)),
                        )
                    }
                    None => return self.error(self.pos, "the input ends inside an array"),
                }
            }
        }
        wire::close(out, list);
        wire::close(out, value);
        Ok(())
    }

    /// true, false, null, or what is not a value.
    #[inline(never)]
    fn other_value(&mut self, out: &mut Vec<u8>, value_key: u8) -> Result<()> {
        match self.peek() {
            Some(b't') => self.literal(b"true", out, value_key, key::BOOL, 1),
            Some(b'f') => self.literal(b"false", out, value_key, key::BOOL, 0),
            Some(b'n') => self.literal(b"null", out, value_key, key::NULL, 0),
            Some(c) => self.error(self.pos, format!("expected a value, found {}", shown(c))),
            None => self.error(self.pos, "expected a value, found the end of the input"),
        }
    }

    fn literal(
        &mut self,
        word: &[u8],
        out: &mut Vec<u8>,
        value_key: u8,
        kind: u8,
        v: u64,
    ) -> Result<()> {
        if !self.s[self.pos..].starts_with(word) {
            return self.error(
                self.pos,
                "expected a value (true, false, null, a number, a string, an array or an object)",
            );
        }
        self.pos += word.len();
        wire::varint_value(out, value_key, kind, v);
        Ok(())
    }

    /// A number: an integer that fits int64 or uint64, or a double.
    #[inline(never)]
    fn number(&mut self, out: &mut Vec<u8>, value_key: u8) -> Result<()> {
        let start = self.pos;
        let s = self.s;
        let mut i = start;
        let negative = s[i] == b'-';
        i += usize::from(negative);
        let digits_start = i;
        let mut magnitude = 0u64;
        let mut overflow = false;
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(&c @ b'0'..=b'9') = s.get(i) {
                    let (m, o1) = magnitude.overflowing_mul(10);
                    let (m, o2) = m.overflowing_add(u64::from(c - b'0'));
                    overflow |= o1 | o2;
                    magnitude = m;
                    i += 1;
                }
            }
            _ => return self.error(i, "a number needs a digit here"),
        }
        let int_end = i;
        let mut is_float = false;
        if s.get(i) == Some(&b'.') {
            i += 1;
            let at = i;
            while let Some(b'0'..=b'9') = s.get(i) {
                i += 1;
            }
            if i == at {
                return self.error(i, "a number needs a digit after its decimal point");
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = s.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = s.get(i) {
                i += 1;
            }
            let at = i;
            while let Some(b'0'..=b'9') = s.get(i) {
                i += 1;
            }
            if i == at {
                return self.error(i, "a number needs a digit in its exponent");
            }
            is_float = true;
        }
        self.pos = i;
        let text = &s[start..i];
        if !is_float {
            if negative && magnitude == 0 {
                // -0 keeps its sign as a double, as serde_json reads it.
                wire::double_value(out, value_key, -0.0);
                return Ok(());
            }
            let fits = !overflow && (!negative || magnitude <= 1 << 63);
            if !fits {
                return self.error(
                    start,
                    format!("the integer {} is outside the range of int64 and uint64; write it as a string, or with a fraction or exponent to make it a double", String::from_utf8_lossy(text)),
                );
            }
            match (negative, i64::try_from(magnitude)) {
                (true, _) => wire::varint_value(out, value_key, key::INT, magnitude.wrapping_neg()),
                (false, Ok(v)) => wire::varint_value(out, value_key, key::INT, v as u64),
                (false, Err(_)) => wire::varint_value(out, value_key, key::UINT, magnitude),
            }
            return Ok(());
        }
        // SAFETY-free: the grammar above admits only ASCII.
        let text_str = std::str::from_utf8(text).unwrap_or_default();
        let d: f64 = text_str.parse().unwrap_or(f64::NAN);
        if !d.is_finite() {
            return self.error(
                start,
                format!("the number {text_str} is beyond the range of a double"),
            );
        }
        if d == 0.0
            && s[digits_start..int_end.max(digits_start)]
                .iter()
                .chain(mantissa_fraction(text))
                .any(|&c| matches!(c, b'1'..=b'9'))
        {
            return self.error(
                start,
                format!("the number {text_str} is too small for a double (it would become 0)"),
            );
        }
        wire::double_value(out, value_key, d);
        Ok(())
    }

    /// `@timestamp`'s value: an RFC 3339 string, written to `side` as the
    /// event's timestamp.
    fn timestamp(&mut self, side: &mut Vec<u8>) -> Result<()> {
        if self.peek() != Some(b'"') {
            return self.error(self.pos, "@timestamp must be a string (an RFC 3339 time)");
        }
        let at = self.pos;
        let mark = side.len();
        let start = self.string(side, key::MAP_KEY)?;
        let parsed = rfc3339::parse(&side[start..]).or_else(|why| {
            let text = String::from_utf8_lossy(&side[start..]);
            self.error(at, format!("@timestamp {text:?}: {why}"))
        });
        side.truncate(mark);
        let (seconds, nanos) = parsed?;
        let timestamp = wire::open(side, key::EVENT_TIMESTAMP);
        wire::timestamp_content(side, seconds, nanos);
        wire::close(side, timestamp);
        Ok(())
    }

    /// `@metadata`'s value: an object of strings, written to `side` as the
    /// event's metadata entries.
    fn metadata(&mut self, side: &mut Vec<u8>) -> Result<()> {
        if self.peek() != Some(b'{') {
            return self.error(self.pos, "@metadata must be an object of strings");
        }
        let open_at = self.pos;
        self.pos += 1;
        let mut object = self.keys.open();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let entry = wire::open(side, key::EVENT_METADATA);
                self.key(side, &mut object)?;
                if self.peek() != Some(b'"') {
                    return self.error(self.pos, "@metadata values must be strings");
                }
                self.string(side, key::MAP_VALUE)?;
                wire::close(side, entry);
                if !self.more_members()? {
                    break;
                }
            }
        }
        self.close_keys(object, open_at)
    }

    /// A string value without escapes, shorter than 126 bytes (the usual
    /// one), written as its whole `Value` at once; false, having read
    /// nothing, for any other string.
    #[inline(always)]
    fn short_string_value(&mut self, out: &mut Vec<u8>, value_key: u8) -> Result<bool> {
        let start = self.pos + 1;
        let (end, ascii) = plain_run_ascii(self.s, start);
        let n = end - start;
        if self.s.get(end) != Some(&b'"') || n >= 126 {
            return Ok(false);
        }
        let run = &self.s[start..end];
        if !ascii {
            self.utf8(start, run)?;
        }
        self.pos = end + 1;
        out.extend_from_slice(&[value_key, n as u8 + 2, key::STRING, n as u8]);
        match self.s.get(start..start + 16) {
            Some(chunk) if n < 16 => {
                let at = out.len();
                out.extend_from_slice(chunk);
                out.truncate(at + n);
            }
            _ => out.extend_from_slice(run),
        }
        Ok(true)
    }

    /// A string whose `"` is at `pos`, decoded and written as a
    /// length-delimited field `field_key`; returns where its bytes start.
    #[inline(always)]
    fn string(&mut self, out: &mut Vec<u8>, field_key: u8) -> Result<usize> {
        let start = self.pos + 1;
        let (end, ascii) = plain_run_ascii(self.s, start);
        let run = &self.s[start..end];
        if !ascii {
            self.utf8(start, run)?;
        }
        if self.s.get(end) == Some(&b'"') {
            self.pos = end + 1;
            let at = out.len() + 2;
            match self.s.get(start..start + 16) {
                // A short string: key, length and a fixed 16-byte copy
                // (no call to memcpy), cut back to the string's length.
                Some(chunk) if run.len() < 16 => {
                    out.extend_from_slice(&[field_key, run.len() as u8]);
                    out.extend_from_slice(chunk);
                    out.truncate(at + run.len());
                    return Ok(at);
                }
                _ => {
                    out.push(field_key);
                    wire::varint(out, run.len() as u64);
                    let at = out.len();
                    out.extend_from_slice(run);
                    return Ok(at);
                }
            }
        }
        let field = wire::open(out, field_key);
        let before = out.len();
        out.extend_from_slice(run);
        self.pos = end;
        self.escaped_rest(out)?;
        let len = out.len() - before;
        wire::close(out, field);
        Ok(out.len() - len)
    }

    /// The rest of a string from a `\` or control character at `pos`.
    fn escaped_rest(&mut self, out: &mut Vec<u8>) -> Result<()> {
        loop {
            let at = self.pos;
            match self.s.get(at) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let c = match self.s.get(at + 1) {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 8,
                        Some(b'f') => 12,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            let ch = self.unicode_escape(at)?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                            0xff
                        }
                        _ => return self.error(at, "invalid escape in a string"),
                    };
                    if c != 0xff {
                        out.push(c);
                        self.pos = at + 2;
                    }
                }
                Some(&c) if c < 0x20 => {
                    return self.error(at, "a control character in a string must be escaped")
                }
                None => return self.error(at, "the input ends inside a string"),
                Some(_) => {
                    let end = plain_run(self.s, at);
                    let run = &self.s[at..end];
                    self.utf8(at, run)?;
                    out.extend_from_slice(run);
                    self.pos = end;
                }
            }
        }
    }

    /// `\uXXXX` at `at`, with its low surrogate when it is a high one.
    fn unicode_escape(&mut self, at: usize) -> Result<char> {
        let hex = |i: usize| -> Option<u32> {
            let digits = self.s.get(i..i + 4)?;
            let text = std::str::from_utf8(digits).ok()?;
            u32::from_str_radix(text, 16)
                .ok()
                .filter(|_| digits.iter().all(u8::is_ascii_hexdigit))
        };
        let Some(first) = hex(at + 2) else {
            return self.error(at, "\\u needs four hex digits");
        };
        self.pos = at + 6;
        let code = match first {
            0xd800..=0xdbff => {
                let low = (self.s.get(at + 6..at + 8) == Some(b"\\u")).then(|| hex(at + 8)).flatten();
                match low {
                    Some(low @ 0xdc00..=0xdfff) => {
                        self.pos = at + 12;
                        0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00)
                    }
                    _ => return self.error(at, "a lone surrogate (\\ud800 to \\udbff not followed by \\udc00 to \\udfff) is not a character"),
                }
            }
            0xdc00..=0xdfff => return self.error(at, "a lone surrogate (\\udc00 to \\udfff without a high one before it) is not a character"),
            c => c,
        };
        char::from_u32(code).map_or_else(|| self.error(at, "not a character"), Ok)
    }

    fn utf8(&self, start: usize, run: &[u8]) -> Result<()> {
        std::str::from_utf8(run)
            .map(drop)
            .or_else(|e| self.error(start + e.valid_up_to(), "invalid UTF-8 in a string"))
    }
}

/// Like `plain_run`, and whether the run is all ASCII.
#[inline(always)]
fn plain_run_ascii(s: &[u8], mut i: usize) -> (usize, bool) {
    let mut high = 0u64;
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let special = specials(w);
        if special != 0 {
            let n = special.trailing_zeros() as usize / 8;
            // Only the bytes before the special one are in the run.
            high |= w & !(u64::MAX << (n * 8)) & HI;
            return (i + n, high == 0);
        }
        high |= w & HI;
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        high |= u64::from(c & 0x80);
        i += 1;
    }
    (i, high == 0)
}

/// The end of the plain run of string text from `i`: the first `"`, `\`,
/// control character or the end of the input.
#[inline(always)]
pub(crate) fn plain_run(s: &[u8], i: usize) -> usize {
    plain_run_ascii(s, i).0
}

/// The digits after the decimal point of a number's text, before its exponent.
fn mantissa_fraction(text: &[u8]) -> &[u8] {
    let Some(dot) = text.iter().position(|&c| c == b'.') else {
        return &[];
    };
    let rest = &text[dot + 1..];
    let end = rest
        .iter()
        .position(|&c| c == b'e' || c == b'E')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn shown(c: u8) -> String {
    match c {
        0x20..=0x7e => format!("{:?}", c as char),
        _ => format!("byte 0x{c:02x}"),
    }
}
