//! Byte-level pieces of the books CSV fast path: splitting, trimming, dates, amounts and a
//! name table keyed by slices of the file.

use chrono::NaiveDate;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Positions of the first eight commas of `line` (word at a time); returns how many
/// commas there are, counting at most nine.
pub(crate) fn comma_positions(line: &[u8], out: &mut [usize; 8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
    let mut count = 0;
    let mut record = |pos: usize| {
        if count < 8 {
            out[count] = pos;
        }
        count += 1;
        count > 8
    };
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in words.by_ref() {
        let x = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]) ^ (ONES * u64::from(b','));
        // The high bit of each byte that was a comma (exact: no borrow between bytes).
        let mut hits = !(((x & LOW7) + LOW7) | x | LOW7);
        while hits != 0 {
            if record(base + hits.trailing_zeros() as usize / 8) {
                return count;
            }
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b',' && record(base + i) {
            return count;
        }
    }
    count
}

/// Trims what `trim_field` trims, for ASCII text (`char::is_whitespace` on ASCII).
pub(crate) fn trim_ascii(mut s: &[u8]) -> &[u8] {
    const fn ws(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
    }
    while let [first, rest @ ..] = s
        && ws(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && ws(*last)
    {
        s = rest;
    }
    s
}

/// `YYYY-MM-DD`, as `parse_iso_date` reads it.
pub(crate) fn parse_plain_date(b: &[u8]) -> Option<NaiveDate> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = b else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |d: &[u8]| {
        d.iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    let year = i32::try_from(n(&digits[..4])).ok()?;
    NaiveDate::from_ymd_opt(year, n(&digits[4..6]), n(&digits[6..]))
}

/// A plain decimal (`-1234.5`) with at most 18 digits in all and at most `exponent`
/// decimals, in minor units; anything else is left to `parse_minor`.
pub(crate) fn parse_plain_amount(text: &[u8], exponent: u32) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    let (int, frac) = match memchr::memchr(b'.', digits) {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &[][..]),
    };
    let exponent = exponent as usize;
    if int.is_empty() || int.len() + exponent > 18 || frac.len() > exponent {
        return None;
    }
    let mut value: i64 = 0;
    for &b in int.iter().chain(frac) {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(b - b'0');
    }
    for _ in frac.len()..exponent {
        value *= 10;
    }
    Some(if negative { -value } else { value })
}

/// A chunk-local name table; a name becomes a `String` once.
///
/// The table's slots hold each name's first bytes inline, so a lookup of a short name reads
/// one slot and no string elsewhere in memory (that second cache miss was most of the cost
/// of interning a million counterparties).
#[derive(Default)]
pub(crate) struct LocalInterner {
    pub names: Vec<String>,
    table: HashTable<Slot>,
    hasher: foldhash::fast::FixedState,
}

/// Bytes of a name kept in its slot.
const INLINE: usize = 24;

struct Slot {
    id: u32,
    len: u32,
    head: [u8; INLINE],
}

impl LocalInterner {
    /// The id of `name`, which must be UTF-8 (the fast path reads only UTF-8 chunks).
    pub fn intern(&mut self, name: &[u8]) -> u32 {
        let hash = self.hasher.hash_one(name);
        let names = &self.names;
        let same = |slot: &Slot| {
            slot.len as usize == name.len() && {
                let head = name.len().min(INLINE);
                same_bytes(&slot.head[..head], &name[..head])
                    && (name.len() <= INLINE
                        || same_bytes(
                            &names[slot.id as usize].as_bytes()[INLINE..],
                            &name[INLINE..],
                        ))
            }
        };
        if let Some(slot) = self.table.find(hash, same) {
            return slot.id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(String::from_utf8_lossy(name).into_owned());
        let mut head = [0; INLINE];
        let inline = name.len().min(INLINE);
        head[..inline].copy_from_slice(&name[..inline]);
        let slot = Slot {
            id,
            len: u32::try_from(name.len()).unwrap_or(u32::MAX),
            head,
        };
        let hasher = &self.hasher;
        let names = &self.names;
        self.table.insert_unique(hash, slot, |s| {
            hasher.hash_one(names[s.id as usize].as_bytes())
        });
        id
    }
}

/// `a == b` for short slices without a `memcmp` call: whole words, the last one overlapping.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], from_end: bool) -> [u8; N] {
        let chunk = if from_end {
            s.last_chunk()
        } else {
            s.first_chunk()
        };
        chunk.copied().unwrap_or([0; N])
    }
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0..4 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => {
            word::<4>(a, false) == word::<4>(b, false) && word::<4>(a, true) == word::<4>(b, true)
        }
        _ => {
            let (mut x, mut y) = (a, b);
            while x.len() > 8 {
                if word::<8>(x, false) != word::<8>(y, false) {
                    return false;
                }
                (x, y) = (&x[8..], &y[8..]);
            }
            word::<8>(a, true) == word::<8>(b, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::trim_field;
    use flowsense_core::money::parse_minor;

    #[test]
    fn plain_amounts_agree_with_parse_minor() {
        for text in [
            "0",
            "-1",
            "+12.5",
            "12.",
            "1234.56",
            "999999999999999.99",
            "-0.07",
        ] {
            let plain = parse_plain_amount(text.as_bytes(), 2);
            assert_eq!(plain, parse_minor(text, 2).ok(), "{text}");
        }
        for text in ["", "-", ".5", "1.234", "1e5", "1,5", "12345678901234567"] {
            assert_eq!(parse_plain_amount(text.as_bytes(), 2), None, "{text}");
        }
        assert_eq!(parse_plain_amount(b"12", 0), Some(12));
    }

    #[test]
    fn plain_dates_agree_with_parse_iso_date() {
        for text in [
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "0000-01-01",
            "2024-1-01",
        ] {
            assert_eq!(
                parse_plain_date(text.as_bytes()),
                crate::parse_iso_date(text),
                "{text}"
            );
        }
    }

    #[test]
    fn names_are_told_apart_past_their_inline_bytes() {
        let long = |tail: &str| format!("{}{tail}", "Birchwood Training Instit");
        let mut names = LocalInterner::default();
        let ids: Vec<u32> = ["", "a", &long("ute"), &long("ution"), "a", &long("ute"), ""]
            .iter()
            .map(|n| names.intern(n.as_bytes()))
            .collect();
        assert_eq!(ids, [0, 1, 2, 3, 1, 2, 0]);
        assert_eq!(names.names[3], long("ution"));
        for i in 0..5000 {
            assert_eq!(names.intern(format!("n{i}").as_bytes()), i + 4);
        }
        assert_eq!(names.intern(long("ution").as_bytes()), 3);
    }

    #[test]
    fn trims_like_trim_field() {
        for text in ["", " a ", "\t\x0Bb\x0C", "  ", "x y"] {
            assert_eq!(trim_ascii(text.as_bytes()), trim_field(text).as_bytes());
        }
    }
}
