//! [`ErrorKind`]: what a caller branches on.

/// What went wrong, in a form a caller can branch on.
///
/// A retry loop retries [`Connection`](ErrorKind::Connection) (nothing was
/// applied), and decides about [`OutcomeUnknown`](ErrorKind::OutcomeUnknown)
/// (a write may have applied) and [`ClusterBusy`](ErrorKind::ClusterBusy)
/// (retry after a pause); [`Authentication`](ErrorKind::Authentication) and
/// [`OutOfMemory`](ErrorKind::OutOfMemory) do not go away by retrying.
///
/// # Example
///
/// ```
/// use pottery::{Client, ErrorKind};
///
/// let err = Client::open("nope://localhost").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Redis could not be reached, the connection broke, or it did not answer in
    /// time, and nothing the call sent can have changed anything (it read, or
    /// its request was never sent).
    Connection,
    /// A request that may write was sent, then its reply was lost (a timeout or
    /// a broken connection): it may or may not have applied. Check before
    /// retrying a write that is not idempotent.
    OutcomeUnknown,
    /// Redis refused the credentials (`WRONGPASS`, `NOAUTH`) or the user's
    /// permissions (`NOPERM`): retrying will not help.
    Authentication,
    /// Redis reached its `maxmemory` and refused a write (`OOM`).
    OutOfMemory,
    /// A Redis Cluster is busy or moving slots (`TRYAGAIN`, `CLUSTERDOWN`,
    /// `MASTERDOWN`, or a `MOVED`/`ASK` redirect that was not followed): try
    /// again after a pause.
    ClusterBusy,
    /// The key holds another Redis type than the structure needs.
    WrongType,
    /// A stored value does not decode with the structure's codec.
    Decode,
    /// A value could not be encoded with the structure's codec.
    Encode,
    /// The key already exists (creating a structure with initial items).
    KeyExists,
    /// A key, field, member or index that must exist does not.
    NotFound,
    /// A bad URL, option or argument.
    Config,
    /// Redis answered with an error not covered above, or with an unexpected reply.
    Redis,
    /// A [`Redlock`](crate::Redlock) could not be acquired where it had to be (by
    /// [`Redlock::run`](crate::Redlock::run)); pottery's `QuorumNotAchieved`.
    QuorumNotAchieved,
    /// More than half of a [`Redlock`](crate::Redlock)'s masters failed or did not
    /// answer in time, so no quorum was possible; pottery's `QuorumIsImpossible`.
    QuorumIsImpossible,
    /// Extending a [`Redlock`](crate::Redlock) that is no longer held (it expired
    /// or was released); pottery's `ExtendUnlockedLock`.
    ExtendUnlockedLock,
    /// Releasing a [`Redlock`](crate::Redlock) that is no longer held (it expired
    /// or was released); pottery's `ReleaseUnlockedLock`.
    ReleaseUnlockedLock,
    /// A [`Redlock`](crate::Redlock) hold was extended more often than its
    /// `num_extensions` allows; pottery's `TooManyExtensions`.
    TooManyExtensions,
    /// A read-decide-write operation (`retain`, an entry's `and_modify`) found
    /// the data changed by someone else under each of its attempts, and wrote
    /// nothing in the last one: call it again.
    Conflict,
    /// A write through a [`Fenced`](crate::Fenced) was refused, changing
    /// nothing: a larger fencing token had written through the fence.
    StaleFence,
    /// A [`Redlock`](crate::Redlock) with
    /// [`wait_for_replicas`](crate::RedlockBuilder::wait_for_replicas) was
    /// granted by a quorum of masters, but too few of them had their replicas
    /// acknowledge the hold in time; what was taken has been released.
    NotReplicated,
    /// A [`RedisWorkQueue`](crate::RedisWorkQueue) delivery was acknowledged
    /// (or given back) after its lease was lost: it ran out and another
    /// consumer took the item over, or it was dead-lettered. Nothing changed;
    /// the item is someone else's now (the work may be done twice).
    LeaseLost,
}
