//! Submission keys: drawn from the operating system's random source, stored only as a salted
//! hash (SHA-256 of the campaign's random salt and the key), never printed or logged.

use crate::store::{Campaign, Result, db_err, now};
use hegui_core::answers::SubmissionKey;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// `n` bytes from the operating system's random source.
pub fn os_random<const N: usize>() -> Result<[u8; N]> {
    use std::io::Read;
    let mut b = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("/dev/urandom: 无法取得随机数 cannot read random bytes: {e}"))?;
    Ok(b)
}

/// Hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            if let Some(&d) = DIGITS.get(usize::from(nibble)) {
                s.push(char::from(d));
            }
        }
    }
    s
}

fn salt(c: &Campaign) -> Result<String> {
    c.meta("key_salt")?
        .ok_or_else(|| "campaign.sqlite: no key salt (meta.key_salt)".to_string())
}

/// The stored hash of a key.
pub fn hash(salt: &str, key: &SubmissionKey) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"\0");
    h.update(key.secret().as_bytes());
    h.finalize().to_vec()
}

/// Issues a new key for an organisation and round, revoking the keys issued before for that
/// round. The key is returned to be written into the invitation only.
pub fn issue(
    c: &rusqlite::Connection,
    salt: &str,
    org_id: i64,
    round: i64,
) -> Result<SubmissionKey> {
    let key = SubmissionKey::from_random(&os_random::<17>()?);
    let at = now();
    c.execute(
            "UPDATE submission_keys SET revoked_at = ?1 WHERE org_id = ?2 AND round = ?3 AND revoked_at IS NULL",
            params![at, org_id, round],
        )
        .map_err(db_err)?;
    c.execute(
        "INSERT INTO submission_keys (org_id, round, key_hash, issued_at) VALUES (?1, ?2, ?3, ?4)",
        params![org_id, round, hash(salt, &key), at],
    )
    .map_err(db_err)?;
    Ok(key)
}

/// Whom a key was issued to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Organisation.
    pub org_id: i64,
    /// Round.
    pub round: i64,
    /// Revoked (re-invited since).
    pub revoked: bool,
}

/// Looks a key up.
pub fn holder(c: &rusqlite::Connection, salt: &str, key: &SubmissionKey) -> Result<Option<Holder>> {
    c.prepare_cached(
        "SELECT org_id, round, revoked_at IS NOT NULL FROM submission_keys WHERE key_hash = ?1",
    )
    .and_then(|mut s| {
        s.query_row([hash(salt, key)], |r| {
            Ok(Holder {
                org_id: r.get(0)?,
                round: r.get(1)?,
                revoked: r.get(2)?,
            })
        })
        .optional()
    })
    .map_err(db_err)
}

/// Every key issued, by its hash, and every organisation's roster credit code: read once by a
/// collect (which holds the write lock, so neither changes), so files are matched to their
/// organisation off the database thread.
#[derive(Debug, Default)]
pub struct KeyBook {
    salt: String,
    holders: std::collections::HashMap<Vec<u8>, Holder>,
    credit_codes: std::collections::HashMap<i64, String>,
}

impl KeyBook {
    /// Reads the keys and credit codes of the campaign.
    pub fn read(c: &Campaign) -> Result<KeyBook> {
        let salt = salt(c)?;
        let mut holders = std::collections::HashMap::new();
        let mut stmt = c
            .conn
            .prepare("SELECT key_hash, org_id, round, revoked_at IS NOT NULL FROM submission_keys")
            .map_err(db_err)?;
        let mut rows = stmt.query([]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            holders.insert(
                r.get::<_, Vec<u8>>(0).map_err(db_err)?,
                Holder {
                    org_id: r.get(1).map_err(db_err)?,
                    round: r.get(2).map_err(db_err)?,
                    revoked: r.get(3).map_err(db_err)?,
                },
            );
        }
        let mut credit_codes = std::collections::HashMap::new();
        let mut stmt = c
            .conn
            .prepare("SELECT id, credit_code FROM organisations WHERE credit_code IS NOT NULL")
            .map_err(db_err)?;
        let mut rows = stmt.query([]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            credit_codes.insert(r.get(0).map_err(db_err)?, r.get(1).map_err(db_err)?);
        }
        Ok(KeyBook {
            salt,
            holders,
            credit_codes,
        })
    }

    /// Whom `key` was issued to.
    pub fn holder(&self, key: &SubmissionKey) -> Option<Holder> {
        self.holders.get(&hash(&self.salt, key)).copied()
    }

    /// An organisation's credit code in the roster.
    pub fn credit_code(&self, org_id: i64) -> Option<&str> {
        self.credit_codes.get(&org_id).map(String::as_str)
    }
}

/// The campaign's key salt.
pub fn campaign_salt(c: &Campaign) -> Result<String> {
    salt(c)
}
