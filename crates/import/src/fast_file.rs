//! The books CSV fast path straight from a file: the file is read in blocks, in order, and
//! each block (cut after its last newline) is parsed on rayon while the next one is read,
//! then freed. Reading overlaps parsing, and the whole file is never held at once.

use crate::ImportOptions;
use crate::error::{ErrorReason, ImportError};
use crate::fast::{CHUNKS_PER_THREAD, average_row_bytes, body_start, within_row_limit};
use crate::fast_chunk::{Chunk, TxnSink, parse_chunk};
use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const MIN_BLOCK: u64 = 1 << 20;
const MAX_BLOCK: u64 = 8 << 20;

/// Why the reading loop stopped.
enum Stop {
    End,
    Stream,
    TooLarge,
}

/// Reads and parses a books file of `len` bytes (from its metadata), each block's rows into
/// a sink made by `new_sink(expected rows)`; the chunks come back in file order.
/// `Ok(None)`: not for the fast path (layout, encoding, quoting, an overlong line), stream
/// the file instead.
///
/// # Errors
/// Only reading errors; a file over the size limit is an `ImportError` in the `Some`.
pub(crate) fn read_file_chunks<S: TxnSink>(
    file: &File,
    len: u64,
    opts: &ImportOptions,
    new_sink: impl Fn(usize) -> S + Sync,
) -> io::Result<Option<Result<Vec<Chunk<S>>, ImportError>>> {
    let threads = rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD;
    let block = (len / threads as u64).clamp(MIN_BLOCK, MAX_BLOCK);
    let mut reader = file.take(opts.max_file_bytes.saturating_add(1));
    let mut first = Vec::with_capacity(usize::try_from(block.min(len + 1)).unwrap_or(0));
    (&mut reader).take(block).read_to_end(&mut first)?;
    let Some(start) = body_start(&first, opts) else {
        return Ok(None);
    };
    let row_bytes = average_row_bytes(&first[start..]);
    let eof = (first.len() as u64) < block;
    let (sender, receiver) = mpsc::channel::<(usize, Option<Chunk<S>>)>();
    let (free_sender, free) = mpsc::channel::<Vec<u8>>();
    let mut pool = BufferPool {
        free,
        allocated: 1,
        limit: rayon::current_num_threads().max(1) + 2,
        capacity: usize::try_from(block).unwrap_or(0),
    };
    let stream = AtomicBool::new(false);
    let stop = rayon::scope(|scope| -> io::Result<Stop> {
        let mut blocks = Blocks {
            buf: first,
            from: start,
            eof,
            total: 0,
        };
        blocks.total = blocks.buf.len() as u64;
        for index in 0.. {
            if stream.load(Ordering::Relaxed) {
                return Ok(Stop::Stream);
            }
            let Some((piece, from)) = blocks.next_piece(&mut pool) else {
                if blocks.buf.len() - blocks.from > opts.max_line_bytes {
                    return Ok(Stop::Stream);
                }
                if blocks.read(&mut reader, block)? > opts.max_file_bytes {
                    return Ok(Stop::TooLarge);
                }
                continue;
            };
            let (sender, free_sender, stream) = (sender.clone(), free_sender.clone(), &stream);
            let new_sink = &new_sink;
            scope.spawn(move |_| {
                let rows = (piece.len() - from) / row_bytes + 16;
                let chunk = parse_chunk(&piece[from..], opts, new_sink(rows));
                let mut piece = piece;
                piece.clear();
                let _ = free_sender.send(piece);
                if chunk.is_none() {
                    stream.store(true, Ordering::Relaxed);
                }
                // The receiver outlives the scope, so this cannot fail.
                let _ = sender.send((index, chunk));
            });
            if blocks.eof {
                break;
            }
            if blocks.read(&mut reader, block)? > opts.max_file_bytes {
                return Ok(Stop::TooLarge);
            }
        }
        Ok(Stop::End)
    })?;
    drop(sender);
    match stop {
        Stop::Stream => return Ok(None),
        Stop::TooLarge => {
            let reason = ErrorReason::TooLarge(opts.max_file_bytes);
            return Ok(Some(Err(opts.error(0, reason))));
        }
        Stop::End => {}
    }
    let mut chunks: Vec<(usize, Option<Chunk<S>>)> = receiver.into_iter().collect();
    chunks.sort_unstable_by_key(|(index, _)| *index);
    let chunks: Option<Vec<Chunk<S>>> = chunks.into_iter().map(|(_, c)| c).collect();
    Ok(chunks.and_then(|c| within_row_limit(c, opts)).map(Ok))
}

/// The bytes read but not yet handed out: `buf[from..]` starts at a line.
struct Blocks {
    buf: Vec<u8>,
    from: usize,
    eof: bool,
    /// Bytes read in all.
    total: u64,
}

impl Blocks {
    /// The next piece of whole lines and where in it they start; `None` when `buf` holds
    /// no newline yet (and the file goes on).
    fn next_piece(&mut self, pool: &mut BufferPool) -> Option<(Vec<u8>, usize)> {
        let cut = if self.eof {
            self.buf.len()
        } else {
            self.from + memchr::memrchr(b'\n', &self.buf[self.from..])? + 1
        };
        let mut next = pool.take();
        next.extend_from_slice(&self.buf[cut..]);
        self.buf.truncate(cut);
        let piece = std::mem::replace(&mut self.buf, next);
        let from = std::mem::take(&mut self.from);
        Some((piece, from))
    }

    /// Appends up to one block; returns the bytes read so far in all.
    fn read(&mut self, reader: &mut impl Read, block: u64) -> io::Result<u64> {
        let n = reader.take(block).read_to_end(&mut self.buf)? as u64;
        self.eof = n < block;
        self.total += n;
        Ok(self.total)
    }
}

/// Block buffers handed back by the parsers once done, so the file is read into pages
/// already faulted in rather than fresh ones (page faults were a sixth of the time).
struct BufferPool {
    free: mpsc::Receiver<Vec<u8>>,
    allocated: usize,
    limit: usize,
    capacity: usize,
}

impl BufferPool {
    fn take(&mut self) -> Vec<u8> {
        loop {
            if let Ok(buf) = self.free.try_recv() {
                return buf;
            }
            if self.allocated < self.limit {
                break;
            }
            // Help parse while waiting; when there is nothing to help with, every other
            // buffer is being parsed and comes back soon.
            match rayon::yield_now() {
                Some(rayon::Yield::Executed) => {}
                Some(rayon::Yield::Idle) => {
                    if let Ok(buf) = self.free.recv_timeout(Duration::from_millis(20)) {
                        return buf;
                    }
                    break;
                }
                None => break,
            }
        }
        self.allocated += 1;
        Vec::with_capacity(self.capacity)
    }
}
