//! Asks the session D-Bus whether the XDG desktop portal offers a file chooser, so that the
//! app can tell "there is no dialog service" from "the user cancelled": `rfd` returns nothing
//! in both cases.
//!
//! ## Implementation notes
//!
//! One question needs no D-Bus library: this is a minimal client of the wire protocol
//! (SASL `EXTERNAL` authentication, then `Hello` and one
//! `org.freedesktop.DBus.Properties.Get(org.freedesktop.portal.FileChooser, version)` to the
//! portal, little-endian, no file descriptors). The `zbus` and `dbus` crates would bring an
//! async runtime or a build dependency on `libdbus-1-dev`; a fresh machine with only Rust
//! must build Lector.
//!
//! Asking for the property (not merely whether the portal's name is on the bus) starts the
//! portal if it is installed but not yet running, as opening a dialog would, and fails with
//! `UnknownInterface` when the portal runs without a file chooser backend. Every read and
//! write has a deadline, and the probe runs off the UI thread.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the session bus said about the portal's file chooser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortalAnswer {
    /// The portal implements `org.freedesktop.portal.FileChooser`.
    FileChooser {
        /// The interface version it reports.
        version: u32,
    },
    /// It does not, or there is no bus to ask: why, in words.
    Missing(String),
}

const BUS_NAME: &str = "org.freedesktop.DBus";
const BUS_PATH: &str = "/org/freedesktop/DBus";
const PORTAL_NAME: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const FILE_CHOOSER: &str = "org.freedesktop.portal.FileChooser";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

/// Messages bigger than this are not read (the answers asked for are a few hundred bytes).
const MAX_MESSAGE: usize = 1 << 20;

/// Asks the session bus of this process (`DBUS_SESSION_BUS_ADDRESS`, else
/// `$XDG_RUNTIME_DIR/bus`, as libdbus finds it) within `timeout`.
pub fn probe(timeout: Duration) -> PortalAnswer {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    probe_address(address.as_deref(), runtime_dir.as_deref(), timeout)
}

/// Asks the bus at `address` (a D-Bus address list), or at `runtime_dir/bus` when there is no
/// address, within `timeout`.
pub fn probe_address(
    address: Option<&str>,
    runtime_dir: Option<&Path>,
    timeout: Duration,
) -> PortalAnswer {
    let sockets = match address {
        Some(address) => bus_sockets(address),
        None => runtime_dir
            .map(|dir| dir.join("bus"))
            .filter(|path| path.exists())
            .map(BusSocket::Path)
            .into_iter()
            .collect(),
    };
    if sockets.is_empty() {
        return PortalAnswer::Missing(match address {
            Some(address) => format!("no usable session bus address in {address:?}"),
            None => "no session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned(),
        });
    }
    let deadline = Instant::now() + timeout;
    let mut why = Vec::new();
    for socket in sockets {
        match ask(&socket, deadline) {
            Ok(answer) => return answer,
            Err(err) => why.push(format!("{socket}: {err}")),
        }
    }
    PortalAnswer::Missing(format!(
        "cannot talk to the session bus: {}",
        why.join("; ")
    ))
}

/// A socket a D-Bus address names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum BusSocket {
    /// `unix:path=…`
    Path(PathBuf),
    /// `unix:abstract=…` (Linux)
    Abstract(Vec<u8>),
}

impl std::fmt::Display for BusSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(path) => write!(f, "unix:path={}", path.display()),
            Self::Abstract(name) => write!(f, "unix:abstract={}", String::from_utf8_lossy(name)),
        }
    }
}

/// The sockets of an address list (`unix:path=/run/user/1000/bus;unix:abstract=/tmp/x,guid=…`)
/// that a client can connect to, in order. Other transports (tcp, launchd) are left out.
fn bus_sockets(address: &str) -> Vec<BusSocket> {
    address
        .split(';')
        .filter_map(|entry| {
            let (transport, params) = entry.split_once(':')?;
            if transport != "unix" {
                return None;
            }
            params.split(',').find_map(|param| {
                let (key, value) = param.split_once('=')?;
                let value = unescape(value);
                match key {
                    "path" => Some(BusSocket::Path(PathBuf::from(
                        String::from_utf8_lossy(&value).into_owned(),
                    ))),
                    "abstract" => Some(BusSocket::Abstract(value)),
                    _ => None,
                }
            })
        })
        .collect()
}

/// Undoes the `%XX` escapes of a D-Bus address value.
fn unescape(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(unix)]
fn connect(socket: &BusSocket) -> std::io::Result<std::os::unix::net::UnixStream> {
    use std::os::unix::net::UnixStream;
    match socket {
        BusSocket::Path(path) => UnixStream::connect(path),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        BusSocket::Abstract(name) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt as _;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt as _;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            UnixStream::connect_addr(&addr)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        BusSocket::Abstract(_) => Err(std::io::Error::other(
            "abstract sockets exist only on Linux",
        )),
    }
}

/// Authenticates on one socket and asks the question.
#[cfg(unix)]
fn ask(socket: &BusSocket, deadline: Instant) -> std::io::Result<PortalAnswer> {
    let mut stream = Deadlined {
        stream: connect(socket)?,
        deadline,
    };
    authenticate(&mut stream)?;
    let hello = method_call(1, BUS_NAME, BUS_PATH, BUS_NAME, "Hello", None);
    let mut args = Writer::default();
    args.string(FILE_CHOOSER);
    args.string("version");
    let get = method_call(
        2,
        PORTAL_NAME,
        PORTAL_PATH,
        PROPERTIES,
        "Get",
        Some(("ss", &args)),
    );
    let mut both = hello;
    both.extend_from_slice(&get);
    stream.write_all(&both)?;
    loop {
        let message = read_message(&mut stream)?;
        match (message.reply_serial, message.kind) {
            (Some(1), ERROR) => {
                return Ok(PortalAnswer::Missing(format!(
                    "the session bus refused Hello: {}",
                    message.error_text()
                )));
            }
            (Some(2), RETURN) => {
                return Ok(match message.variant_u32() {
                    Some(version) => PortalAnswer::FileChooser { version },
                    None => PortalAnswer::Missing(
                        "the portal answered, but not with a FileChooser version".to_owned(),
                    ),
                });
            }
            (Some(2), ERROR) => {
                return Ok(PortalAnswer::Missing(format!(
                    "no file chooser portal: {}",
                    message.error_text()
                )));
            }
            // Hello's reply, and signals such as NameAcquired.
            _ => {}
        }
    }
}

#[cfg(not(unix))]
fn ask(_socket: &BusSocket, _deadline: Instant) -> std::io::Result<PortalAnswer> {
    Ok(PortalAnswer::Missing("D-Bus is for Unix".to_owned()))
}

/// A stream whose every read and write ends by a deadline.
#[cfg(unix)]
struct Deadlined {
    stream: std::os::unix::net::UnixStream,
    deadline: Instant,
}

#[cfg(unix)]
impl Deadlined {
    fn remaining(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the session bus did not answer in time",
            ))
        } else {
            Ok(left)
        }
    }
}

#[cfg(unix)]
impl std::io::Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.remaining()?;
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf).map_err(|err| match err.kind() {
            std::io::ErrorKind::WouldBlock => std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the session bus did not answer in time",
            ),
            _ => err,
        })
    }
}

#[cfg(unix)]
impl std::io::Write for Deadlined {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let left = self.remaining()?;
        self.stream.set_write_timeout(Some(left))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// SASL `EXTERNAL`: the bus checks the uid of the socket's peer.
#[cfg(unix)]
fn authenticate(stream: &mut (impl std::io::Read + std::io::Write)) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    // The owner of /proc/self is the process's effective uid (no libc call needed); where there
    // is no /proc, the empty form lets the bus take the uid from the socket.
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let auth = match uid {
        Some(uid) => format!("\0AUTH EXTERNAL {}\r\n", hex(uid.to_string().as_bytes())),
        None => "\0AUTH EXTERNAL\r\n".to_owned(),
    };
    stream.write_all(auth.as_bytes())?;
    loop {
        let line = read_line(stream)?;
        if line.starts_with("OK") {
            stream.write_all(b"BEGIN\r\n")?;
            return Ok(());
        } else if line.starts_with("DATA") {
            stream.write_all(b"DATA\r\n")?;
        } else {
            return Err(std::io::Error::other(format!(
                "the session bus refused to authenticate us ({line})"
            )));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line of the authentication exchange, without its `\r\n`.
fn read_line(stream: &mut impl std::io::Read) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    while !line.ends_with(b"\r\n") {
        if line.len() > 4096 {
            return Err(std::io::Error::other("an overlong line from the bus"));
        }
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the session bus closed the connection",
            ));
        }
        line.push(byte[0]);
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

// Message types.
const CALL: u8 = 1;
const RETURN: u8 = 2;
const ERROR: u8 = 3;

// Header fields.
const FIELD_PATH: u8 = 1;
const FIELD_INTERFACE: u8 = 2;
const FIELD_MEMBER: u8 = 3;
const FIELD_ERROR_NAME: u8 = 4;
const FIELD_REPLY_SERIAL: u8 = 5;
const FIELD_DESTINATION: u8 = 6;
const FIELD_SIGNATURE: u8 = 8;

/// Little-endian D-Bus marshalling of the few types needed. Offsets count from the start of
/// the buffer, which is where a message (and, 8-aligned, its body) starts.
#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn align(&mut self, to: usize) {
        while !self.buf.len().is_multiple_of(to) {
            self.buf.push(0);
        }
    }

    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    fn u32(&mut self, v: u32) {
        self.align(4);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A string or an object path.
    fn string(&mut self, s: &str) {
        self.u32(u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    fn signature(&mut self, s: &str) {
        self.buf.push(u8::try_from(s.len()).unwrap_or(u8::MAX));
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(slot) = self.buf.get_mut(at..at + 4) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
    }
}

/// A header field's value.
enum Field<'a> {
    Str(&'a str),
    Path(&'a str),
    Sig(&'a str),
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "only replies have it: the tests' fake bus sends them"
        )
    )]
    U32(u32),
}

/// A whole message: header, header fields, body (already marshalled, with its signature).
fn message(
    kind: u8,
    serial: u32,
    fields: &[(u8, Field<'_>)],
    body: Option<(&str, &Writer)>,
) -> Vec<u8> {
    let body_len = body.map_or(0, |(_, b)| b.buf.len());
    let mut w = Writer::default();
    w.byte(b'l');
    w.byte(kind);
    w.byte(0);
    w.byte(1);
    w.u32(u32::try_from(body_len).unwrap_or(u32::MAX));
    w.u32(serial);
    w.u32(0);
    let start = w.buf.len();
    let signature = body.map(|(sig, _)| (FIELD_SIGNATURE, Field::Sig(sig)));
    for (code, value) in fields.iter().chain(signature.as_ref()) {
        w.align(8);
        w.byte(*code);
        match value {
            Field::Str(s) => {
                w.signature("s");
                w.string(s);
            }
            Field::Path(s) => {
                w.signature("o");
                w.string(s);
            }
            Field::Sig(s) => {
                w.signature("g");
                w.signature(s);
            }
            Field::U32(v) => {
                w.signature("u");
                w.u32(*v);
            }
        }
    }
    let len = w.buf.len() - start;
    w.patch_u32(12, u32::try_from(len).unwrap_or(u32::MAX));
    w.align(8);
    if let Some((_, b)) = body {
        w.buf.extend_from_slice(&b.buf);
    }
    w.buf
}

/// A method call, with its body's signature and body if it has arguments.
fn method_call(
    serial: u32,
    destination: &str,
    path: &str,
    interface: &str,
    member: &str,
    body: Option<(&str, &Writer)>,
) -> Vec<u8> {
    let fields = [
        (FIELD_PATH, Field::Path(path)),
        (FIELD_INTERFACE, Field::Str(interface)),
        (FIELD_MEMBER, Field::Str(member)),
        (FIELD_DESTINATION, Field::Str(destination)),
    ];
    message(CALL, serial, &fields, body)
}

/// The parts of a received message the probe looks at.
#[derive(Debug, Default)]
struct Received {
    kind: u8,
    little_endian: bool,
    reply_serial: Option<u32>,
    error_name: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
}

impl Received {
    fn error_text(&self) -> String {
        let name = self.error_name.as_deref().unwrap_or("an error");
        let message = (self
            .signature
            .as_deref()
            .is_some_and(|s| s.starts_with('s')))
        .then(|| Reader::new(&self.body, self.little_endian).string())
        .flatten();
        match message {
            Some(message) if !message.is_empty() => format!("{name} ({message})"),
            _ => name.to_owned(),
        }
    }

    /// The body as one variant holding a `u32` (what `Properties.Get` returns).
    fn variant_u32(&self) -> Option<u32> {
        if self.signature.as_deref() != Some("v") {
            return None;
        }
        let mut r = Reader::new(&self.body, self.little_endian);
        (r.signature()? == "u").then(|| r.u32()).flatten()
    }
}

/// Reads D-Bus values from a message, either byte order.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    little_endian: bool,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], little_endian: bool) -> Self {
        Self {
            buf,
            at: 0,
            little_endian,
        }
    }

    fn align(&mut self, to: usize) {
        self.at = self.at.next_multiple_of(to);
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn u32(&mut self) -> Option<u32> {
        self.align(4);
        let bytes: [u8; 4] = self.buf.get(self.at..self.at + 4)?.try_into().ok()?;
        self.at += 4;
        Some(if self.little_endian {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.u32()?).ok()?;
        let s = self.buf.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(String::from_utf8_lossy(s).into_owned())
    }

    fn signature(&mut self) -> Option<String> {
        let len = usize::from(self.byte()?);
        let s = self.buf.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(String::from_utf8_lossy(s).into_owned())
    }
}

/// Reads one whole message and picks out what [`Received`] holds.
fn read_message(stream: &mut impl std::io::Read) -> std::io::Result<Received> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut fixed = [0u8; 16];
    stream.read_exact(&mut fixed)?;
    let little_endian = match fixed[0] {
        b'l' => true,
        b'B' => false,
        _ => return Err(bad("not a D-Bus message")),
    };
    let mut r = Reader::new(&fixed, little_endian);
    r.at = 4;
    let (Some(body_len), Some(_serial), Some(fields_len)) = (r.u32(), r.u32(), r.u32()) else {
        return Err(bad("a short D-Bus header"));
    };
    let fields_len = usize::try_from(fields_len).map_err(|_| bad("a huge message"))?;
    let body_len = usize::try_from(body_len).map_err(|_| bad("a huge message"))?;
    let header_len = (16 + fields_len).next_multiple_of(8);
    if header_len + body_len > MAX_MESSAGE {
        return Err(bad("a message too big to be an answer"));
    }
    let mut rest = vec![0u8; header_len - 16 + body_len];
    stream.read_exact(&mut rest)?;
    let mut whole = fixed.to_vec();
    whole.extend_from_slice(&rest);
    let mut message = Received {
        kind: fixed[1],
        little_endian,
        body: whole.get(header_len..).unwrap_or_default().to_vec(),
        ..Received::default()
    };
    let mut r = Reader::new(
        whole.get(..16 + fields_len).unwrap_or_default(),
        little_endian,
    );
    r.at = 16;
    while r.at < 16 + fields_len {
        r.align(8);
        let (Some(code), Some(sig)) = (r.byte(), r.signature()) else {
            break;
        };
        match (code, sig.as_str()) {
            (FIELD_REPLY_SERIAL, "u") => message.reply_serial = r.u32(),
            (FIELD_ERROR_NAME, "s") => message.error_name = r.string(),
            (FIELD_SIGNATURE, "g") => message.signature = r.signature(),
            (_, "s" | "o") => {
                r.string();
            }
            (_, "g") => {
                r.signature();
            }
            (_, "u") => {
                r.u32();
            }
            // A field of a type not used in headers today: the rest cannot be walked.
            _ => break,
        }
    }
    Ok(message)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::os::unix::net::UnixListener;

    #[test]
    fn addresses_are_parsed_like_libdbus() {
        assert_eq!(
            bus_sockets("unix:path=/run/user/1000/bus"),
            [BusSocket::Path("/run/user/1000/bus".into())]
        );
        assert_eq!(
            bus_sockets("tcp:host=localhost,port=1;unix:abstract=/tmp/dbus-x%2cy,guid=0f"),
            [BusSocket::Abstract(b"/tmp/dbus-x,y".to_vec())]
        );
        assert_eq!(bus_sockets("autolaunch:"), []);
        assert_eq!(unescape("a%20b%zz%4"), b"a b%zz%4");
    }

    #[test]
    fn no_bus_means_no_portal() {
        let dir = tempfile::tempdir().unwrap();
        let answer = probe_address(None, Some(dir.path()), Duration::from_secs(1));
        assert!(
            matches!(&answer, PortalAnswer::Missing(why) if why.contains("no session bus")),
            "{answer:?}"
        );
        let answer = probe_address(Some("tcp:host=x,port=1"), None, Duration::from_secs(1));
        assert!(matches!(answer, PortalAnswer::Missing(_)), "{answer:?}");
        let missing = dir.path().join("nothing-listens-here");
        let address = format!("unix:path={}", missing.display());
        let answer = probe_address(Some(&address), None, Duration::from_secs(1));
        assert!(
            matches!(&answer, PortalAnswer::Missing(why) if why.contains("cannot talk")),
            "{answer:?}"
        );
    }

    /// How the fake bus answers the portal question.
    #[derive(Clone, Copy)]
    enum Bus {
        Portal,
        NoPortal,
        Silent,
        Refuses,
    }

    /// A fake session bus on a socket in a temporary folder that answers one client.
    fn fake_bus(behaviour: Bus) -> (tempfile::TempDir, String, std::thread::JoinHandle<()>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::Builder::new()
            .name("fake-bus".into())
            .spawn(move || {
                let (mut stream, _) = listener.accept().unwrap();
                let mut nul = [0u8];
                stream.read_exact(&mut nul).unwrap();
                let auth = read_line(&mut stream).unwrap();
                assert!(auth.starts_with("AUTH EXTERNAL"), "{auth}");
                if let Bus::Refuses = behaviour {
                    stream.write_all(b"REJECTED EXTERNAL\r\n").unwrap();
                    return;
                }
                stream.write_all(b"OK 0123456789abcdef\r\n").unwrap();
                assert_eq!(read_line(&mut stream).unwrap(), "BEGIN");
                let _hello = read_message(&mut stream).unwrap();
                let get = read_message(&mut stream).unwrap();
                assert_eq!(get.signature.as_deref(), Some("ss"));
                let mut r = Reader::new(&get.body, true);
                assert_eq!(r.string().as_deref(), Some(FILE_CHOOSER));
                assert_eq!(r.string().as_deref(), Some("version"));
                if let Bus::Silent = behaviour {
                    std::thread::sleep(Duration::from_millis(500));
                    return;
                }
                let mut name = Writer::default();
                name.string(":1.7");
                let mut out = message(
                    RETURN,
                    1,
                    &[(FIELD_REPLY_SERIAL, Field::U32(1))],
                    Some(("s", &name)),
                );
                // A signal in between, as the bus sends NameAcquired.
                out.extend(message(
                    4,
                    2,
                    &[(FIELD_MEMBER, Field::Str("NameAcquired"))],
                    Some(("s", &name)),
                ));
                out.extend(match behaviour {
                    Bus::Portal => {
                        let mut variant = Writer::default();
                        variant.signature("u");
                        variant.u32(4);
                        message(
                            RETURN,
                            3,
                            &[(FIELD_REPLY_SERIAL, Field::U32(2))],
                            Some(("v", &variant)),
                        )
                    }
                    _ => {
                        let mut text = Writer::default();
                        text.string("The name is not activatable");
                        let fields = [
                            (FIELD_REPLY_SERIAL, Field::U32(2)),
                            (
                                FIELD_ERROR_NAME,
                                Field::Str("org.freedesktop.DBus.Error.ServiceUnknown"),
                            ),
                        ];
                        message(ERROR, 3, &fields, Some(("s", &text)))
                    }
                });
                stream.write_all(&out).unwrap();
            })
            .unwrap();
        (dir, format!("unix:path={}", path.display()), server)
    }

    #[test]
    fn a_portal_with_a_file_chooser_is_found() {
        let (_dir, address, server) = fake_bus(Bus::Portal);
        let answer = probe_address(Some(&address), None, Duration::from_secs(5));
        server.join().unwrap();
        assert_eq!(answer, PortalAnswer::FileChooser { version: 4 });
    }

    #[test]
    fn a_bus_without_the_portal_says_why() {
        let (_dir, address, server) = fake_bus(Bus::NoPortal);
        let answer = probe_address(Some(&address), None, Duration::from_secs(5));
        server.join().unwrap();
        assert_eq!(
            answer,
            PortalAnswer::Missing(
                "no file chooser portal: org.freedesktop.DBus.Error.ServiceUnknown \
                 (The name is not activatable)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_silent_or_refusing_bus_does_not_hang_the_probe() {
        let (_dir, address, server) = fake_bus(Bus::Silent);
        let started = Instant::now();
        let answer = probe_address(Some(&address), None, Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(&answer, PortalAnswer::Missing(why) if why.contains("in time")),
            "{answer:?}"
        );
        server.join().unwrap();

        let (_dir, address, server) = fake_bus(Bus::Refuses);
        let answer = probe_address(Some(&address), None, Duration::from_secs(5));
        server.join().unwrap();
        assert!(
            matches!(&answer, PortalAnswer::Missing(why) if why.contains("refused")),
            "{answer:?}"
        );
    }
}
