//! The campaign submission key (报送码): a random value a regulator's invitation carries, so a
//! returned file can be tied to the organisation that was asked (`hegui campaign`,
//! docs/CAMPAIGN.md). Written `HGK-` and 26 characters of Crockford's base32 (130 bits) in
//! groups of five: letters and digits with hyphens, which neither YAML nor Excel turns into a
//! number or a date. Read case-insensitively, spaces and hyphens ignored, `I`/`L` read as `1`
//! and `O` as `0`.
//!
//! The key is a secret: its `Debug` form is redacted, it never enters the canonical facts
//! (so not `answers_digest`), results, reports or messages.

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a key after the `HGK` prefix.
pub const KEY_CHARS: usize = 26;
/// The prefix a key is written with.
pub const PREFIX: &str = "HGK";

/// A well-formed submission key, normalised (26 characters of the alphabet).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubmissionKey(String);

impl std::fmt::Debug for SubmissionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubmissionKey(<redacted>)")
    }
}

/// What a facts file's `submission` header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// A well-formed key.
    Key(SubmissionKey),
    /// A `submission` header whose key is missing or malformed (never echoed).
    Malformed,
}

impl Submission {
    /// The key, when well-formed.
    pub fn key(&self) -> Option<&SubmissionKey> {
        match self {
            Submission::Key(k) => Some(k),
            Submission::Malformed => None,
        }
    }
}

impl SubmissionKey {
    /// Reads a key as written: case-insensitive, spaces and hyphens ignored, the `HGK` prefix
    /// optional. `None` when it is not a key.
    pub fn parse(text: &str) -> Option<SubmissionKey> {
        let mut s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() == KEY_CHARS + PREFIX.len() && s.starts_with(PREFIX) {
            s.drain(..PREFIX.len());
        }
        if s.len() != KEY_CHARS {
            return None;
        }
        let norm: Option<String> = s
            .chars()
            .map(|c| match c {
                'I' | 'L' => Some('1'),
                'O' => Some('0'),
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => Some(c),
                _ => None,
            })
            .collect();
        norm.map(SubmissionKey)
    }

    /// A key from 17 random bytes (the first 130 bits are used).
    pub fn from_random(bytes: &[u8; 17]) -> SubmissionKey {
        let mut out = String::with_capacity(KEY_CHARS);
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        for b in bytes {
            acc = (acc << 8) | u32::from(*b);
            bits += 8;
            while bits >= 5 && out.len() < KEY_CHARS {
                bits -= 5;
                let i = ((acc >> bits) & 31) as usize;
                out.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'0')));
            }
            acc &= (1 << bits) - 1;
        }
        SubmissionKey(out)
    }

    /// The normalised secret (26 characters), for hashing. Never print it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The key as it is written in an invitation: `HGK-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-X`.
    pub fn written(&self) -> String {
        let mut s = String::from(PREFIX);
        for (i, c) in self.0.chars().enumerate() {
            if i % 5 == 0 {
                s.push('-');
            }
            s.push(c);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn written_keys_read_back_in_any_case_and_spacing() {
        let k = SubmissionKey::from_random(&[0xA5; 17]);
        let w = k.written();
        assert!(
            w.starts_with("HGK-") && w.len() == 4 + 26 + 5,
            "{}",
            w.len()
        );
        assert_eq!(SubmissionKey::parse(&w), Some(k.clone()));
        assert_eq!(SubmissionKey::parse(&w.to_lowercase()), Some(k.clone()));
        assert_eq!(SubmissionKey::parse(&w.replace('-', " ")), Some(k.clone()));
        assert_eq!(SubmissionKey::parse(k.secret()), Some(k.clone()));
        assert!(SubmissionKey::parse("HGK-123").is_none());
        assert!(SubmissionKey::parse(&format!("{w}U")).is_none());
        assert_eq!(format!("{k:?}"), "SubmissionKey(<redacted>)");
    }

    #[test]
    fn different_bytes_give_different_keys() {
        let mut b = [0u8; 17];
        let a = SubmissionKey::from_random(&b);
        b[15] = 1;
        assert_ne!(a, SubmissionKey::from_random(&b));
        assert_eq!(a.secret().len(), KEY_CHARS);
    }
}
