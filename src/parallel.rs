//! A small order-preserving parallel map over the machine's cores (std threads only),
//! for work made of independent pieces such as importing many files, and line-by-line
//! parsing of large files split into pieces of whole lines.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Applies `f` to every item on up to `available_parallelism` threads and returns the
/// results in the items' order. Items are handed out one at a time, so uneven pieces
/// (one large file among small ones) still spread over the threads.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let n = items.len();
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let item = slots[i].lock().ok().and_then(|mut g| g.take());
                    if let Some(item) = item {
                        let r = f(item);
                        if let Ok(mut g) = results[i].lock() {
                            *g = Some(r);
                        }
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// Pieces of at least this many bytes are worth a thread.
const MIN_PIECE: usize = 256 * 1024;

/// Parses the lines of `text` (split at `\n`) on up to all cores, in pieces of whole
/// lines: `parse` gets each line without its `\n` and gives `None` for a line that
/// holds nothing. Returns the items in text order and the number of lines, or the
/// first error in text order with its 1-based line number — the same as parsing the
/// lines one by one and stopping at the first error.
pub fn parse_lines<'t, T: Send, E: Send>(
    text: &'t [u8],
    parse: impl Fn(&'t [u8]) -> Result<Option<T>, E> + Sync,
) -> Result<(Vec<T>, usize), (usize, E)> {
    let pieces = fold_lines(text, Vec::new, |items, line| {
        if let Some(item) = parse(line)? {
            items.push(item);
        }
        Ok(())
    })?;
    let mut all = Vec::with_capacity(pieces.iter().map(|(p, _)| p.len()).sum());
    let mut lines = 0;
    for (items, n) in pieces {
        all.extend(items);
        lines += n;
    }
    Ok((all, lines))
}

/// Folds the lines of `text` (split at `\n`) on up to all cores, in pieces of whole
/// lines: each piece starts from `init()` and `fold` takes its lines in order. Returns
/// each piece's result with its number of lines, in text order, or the first error in
/// text order with its 1-based line number.
pub fn fold_lines<'t, A: Send, E: Send>(
    text: &'t [u8],
    init: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &'t [u8]) -> Result<(), E> + Sync,
) -> Result<Vec<(A, usize)>, (usize, E)> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let pieces = line_pieces(text, threads.min(text.len() / MIN_PIECE).max(1));
    let (init, fold) = (&init, &fold);
    let folded = map(pieces, |piece| {
        let mut acc = init();
        let mut lines = 0;
        // A last line ending with `\n` is followed by nothing, not by an empty line.
        let body = piece.strip_suffix(b"\n").unwrap_or(piece);
        if !piece.is_empty() {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', body).chain([body.len()]) {
                let line = &body[start..end];
                start = end + 1;
                lines += 1;
                if let Err(e) = fold(&mut acc, line) {
                    return (acc, lines, Some(e));
                }
            }
        }
        (acc, lines, None)
    });
    let mut out = Vec::with_capacity(folded.len());
    let mut before = 0;
    for (acc, lines, error) in folded {
        if let Some(e) = error {
            return Err((before + lines, e));
        }
        out.push((acc, lines));
        before += lines;
    }
    Ok(out)
}

/// Splits `text` into at most `n` pieces of about equal size, each ending just after a
/// `\n` (but the last, which ends where the text does).
fn line_pieces(text: &[u8], n: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(n);
    let mut rest = text;
    for left in (1..=n.max(1)).rev() {
        if left == 1 || rest.is_empty() {
            pieces.push(rest);
            break;
        }
        let target = rest.len() / left;
        let end = rest
            .get(target..)
            .and_then(|tail| memchr::memchr(b'\n', tail))
            .map_or(rest.len(), |i| target + i + 1);
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let out = super::map((0..1000).collect(), |i: u64| i * 2);
        assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert!(super::map(Vec::<u8>::new(), |x| x).is_empty());
    }

    #[test]
    fn lines_parsed_in_pieces_are_the_lines_in_order() {
        let text: String = (0..100_000).map(|i| format!("{i}\n")).collect();
        for n in [1, 2, 3, 7] {
            let pieces = super::line_pieces(text.as_bytes(), n);
            assert!(pieces.len() <= n);
            assert_eq!(pieces.concat(), text.as_bytes());
            assert!(pieces.iter().all(|p| p.is_empty() || p.ends_with(b"\n")));
        }
        let parse = |line: &[u8]| -> Result<Option<u32>, String> {
            let s = std::str::from_utf8(line).map_err(|e| e.to_string())?;
            if s.is_empty() {
                return Ok(None);
            }
            s.parse().map(Some).map_err(|_| format!("bad {s}"))
        };
        let (items, lines) = super::parse_lines(text.as_bytes(), parse).unwrap();
        assert_eq!(items, (0..100_000).collect::<Vec<u32>>());
        assert_eq!(lines, 100_000);
        // No newline at the end, an empty line, and an error: the first one, by line.
        let bad = format!("{text}\nx\n{text}y");
        assert_eq!(
            super::parse_lines(bad.as_bytes(), parse),
            Err((100_002, "bad x".to_string()))
        );
        let tail = format!("{text}7");
        assert_eq!(
            super::parse_lines(tail.as_bytes(), parse).unwrap().1,
            100_001
        );
        assert_eq!(super::parse_lines(b"", parse), Ok((Vec::new(), 0)));
        assert_eq!(super::parse_lines(b"\n", parse), Ok((Vec::new(), 1)));
    }
}
