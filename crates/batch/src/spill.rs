//! Spilling a batch to disk, so that its memory does not grow with the number of inputs.
//!
//! Two pieces, both over records of bytes:
//! - a [`Store`] is an append-only list of records, read back in order as often as needed
//!   (each reader on its own file handle, so the outputs can be written on parallel threads);
//! - a [`Sorter`] sorts records by their bytes (an external merge sort: runs of a bounded size
//!   sorted in memory and written out, then merged, at most [`FAN_IN`] at a time).
//!
//! Both keep up to a budget in memory and only then go to a temporary file (in `TMPDIR`,
//! removed when dropped), so a small batch never touches the disk. Records are framed by a
//! little-endian `u32` length. [`put_key_str`] and [`put_key_u64`] write keys whose byte
//! order is the order wanted; [`Cursor`] reads fields back, every malformed read an error
//! rather than a panic.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

/// How many bytes of records a [`Store`] keeps in memory before it moves to a file.
const STORE_BUDGET: usize = 1 << 20;

/// How many bytes of records a [`Sorter`] sorts in memory before it writes them out as a run.
const SORT_BUDGET: usize = 4 << 20;

/// The environment variable that sets both budgets, in bytes (to test the disk path with
/// small batches, or to trade memory for temporary files). The outputs are the same bytes
/// whatever the budgets.
pub const BUDGET_VARIABLE: &str = "HEGUI_SPILL_BYTES";

fn budget(default: usize) -> usize {
    static SET: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        std::env::var(BUDGET_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse().ok())
    })
    .unwrap_or(default)
}

/// The memory budget of a [`Store`] (1 MiB, or `HEGUI_SPILL_BYTES`).
pub fn store_budget() -> usize {
    budget(STORE_BUDGET)
}

/// The memory budget of a [`Sorter`] (4 MiB, or `HEGUI_SPILL_BYTES`).
pub fn sort_budget() -> usize {
    budget(SORT_BUDGET)
}

/// How many runs are merged at once (each reads through a buffer of [`READ_BUFFER`] bytes).
pub const FAN_IN: usize = 32;

const READ_BUFFER: usize = 32 * 1024;

/// A failure of temporary files as the user sees it: where they are, and what went wrong.
pub fn failure(e: &io::Error) -> String {
    format!(
        "临时文件 temporary files ({}): {e}",
        std::env::temp_dir().display()
    )
}

/// The same error, saying that it is about the temporary files (every file operation here
/// goes through this, so an error met while an output is written names the right file).
fn in_tmp(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), failure(&e))
}

fn too_large() -> io::Error {
    io::Error::other("a batch record is larger than 4 GiB")
}

/// Appends `rec` to `out`, framed by its length.
pub fn put_framed(out: &mut Vec<u8>, rec: &[u8]) -> io::Result<()> {
    let len = u32::try_from(rec.len()).map_err(|_| too_large())?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(rec);
    Ok(())
}

// ───────────────────────────── store ─────────────────────────────

/// An append-only list of records, in memory up to a budget, then in a temporary file.
#[derive(Debug)]
pub struct Store {
    budget: usize,
    /// Framed records while in memory; the write buffer's contents once in a file.
    mem: Vec<u8>,
    file: Option<tempfile::NamedTempFile>,
    len: u64,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(store_budget())
    }
}

impl Store {
    /// An empty store keeping up to `budget` bytes in memory.
    pub fn new(budget: usize) -> Store {
        Store {
            budget,
            mem: Vec::new(),
            file: None,
            len: 0,
        }
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the records went to a file.
    pub fn on_disk(&self) -> bool {
        self.file.is_some()
    }

    /// Appends one record.
    pub fn push(&mut self, rec: &[u8]) -> io::Result<()> {
        put_framed(&mut self.mem, rec)?;
        self.len += 1;
        self.spill_over()
    }

    /// Appends `n` records already framed by [`put_framed`].
    pub fn extend_framed(&mut self, framed: &[u8], n: u64) -> io::Result<()> {
        self.mem.extend_from_slice(framed);
        self.len += n;
        self.spill_over()
    }

    fn spill_over(&mut self) -> io::Result<()> {
        // In memory up to the budget; once in a file, written in blocks.
        let limit = if self.file.is_some() {
            READ_BUFFER
        } else {
            self.budget
        };
        if self.mem.len() < limit {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => self
                .file
                .insert(tempfile::NamedTempFile::with_prefix("hegui-batch-").map_err(in_tmp)?),
        };
        file.as_file_mut().write_all(&self.mem).map_err(in_tmp)?;
        self.mem.clear();
        Ok(())
    }

    /// Writes out what is still buffered. Readers see the records pushed before the last
    /// `finish`.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(file) = &mut self.file {
            let file = file.as_file_mut();
            file.write_all(&self.mem)
                .and_then(|()| file.flush())
                .map_err(in_tmp)?;
            self.mem = Vec::new();
        }
        Ok(())
    }

    /// Reads the records from the first, on a file handle of its own.
    pub fn reader(&self) -> io::Result<StoreReader<&Store>> {
        StoreReader::new(self)
    }
}

/// Reads a [`Store`]'s records in order; `S` is a reference to the store or an `Arc` of it
/// (for a reader that must own what it reads, as a template's iterator does).
#[derive(Debug)]
pub struct StoreReader<S> {
    store: S,
    /// Position in the store's memory, when it has no file.
    at: usize,
    file: Option<BufReader<File>>,
    buf: Vec<u8>,
}

impl<S: std::ops::Deref<Target = Store>> StoreReader<S> {
    /// A reader at the first record of `store`.
    pub fn new(store: S) -> io::Result<StoreReader<S>> {
        let file = match &store.file {
            Some(f) => Some(BufReader::with_capacity(
                READ_BUFFER,
                f.reopen().map_err(in_tmp)?,
            )),
            None => None,
        };
        Ok(StoreReader {
            store,
            at: 0,
            file,
            buf: Vec::new(),
        })
    }

    /// The next record, or `None` at the end.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<&[u8]>> {
        match &mut self.file {
            None => {
                let rest = self.store.mem.get(self.at..).unwrap_or_default();
                let Some((len, tail)) = rest.split_first_chunk::<4>() else {
                    return Ok(None);
                };
                let len = u32::from_le_bytes(*len) as usize;
                let rec = tail.get(..len).ok_or_else(truncated)?;
                self.at += 4 + len;
                Ok(Some(rec))
            }
            Some(r) => {
                if r.fill_buf().map_err(in_tmp)?.is_empty() {
                    return Ok(None);
                }
                let mut len = [0u8; 4];
                r.read_exact(&mut len).map_err(in_tmp)?;
                self.buf.resize(u32::from_le_bytes(len) as usize, 0);
                r.read_exact(&mut self.buf).map_err(in_tmp)?;
                Ok(Some(&self.buf))
            }
        }
    }
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "a spilled batch record is cut short",
    )
}

// ───────────────────────────── sorter ─────────────────────────────

/// Sorts records by their bytes with a bounded amount of memory.
#[derive(Debug, Default)]
pub struct Sorter {
    /// Records of the current run, back to back.
    arena: Vec<u8>,
    /// (start, length) of each in `arena`.
    spans: Vec<(usize, usize)>,
    runs: Vec<Store>,
    budget: usize,
}

impl Sorter {
    /// A sorter that sorts up to `budget` bytes of records in memory at a time.
    pub fn new(budget: usize) -> Sorter {
        Sorter {
            budget,
            ..Sorter::default()
        }
    }

    /// Adds one record.
    pub fn push(&mut self, rec: &[u8]) -> io::Result<()> {
        self.spans.push((self.arena.len(), rec.len()));
        self.arena.extend_from_slice(rec);
        if self.arena.len() + 16 * self.spans.len() >= self.budget.max(1) {
            self.write_run()?;
        }
        Ok(())
    }

    /// Adds the records of a buffer framed by [`put_framed`].
    pub fn extend_framed(&mut self, framed: &[u8]) -> io::Result<()> {
        let mut c = Cursor::new(framed);
        while !c.rest().is_empty() {
            let len = c.u32()? as usize;
            self.push(c.bytes(len)?)?;
        }
        Ok(())
    }

    fn sorted_spans(&mut self) -> Vec<(usize, usize)> {
        let arena = &self.arena;
        let mut spans = std::mem::take(&mut self.spans);
        spans.sort_unstable_by(|a, b| arena.get(a.0..a.0 + a.1).cmp(&arena.get(b.0..b.0 + b.1)));
        spans
    }

    fn write_run(&mut self) -> io::Result<()> {
        // A run goes straight to a file (budget 0), written in blocks.
        let mut run = Store::new(0);
        for (start, len) in self.sorted_spans() {
            run.push(self.arena.get(start..start + len).unwrap_or_default())?;
        }
        run.finish()?;
        self.arena.clear();
        self.runs.push(run);
        Ok(())
    }

    /// Every record, sorted by its bytes (equal records kept).
    pub fn finish(mut self) -> io::Result<Sorted> {
        if self.runs.is_empty() {
            let spans = self.sorted_spans();
            return Ok(Sorted::Memory {
                arena: std::mem::take(&mut self.arena),
                spans: spans.into_iter(),
            });
        }
        if !self.spans.is_empty() {
            self.write_run()?;
        }
        let mut runs = std::mem::take(&mut self.runs);
        // Merge the oldest runs into one until few enough are left to merge at once.
        while runs.len() > FAN_IN {
            let rest = runs.split_off(FAN_IN);
            let mut merged = Merge::new(runs)?;
            let mut run = Store::new(0);
            while let Some(rec) = merged.next()? {
                run.push(rec)?;
            }
            run.finish()?;
            runs = rest;
            runs.push(run);
        }
        Ok(Sorted::Merge(Merge::new(runs)?))
    }

    /// Every record, sorted, into a [`Store`] (equal records once when `dedup`).
    pub fn into_store(self, budget: usize, dedup: bool) -> io::Result<Store> {
        let mut sorted = self.finish()?;
        let mut store = Store::new(budget);
        let mut last: Option<Vec<u8>> = None;
        while let Some(rec) = sorted.next()? {
            if dedup {
                if last.as_deref() == Some(rec) {
                    continue;
                }
                let last = last.get_or_insert_with(Vec::new);
                last.clear();
                last.extend_from_slice(rec);
            }
            store.push(rec)?;
        }
        store.finish()?;
        Ok(store)
    }
}

/// The records of a [`Sorter`], in order.
#[derive(Debug)]
pub enum Sorted {
    /// Everything fitted in memory.
    Memory {
        /// The records.
        arena: Vec<u8>,
        /// Their spans, in order.
        spans: std::vec::IntoIter<(usize, usize)>,
    },
    /// Runs on disk, merged.
    Merge(Merge),
}

impl Sorted {
    /// The next record, or `None` at the end.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<&[u8]>> {
        match self {
            Sorted::Memory { arena, spans } => Ok(spans
                .next()
                .map(|(start, len)| arena.get(start..start + len).unwrap_or_default())),
            Sorted::Merge(m) => m.next(),
        }
    }
}

/// A k-way merge of sorted runs.
#[derive(Debug)]
pub struct Merge {
    readers: Vec<StoreReader<Box<Store>>>,
    /// Each run's next record, smallest first.
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(Vec<u8>, usize)>>,
    /// The record last given out, and its run.
    current: Option<(Vec<u8>, usize)>,
}

impl Merge {
    fn new(runs: Vec<Store>) -> io::Result<Merge> {
        let mut merge = Merge {
            readers: Vec::with_capacity(runs.len()),
            heap: std::collections::BinaryHeap::with_capacity(runs.len()),
            current: None,
        };
        for run in runs {
            merge.readers.push(StoreReader::new(Box::new(run))?);
            merge.advance(Vec::new(), merge.readers.len() - 1)?;
        }
        Ok(merge)
    }

    /// Puts run `i`'s next record (if any) on the heap, in `buf`.
    fn advance(&mut self, mut buf: Vec<u8>, i: usize) -> io::Result<()> {
        if let Some(rec) = self
            .readers
            .get_mut(i)
            .map(StoreReader::next)
            .transpose()?
            .flatten()
        {
            buf.clear();
            buf.extend_from_slice(rec);
            self.heap.push(std::cmp::Reverse((buf, i)));
        }
        Ok(())
    }

    /// The next record, or `None` at the end.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<&[u8]>> {
        if let Some((buf, i)) = self.current.take() {
            self.advance(buf, i)?;
        }
        self.current = self.heap.pop().map(|std::cmp::Reverse(x)| x);
        Ok(self.current.as_ref().map(|(buf, _)| buf.as_slice()))
    }
}

// ───────────────────────────── fields ─────────────────────────────

/// Writes `s` so that byte order is string order and no key is a prefix of another:
/// `0x00` as `0x00 0x01`, then `0x00 0x00`.
pub fn put_key_str(out: &mut Vec<u8>, s: &str) {
    for part in s.as_bytes().split(|b| *b == 0).enumerate() {
        if part.0 > 0 {
            out.extend_from_slice(&[0, 1]);
        }
        out.extend_from_slice(part.1);
    }
    out.extend_from_slice(&[0, 0]);
}

/// Writes `n` big-endian, so that byte order is number order.
pub fn put_key_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_be_bytes());
}

/// Writes a `u32`, little-endian.
pub fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Writes an `i32`, little-endian.
pub fn put_i32(out: &mut Vec<u8>, n: i32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Writes a `u64`, little-endian.
pub fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Writes a string, its length first.
pub fn put_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    put_framed(out, s.as_bytes())
}

/// Writes an optional string (`u32::MAX` as the length of `None`).
pub fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) -> io::Result<()> {
    match s {
        Some(s) if s.len() < u32::MAX as usize => put_str(out, s),
        Some(_) => Err(too_large()),
        None => {
            put_u32(out, u32::MAX);
            Ok(())
        }
    }
}

/// Reads the fields of a record.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    rest: &'a [u8],
}

/// The error for a record that does not read back as written.
pub fn malformed() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a spilled batch record is malformed",
    )
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `rec`.
    pub fn new(rec: &'a [u8]) -> Cursor<'a> {
        Cursor { rest: rec }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or_else(malformed)?;
        self.rest = tail;
        Ok(head)
    }

    /// A byte.
    pub fn u8(&mut self) -> io::Result<u8> {
        let (b, tail) = self.rest.split_first().ok_or_else(malformed)?;
        self.rest = tail;
        Ok(*b)
    }

    /// The next `N` bytes, as an array.
    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let (b, tail) = self.rest.split_first_chunk::<N>().ok_or_else(malformed)?;
        self.rest = tail;
        Ok(*b)
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> io::Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// A little-endian `i32`.
    pub fn i32(&mut self) -> io::Result<i32> {
        self.array().map(i32::from_le_bytes)
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> io::Result<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// A big-endian `u64` (a key).
    pub fn key_u64(&mut self) -> io::Result<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A string written by [`put_key_str`].
    pub fn key_str(&mut self) -> io::Result<String> {
        let mut out = Vec::new();
        loop {
            let at = self
                .rest
                .iter()
                .position(|b| *b == 0)
                .ok_or_else(malformed)?;
            let (text, tail) = self.rest.split_at(at);
            out.extend_from_slice(text);
            match tail.get(1) {
                Some(0) => {
                    self.rest = tail.get(2..).unwrap_or_default();
                    break;
                }
                Some(1) => {
                    out.push(0);
                    self.rest = tail.get(2..).unwrap_or_default();
                }
                _ => return Err(malformed()),
            }
        }
        String::from_utf8(out).map_err(|_| malformed())
    }

    /// A string written by [`put_str`].
    pub fn str(&mut self) -> io::Result<&'a str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.bytes(len)?).map_err(|_| malformed())
    }

    /// A string written by [`put_opt_str`].
    pub fn opt_str(&mut self) -> io::Result<Option<&'a str>> {
        let len = self.u32()?;
        if len == u32::MAX {
            return Ok(None);
        }
        std::str::from_utf8(self.bytes(len as usize)?)
            .map(Some)
            .map_err(|_| malformed())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn drain(mut s: Sorted) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(r) = s.next().unwrap() {
            out.push(r.to_vec());
        }
        out
    }

    /// Pseudo-random records (xorshift), some equal, some empty, some prefixes of others.
    fn records(n: usize) -> Vec<Vec<u8>> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = (x % 12) as usize;
                (0..len).map(|k| ((x >> (k * 5)) % 4) as u8).collect()
            })
            .collect()
    }

    #[test]
    fn sorts_in_memory_on_disk_and_through_cascaded_merges() {
        let input = records(5_000);
        let mut expected = input.clone();
        expected.sort();
        // 1 MiB: one run in memory; 200 bytes: hundreds of runs, merged FAN_IN at a time.
        for budget in [1 << 20, 2_000, 200] {
            let mut s = Sorter::new(budget);
            for r in &input {
                s.push(r).unwrap();
            }
            let spilled = !s.runs.is_empty();
            assert_eq!(spilled, budget < 1 << 20, "budget {budget}");
            let sorted = drain(s.finish().unwrap());
            assert_eq!(sorted.len(), 5_000);
            assert_eq!(sorted, expected, "budget {budget}");
        }
    }

    proptest::proptest! {
        /// Whatever the records and the budget, the sorter gives what `sort` gives, and a
        /// de-duplicating store what `sort` then `dedup` give.
        #[test]
        fn sorts_as_std_does(
            input in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..8), 0..400),
            budget in 1usize..600,
        ) {
            let mut expected = input.clone();
            expected.sort();
            let mut s = Sorter::new(budget);
            for r in &input {
                s.push(r).unwrap();
            }
            proptest::prop_assert_eq!(drain(s.finish().unwrap()), expected.clone());
            let mut s = Sorter::new(budget);
            for r in &input {
                s.push(r).unwrap();
            }
            let store = s.into_store(budget, true).unwrap();
            expected.dedup();
            let mut got = Vec::new();
            let mut reader = store.reader().unwrap();
            while let Some(r) = reader.next().unwrap() {
                got.push(r.to_vec());
            }
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn into_store_dedups_and_reads_back_twice() {
        let input = records(3_000);
        let mut expected = input.clone();
        expected.sort();
        expected.dedup();
        let mut s = Sorter::new(500);
        for r in &input {
            s.push(r).unwrap();
        }
        // A store small enough to go to a file, read by two readers at the same time.
        let store = s.into_store(64, true).unwrap();
        assert!(store.on_disk());
        assert_eq!(store.len(), expected.len() as u64);
        let (mut a, mut b) = (store.reader().unwrap(), store.reader().unwrap());
        for want in &expected {
            assert_eq!(a.next().unwrap().unwrap(), want.as_slice());
            assert_eq!(b.next().unwrap().unwrap(), want.as_slice());
        }
        assert!(a.next().unwrap().is_none() && b.next().unwrap().is_none());
    }

    #[test]
    fn a_store_in_memory_reads_back_what_was_pushed() {
        let mut store = Store::default();
        store.push(b"one").unwrap();
        let mut framed = Vec::new();
        put_framed(&mut framed, b"").unwrap();
        put_framed(&mut framed, b"three").unwrap();
        store.extend_framed(&framed, 2).unwrap();
        store.finish().unwrap();
        assert!(!store.on_disk());
        assert_eq!(store.len(), 3);
        let mut r = store.reader().unwrap();
        assert_eq!(r.next().unwrap(), Some(&b"one"[..]));
        assert_eq!(r.next().unwrap(), Some(&b""[..]));
        assert_eq!(r.next().unwrap(), Some(&b"three"[..]));
        assert_eq!(r.next().unwrap(), None);
    }

    #[test]
    fn keys_sort_as_their_values_and_read_back() {
        let words = ["", "\0", "\0a", "a", "a\0", "a\0\0b", "ab", "b", "中"];
        let mut keyed: Vec<(Vec<u8>, &str, u64)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            for n in [0u64, 1, 255, 256, u64::MAX] {
                let mut k = Vec::new();
                put_key_str(&mut k, w);
                put_key_u64(&mut k, n ^ i as u64);
                keyed.push((k, w, n ^ i as u64));
            }
        }
        let mut by_bytes = keyed.clone();
        by_bytes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut by_value = keyed.clone();
        by_value.sort_by(|a, b| (a.1, a.2).cmp(&(b.1, b.2)));
        assert_eq!(by_bytes, by_value);
        for (k, w, n) in &keyed {
            let mut c = Cursor::new(k);
            assert_eq!(c.key_str().unwrap(), *w);
            assert_eq!(c.key_u64().unwrap(), *n);
            assert!(c.rest().is_empty());
        }
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        let mut c = Cursor::new(&[5, 0, 0, 0, b'a']);
        assert!(c.str().is_err());
        assert!(Cursor::new(&[1, 0]).u32().is_err());
        assert!(Cursor::new(b"abc").key_str().is_err());
        assert!(Cursor::new(&[1, 0, 0, 0, 0xff]).str().is_err());
        let mut store = Store::default();
        store.extend_framed(&[9, 0, 0, 0, 1], 1).unwrap();
        assert!(store.reader().unwrap().next().is_err());
    }
}
