//! A TCP proxy that injects faults between a client and a server, after
//! toxiproxy's model: replies delayed, dropped or truncated, connections reset
//! or black-holed, switched at runtime.
//!
//! No crate fits: the Rust toxiproxy crates are clients of toxiproxy's Go
//! server. This one is two threads per connection (one per direction) and an
//! accept thread; each thread wakes every few milliseconds to see the current
//! fault, so a change applies to open connections at once.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, sleep};
use std::time::Duration;

/// How often a waiting thread looks at the fault and the stop flag.
const TICK: Duration = Duration::from_millis(5);

/// What the proxy does to the traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways.
    None,
    /// Forward requests; hold each reply this long before forwarding it (the
    /// replies held when the fault ends are forwarded at once).
    Delay(Duration),
    /// Forward requests; throw the replies away (the server acts, the client
    /// never hears: a lost reply).
    Drop,
    /// Forward requests; forward the first `n` bytes of the next reply, then
    /// close the connection.
    Truncate(usize),
    /// Reset every connection (TCP RST), open ones and new ones.
    Reset,
    /// Accept connections and read requests, forward nothing either way.
    BlackHole,
}

/// A proxy on a free loopback port in front of `upstream`, stopped on drop.
///
/// ```no_run
/// use pottery_testkit::{Fault, Proxy, Server};
/// use std::time::Duration;
///
/// let server = Server::start();
/// let proxy = Proxy::start(&server);
/// let client = redis::Client::open(proxy.url()).unwrap();
/// proxy.set(Fault::Delay(Duration::from_secs(1)));
/// // ... calls through `client` now wait a second for each reply ...
/// proxy.clear();
/// # let _ = client;
/// ```
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    upstream: SocketAddr,
    fault: Mutex<Fault>,
    stopped: AtomicBool,
}

impl Shared {
    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn done(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

impl Proxy {
    /// A proxy in front of `server` (its TCP port on loopback).
    pub fn start(server: &crate::Server) -> Proxy {
        Proxy::to(SocketAddr::from(([127, 0, 0, 1], server.port())))
    }

    /// A proxy in front of `upstream`, forwarding until a fault is set.
    pub fn to(upstream: SocketAddr) -> Proxy {
        let listener = match TcpListener::bind("127.0.0.1:0") {
            Ok(listener) => listener,
            Err(err) => panic!("proxy: cannot listen on loopback: {err}"),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        if let Err(err) = listener.set_nonblocking(true) {
            panic!("proxy: {err}");
        }
        let shared = Arc::new(Shared {
            upstream,
            fault: Mutex::new(Fault::None),
            stopped: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || accept(&listener, &accepting));
        Proxy { port, shared }
    }

    /// `redis://127.0.0.1:PORT/0`, the proxy's own address.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Applies `fault` from now on, to open connections and new ones.
    pub fn set(&self, fault: Fault) {
        *self.lock() = fault;
    }

    /// Forwards both ways again (connections closed meanwhile stay closed).
    pub fn clear(&self) {
        self.set(Fault::None);
    }

    fn lock(&self) -> MutexGuard<'_, Fault> {
        self.shared
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.done() {
        match listener.accept() {
            Ok((client, _)) => {
                if shared.fault() == Fault::Reset {
                    reset(&client);
                    continue;
                }
                let shared = Arc::clone(shared);
                thread::spawn(move || connect(client, &shared));
            }
            Err(err) if err.kind() == ErrorKind::WouldBlock => sleep(TICK),
            Err(_) => sleep(TICK),
        }
    }
}

/// Opens the upstream side of a new connection (none while black-holed:
/// the request is read and dropped) and pumps both directions.
fn connect(client: TcpStream, shared: &Arc<Shared>) {
    let _ = client.set_nonblocking(false);
    while shared.fault() == Fault::BlackHole {
        if !swallow(&client) || shared.done() {
            return;
        }
    }
    let Ok(server) = TcpStream::connect_timeout(&shared.upstream, Duration::from_secs(1)) else {
        reset(&client);
        return;
    };
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let closed = Arc::new(AtomicBool::new(false));
    let (up, up_closed) = (Arc::clone(shared), Arc::clone(&closed));
    thread::spawn(move || pump(client2, server2, &up, &up_closed, Direction::Request));
    pump(server, client, shared, &closed, Direction::Reply);
}

/// Reads and throws away what the client sends for one tick; false once it closed.
fn swallow(client: &TcpStream) -> bool {
    let _ = client.set_read_timeout(Some(TICK));
    let mut buf = [0u8; 4096];
    match (&*client).read(&mut buf) {
        Ok(0) => false,
        Ok(_) => true,
        Err(err) => matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Reply,
}

/// Copies `from` to `to` under the current fault until either side closes,
/// the fault closes them, or the proxy stops. `closed` is shared with the
/// other direction's pump: once set, both return (and their sockets close).
fn pump(
    from: TcpStream,
    to: TcpStream,
    shared: &Shared,
    closed: &AtomicBool,
    direction: Direction,
) {
    let _ = from.set_read_timeout(Some(TICK));
    let mut buf = vec![0u8; 64 * 1024];
    let close = |rst: bool| {
        if rst {
            reset(&from);
            reset(&to);
        } else {
            let _ = to.shutdown(Shutdown::Both);
        }
        closed.store(true, Ordering::Relaxed);
    };
    loop {
        if closed.load(Ordering::Relaxed) {
            return;
        }
        if shared.done() || shared.fault() == Fault::Reset {
            return close(true);
        }
        let n = match (&from).read(&mut buf) {
            Ok(0) => return close(false),
            Ok(n) => n,
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                continue;
            }
            Err(_) => return close(true),
        };
        let data = buf.get(..n).unwrap_or_default();
        // The fault when the data arrived decides what becomes of it.
        match (direction, shared.fault()) {
            (_, Fault::BlackHole) | (Direction::Reply, Fault::Drop) => continue,
            (_, Fault::Reset) => return close(true),
            (Direction::Reply, Fault::Truncate(keep)) => {
                let _ = (&to).write_all(data.get(..keep.min(n)).unwrap_or_default());
                return close(false);
            }
            (Direction::Reply, Fault::Delay(d)) => hold(shared, d),
            (Direction::Request, _) | (Direction::Reply, Fault::None) => {}
        }
        if (&to).write_all(data).is_err() {
            return close(true);
        }
    }
}

/// Waits `delay`, or until the fault is no longer a delay: data held when a
/// fault ends flows at once, so that the end of a fault is the end of its effects.
fn hold(shared: &Shared, delay: Duration) {
    let until = std::time::Instant::now() + delay;
    while matches!(shared.fault(), Fault::Delay(_)) && !shared.done() {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        sleep(left.min(TICK));
    }
}

/// Makes the closing of `stream` a TCP RST (linger zero), as when a peer
/// crashed; it closes once both directions' pumps have let go of it.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}
