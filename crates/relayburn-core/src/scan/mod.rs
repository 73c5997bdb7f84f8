//! JSONL line scanning over bytes: chunked reads into one reusable buffer, `memchr` line
//! splits, and partial-line safety (a final line without `\n` is not returned, since a writer
//! may still be appending it, unless the caller says the file is idle: [`LineReader::take_tail`]).
//! Memory is bounded by the chunk size plus the longest line, and a line longer than
//! [`MAX_LINE_BYTES`] is skipped without being held in memory. A UTF-8 byte-order mark at the
//! start of the file is dropped, and a line with invalid UTF-8 is returned decoded lossily
//! (each bad sequence becomes U+FFFD), so one bad byte in an unrelated field loses nothing else.

use std::io::Read;

/// Bytes read per `read` call.
const CHUNK: usize = 1 << 20;
/// The smallest initial buffer.
const MIN_CHUNK: usize = 16 << 10;
/// Longer lines are skipped (reported as oversized) instead of buffered.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// One complete line (without its `\n`) and where it sits in the file.
pub struct Line<'a> {
    /// The line without its newline, as text: checked (or re-encoded) once here, so readers
    /// parse it as `str` without checking its UTF-8 again.
    pub text: &'a str,
    /// File offset of the line's first byte.
    pub offset: u64,
    /// True when the line exceeded [`MAX_LINE_BYTES`]; `text` is then empty.
    pub oversized: bool,
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`.
    start: usize,
    /// End of filled bytes in `buf`.
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// Inside an oversized line: drop bytes until the next `\n`.
    discarding: Option<u64>,
    bytes_read: u64,
    /// Return a final line without `\n` at end of input (the file is idle).
    take_tail: bool,
    /// A line with invalid UTF-8, re-encoded lossily.
    lossy: String,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<R> Drop for LineReader<R> {
    fn drop(&mut self) {
        spare::give(std::mem::take(&mut self.buf));
    }
}

/// One read buffer per thread, handed from each finished [`LineReader`] to the next: a parse
/// thread reads thousands of files, and a fresh zeroed buffer per file cost about 3 % of its
/// time (the bytes a buffer held before are never read: only what `read` fills is).
mod spare {
    use std::cell::Cell;

    thread_local! {
        static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }

    /// A buffer of at least `size` bytes: the thread's spare (grown if needed), else new.
    pub(super) fn take(size: usize) -> Vec<u8> {
        let mut buf = SPARE.with(Cell::take);
        if buf.len() < size {
            buf.resize(size, 0);
        }
        buf
    }

    /// Keeps `buf` as the thread's spare unless it grew past a chunk for a long line (that
    /// memory goes back).
    pub(super) fn give(buf: Vec<u8>) {
        if buf.len() <= super::CHUNK {
            let _ = SPARE.try_with(|s| s.set(buf));
        }
    }
}

impl<R: Read> LineReader<R> {
    /// Reads lines from `inner`, whose first byte is at file offset `offset`.
    pub fn new(inner: R, offset: u64) -> Self {
        Self::with_size_hint(inner, offset, CHUNK as u64)
    }

    /// Like [`LineReader::new`], for about `expected` bytes of input: the buffer starts no
    /// larger than needed (zeroing a 1 MiB buffer per small file costs more than reading it).
    pub fn with_size_hint(inner: R, offset: u64, expected: u64) -> Self {
        let size = usize::try_from(expected.saturating_add(1))
            .unwrap_or(CHUNK)
            .clamp(MIN_CHUNK, CHUNK);
        LineReader {
            inner,
            buf: spare::take(size),
            start: 0,
            end: 0,
            base: offset,
            eof: false,
            discarding: None,
            bytes_read: 0,
            take_tail: false,
            lossy: String::new(),
        }
    }

    /// Starts with `read`, the bytes `inner` already gave from `offset` on (its position is
    /// just past them): a file whose head was read for its identity is not read twice.
    pub fn with_read(mut self, read: &[u8]) -> Self {
        if self.buf.len() < read.len() {
            self.buf.resize(read.len(), 0);
        }
        self.buf[..read.len()].copy_from_slice(read);
        self.end = read.len();
        self.bytes_read = read.len() as u64;
        self
    }

    /// With `idle`, a last line without `\n` is returned at end of input (and resumed past):
    /// the file has not changed for the idle period, so its writer is done with it.
    pub fn take_tail(mut self, idle: bool) -> Self {
        self.take_tail = idle;
        self
    }

    /// File offset just past the last complete line returned (where the next pass resumes).
    pub fn resume_offset(&self) -> u64 {
        // Inside an unfinished oversized line, resume at its start so it is judged whole.
        self.discarding.unwrap_or(self.base + self.start as u64)
    }

    /// Bytes read from the underlying reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next complete line, or `None` at end of input (a trailing partial line is left).
    pub fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let s = self.start;
                self.start = s + pos + 1;
                if let Some(line_start) = self.discarding.take() {
                    return Ok(Some(Line {
                        text: "",
                        offset: line_start,
                        oversized: true,
                    }));
                }
                return Ok(Some(self.line(s, s + pos)));
            }
            if self.eof {
                if self.take_tail {
                    if let Some(line_start) = self.discarding.take() {
                        self.start = self.end;
                        return Ok(Some(Line {
                            text: "",
                            offset: line_start,
                            oversized: true,
                        }));
                    }
                    if self.start < self.end {
                        let (s, e) = (self.start, self.end);
                        self.start = e;
                        return Ok(Some(self.line(s, e)));
                    }
                }
                return Ok(None);
            }
            self.fill()?;
        }
    }

    /// The line in `buf[s..e]`: without a leading byte-order mark at file offset 0, and
    /// re-encoded lossily when it is not valid UTF-8.
    fn line(&mut self, s: usize, e: usize) -> Line<'_> {
        let offset = self.base + s as u64;
        let mut bytes = &self.buf[s..e];
        if offset == 0 && bytes.starts_with(BOM) {
            bytes = &bytes[BOM.len()..];
        }
        let Ok(text) = simdutf8::basic::from_utf8(bytes) else {
            self.lossy = String::from_utf8_lossy(bytes).into_owned();
            return Line {
                text: &self.lossy,
                offset,
                oversized: false,
            };
        };
        Line {
            text,
            offset,
            oversized: false,
        }
    }

    /// Makes room (compacting, growing, or discarding an oversized line) and reads more.
    fn fill(&mut self) -> std::io::Result<()> {
        let pending = self.end - self.start;
        if self.discarding.is_none() && pending >= MAX_LINE_BYTES {
            // Oversized: remember where it began, drop what we hold, skip to its end later.
            self.discarding = Some(self.base + self.start as u64);
        }
        if self.discarding.is_some() {
            // Keep nothing of an oversized line; `resume_offset` stays at its start.
            self.base += self.end as u64;
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(MAX_LINE_BYTES + CHUNK);
            self.buf.resize(grown, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        self.bytes_read += n as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], offset: u64) -> (Vec<(u64, Vec<u8>, bool)>, u64) {
        let mut r = LineReader::new(input, offset);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((l.offset, l.text.as_bytes().to_vec(), l.oversized));
        }
        (out, r.resume_offset())
    }

    #[test]
    fn splits_lines_and_leaves_partial_tail() {
        let (ls, resume) = lines(b"a\nbb\n\nccc", 100);
        assert_eq!(
            ls,
            vec![
                (100, b"a".to_vec(), false),
                (102, b"bb".to_vec(), false),
                (105, vec![], false)
            ]
        );
        assert_eq!(resume, 106);
    }

    fn lines_idle(input: &[u8]) -> (Vec<(u64, Vec<u8>, bool)>, u64) {
        let mut r = LineReader::new(input, 0).take_tail(true);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((l.offset, l.text.as_bytes().to_vec(), l.oversized));
        }
        (out, r.resume_offset())
    }

    #[test]
    fn an_idle_file_gives_its_unterminated_last_line() {
        let (ls, resume) = lines_idle(b"a\nbb");
        assert_eq!(
            ls,
            vec![(0, b"a".to_vec(), false), (2, b"bb".to_vec(), false)]
        );
        assert_eq!(resume, 4);
        // A newline appended later: the next pass starts past the tail and sees an empty line.
        let (ls, resume) = lines(b"\n", 4);
        assert_eq!(ls, vec![(4, vec![], false)]);
        assert_eq!(resume, 5);
        // Nothing to take when the file ends with a newline.
        let (ls, resume) = lines_idle(b"a\n");
        assert_eq!((ls.len(), resume), (1, 2));
    }

    #[test]
    fn a_byte_order_mark_is_dropped_from_the_first_line_only() {
        let (ls, _) = lines(b"\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n", 0);
        assert_eq!(ls[0], (0, b"{}".to_vec(), false));
        assert_eq!(ls[1].1, b"\xEF\xBB\xBF{}".to_vec());
        // Resumed mid-file: offset is not 0, nothing is dropped.
        let (ls, _) = lines(b"\xEF\xBB\xBF{}\n", 10);
        assert_eq!(ls[0].1.len(), 5);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let (ls, resume) = lines(b"{\"a\":\"x\xFFy\"}\nok\n", 0);
        assert_eq!(ls[0].1, "{\"a\":\"x\u{FFFD}y\"}".as_bytes());
        assert_eq!(ls[1], (12, b"ok".to_vec(), false));
        assert_eq!(resume, 15);
    }

    /// Bytes the caller already read are the reader's first: lines that span them and the
    /// rest come out whole, and they count as read.
    #[test]
    fn bytes_already_read_come_first() {
        let input = b"{\"a\":1}\n{\"b\":22}\nlast";
        for split in [0, 3, 8, 9, 12, input.len()] {
            let mut r = LineReader::new(&input[split..], 0)
                .with_read(&input[..split])
                .take_tail(true);
            let mut out = Vec::new();
            while let Some(l) = r.next_line().unwrap() {
                out.push((l.offset, l.text.to_string()));
            }
            assert_eq!(
                out,
                [
                    (0, "{\"a\":1}".into()),
                    (8, "{\"b\":22}".into()),
                    (17, "last".into())
                ],
                "split at {split}"
            );
            assert_eq!(r.bytes_read(), input.len() as u64);
            assert_eq!(r.resume_offset(), input.len() as u64);
        }
    }

    /// Lines long enough for the vectorised check: a bad byte (or a sequence cut short) deep in
    /// a line is still found, and valid multi-byte text passes untouched.
    #[test]
    fn long_lines_are_checked_whole() {
        let text = "é€😀".repeat(40);
        for (bad, at) in [(&b"\xFF"[..], 100), (&b"\xE2\x82"[..], 257)] {
            let mut line = "a".repeat(at).into_bytes();
            line.extend_from_slice(bad);
            line.extend_from_slice(text.as_bytes());
            line.push(b'\n');
            line.extend_from_slice(text.as_bytes());
            line.push(b'\n');
            let (ls, _) = lines(&line, 0);
            let lossy = format!("{}\u{FFFD}{text}", "a".repeat(at));
            assert_eq!(ls[0].1, lossy.as_bytes());
            assert_eq!(ls[1].1, text.as_bytes());
        }
    }

    #[test]
    fn handles_lines_longer_than_a_chunk() {
        let long = vec![b'x'; CHUNK * 3 + 17];
        let mut input = long.clone();
        input.push(b'\n');
        input.extend_from_slice(b"tail\n");
        let (ls, resume) = lines(&input, 0);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].1, long);
        assert_eq!(ls[1], (long.len() as u64 + 1, b"tail".to_vec(), false));
        assert_eq!(resume, input.len() as u64);
    }

    #[test]
    fn a_small_size_hint_still_reads_everything() {
        let mut input = Vec::new();
        for i in 0..200 {
            input.extend_from_slice(&vec![b'a' + (i % 26) as u8; 1000 + i * 37]);
            input.push(b'\n');
        }
        let mut r = LineReader::with_size_hint(&input[..], 0, 10);
        let mut n = 0;
        let mut total = 0;
        while let Some(l) = r.next_line().unwrap() {
            assert_eq!(l.text.len(), 1000 + n * 37);
            total += l.text.len() + 1;
            n += 1;
        }
        assert_eq!((n, total), (200, input.len()));
        assert_eq!(r.resume_offset(), input.len() as u64);
    }

    /// A thread's next reader reads into the buffer the last one used (no zeroed buffer per
    /// file), and sees only the bytes its own input fills: a shorter file after a longer one
    /// yields its own lines, its unfinished last line stays unread.
    #[test]
    fn a_thread_reuses_one_buffer_and_reads_none_of_its_old_bytes() {
        let first = format!("{}\n{}", "z".repeat(40_000), "old tail without newline");
        let mut r = LineReader::with_size_hint(first.as_bytes(), 0, first.len() as u64);
        while r.next_line().unwrap().is_some() {}
        let size = r.buf.len();
        drop(r);
        let read = |idle: bool| {
            let mut r = LineReader::with_size_hint(&b"x\nyz"[..], 0, 4).take_tail(idle);
            assert_eq!(r.buf.len(), size, "the thread's spare buffer");
            let mut out = Vec::new();
            while let Some(l) = r.next_line().unwrap() {
                out.push((l.offset, l.text.to_string()));
            }
            (out, r.resume_offset())
        };
        assert_eq!(read(false), (vec![(0, "x".to_string())], 2));
        assert_eq!(
            read(true),
            (vec![(0, "x".to_string()), (2, "yz".to_string())], 4)
        );
        // A buffer grown past a chunk for a long line is given back, not kept.
        let long = format!("{}\n", "y".repeat(CHUNK + 10));
        let mut r = LineReader::new(long.as_bytes(), 0);
        assert_eq!(r.next_line().unwrap().unwrap().text.len(), CHUNK + 10);
        drop(r);
        assert!(spare::take(0).len() <= CHUNK);
    }
}
