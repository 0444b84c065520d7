//! Paged reads: a cursor scan (HSCAN, SSCAN, ...) or ranged read, one page per
//! round trip, and the blocking iterator over it (the async one is a stream
//! made by the async mode).

use std::collections::VecDeque;

use crate::client::Client;
use crate::engine::{Deadline, Op};
use crate::error::Result;

/// The reply to one page of a cursor scan: the next cursor and the decoded items.
pub(crate) type Page<T> = (u64, Vec<Result<T>>);

/// A cursor scan or ranged read, one page per round trip.
///
/// Holds at most one page in memory, so iterating a huge structure stays bounded.
pub struct Pages<T> {
    page_op: Box<dyn FnMut(u64) -> Op<Page<T>> + Send>,
    cursor: Option<u64>,
    buffered: VecDeque<Result<T>>,
}

impl<T> Pages<T> {
    /// Starts a scan whose page for `cursor` is read by `page_op(cursor)`.
    pub(crate) fn new(page_op: impl FnMut(u64) -> Op<Page<T>> + Send + 'static) -> Self {
        Pages {
            page_op: Box::new(page_op),
            cursor: Some(0),
            buffered: VecDeque::new(),
        }
    }

    /// The request for the next page, or `None` when the scan is over.
    pub(crate) fn next_op(&mut self) -> Option<Op<Page<T>>> {
        self.cursor.map(&mut self.page_op)
    }

    /// The next buffered item, if any.
    pub(crate) fn pop(&mut self) -> Option<Result<T>> {
        self.buffered.pop_front()
    }

    /// Every buffered item.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Result<T>> + '_ {
        self.buffered.drain(..)
    }

    /// Takes in a page; an error ends the scan and is handed back to be yielded.
    pub(crate) fn feed(&mut self, page: Result<Page<T>>) -> Option<crate::Error> {
        match page {
            Ok((cursor, items)) => {
                self.cursor = (cursor != 0).then_some(cursor);
                self.buffered.extend(items);
                None
            }
            Err(err) => {
                self.cursor = None;
                Some(err)
            }
        }
    }

    /// The next item, reading a page with `read` when none is buffered;
    /// `None` once the scan is over. Both modes' iterators are this loop.
    pub(crate) fn next_with(
        &mut self,
        mut read: impl FnMut(Op<Page<T>>) -> Result<Page<T>>,
    ) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.pop() {
                return Some(item);
            }
            let op = self.next_op()?;
            if let Some(err) = self.feed(read(op)) {
                return Some(Err(err));
            }
        }
    }
}

/// A blocking iterator over a structure, one page per round trip.
///
/// Each item is a `Result`: an entry that does not decode is an `Err` and the
/// iteration goes on; a failed round trip is an `Err` and ends it.
///
/// ```no_run
/// # fn demo(dict: &pottery::sync::RedisDict<String, i64>) -> pottery::Result<()> {
/// for entry in dict.iter() {
///     let (name, number) = entry?;
///     println!("{name}: {number}");
/// }
/// # Ok(()) }
/// ```
pub struct Iter<'a, T> {
    pub(crate) client: &'a Client,
    pub(crate) pages: Pages<T>,
}

impl<T: Send + 'static> Iterator for Iter<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let client = self.client;
        self.pages
            .next_with(|op| op.run_until(client, Deadline::after(client.response_timeout())))
    }
}

impl<T> std::fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter")
            .field("cursor", &self.pages.cursor)
            .field("buffered", &self.pages.buffered.len())
            .finish()
    }
}
