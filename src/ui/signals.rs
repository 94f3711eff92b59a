//! Signals that ask the app to end (SIGTERM from `kill` or a logout, SIGHUP from a closed
//! terminal or a logout, SIGINT from Ctrl+C in the terminal) close the window the way its
//! close button does: the window is asked to close ([`egui::ViewportCommand::Close`], as
//! the window manager asks), so [`super::closing`] saves the work first and waits for what
//! the user started. Without this the process ended at once, leaving the unsaved work only
//! in the crash journal until the next start.
//!
//! The signal handler only writes the signal's number to a socket; a thread of its own reads
//! it and asks the window to close, which wakes it. A logout sends SIGTERM and SIGHUP
//! together: signals within [`GRACE`] of the first are the same request. A signal after
//! that, with the window still there (its save stuck), ends the process at once: the crash
//! journal holds whatever is unsaved, as after any crash. One a minute or more after the
//! first asks to close again: by then that close has ended (a save that failed leaves the
//! window open to say why), and quitting then would drop what the user kept working on.
//!
//! Only the window installs the handlers: the headless commands keep the default behaviour.

#[cfg(unix)]
use std::os::unix::net::UnixStream;

/// Signals after the first that are taken as the same request, not as a second one.
#[cfg(unix)]
const GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// A signal this long after the first is a new request to close, not a second one: the
/// close it asked for has ended by then (the window stayed, saying why, after a save that
/// failed, or the user chose to stay), and quitting without saving would lose work.
#[cfg(unix)]
const STUCK: std::time::Duration = std::time::Duration::from_secs(60);

/// Installs the handlers of SIGTERM, SIGINT and SIGHUP, and the thread that turns them into
/// requests to close the window. If that fails, the signals keep their default (ending the
/// process; the crash journal keeps the work) and the error says why.
#[cfg(unix)]
pub fn watch(ctx: &egui::Context) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::sync::Arc;

    let (reader, writer) = UnixStream::pair()?;
    // A full socket (signals faster than the thread reads them) drops the byte rather than
    // blocking the handler.
    writer.set_nonblocking(true)?;
    let writer = Arc::new(writer);
    let ctx = ctx.clone();
    std::thread::Builder::new()
        .name("lector-signals".to_owned())
        .spawn(move || {
            let second = wait_for_signals(&reader, &ctx);
            if let Some(signal) = second {
                // Not `eprintln!`: it panics where standard error is gone (a terminal hung up,
                // the very case of SIGHUP), and this thread would end without quitting.
                let _ = writeln!(
                    std::io::stderr(),
                    "lector: signal {signal} again while closing: quitting now; unsaved work \
                     is in the crash journal and comes back at the next start"
                );
                std::process::exit(128 + i32::from(signal));
            }
        })?;
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let writer = Arc::clone(&writer);
        let byte = u8::try_from(signal).unwrap_or(u8::MAX);
        #[allow(unsafe_code)]
        // SAFETY: the action runs in a signal handler, so it may only do what is
        // async-signal-safe: it writes one byte from the stack to a socket (one `write`
        // system call, which allocates, locks and panics nothing; an error, such as a full
        // socket, is dropped). The registry keeps `errno` as it was.
        unsafe {
            signal_hook_registry::register(signal, move || {
                let _ = (&*writer).write(&[byte]);
            })?;
        }
    }
    Ok(())
}

/// Without Unix signals there is nothing to watch.
#[cfg(not(unix))]
pub fn watch(_ctx: &egui::Context) -> std::io::Result<()> {
    Ok(())
}

/// The thread's loop: the first signal read from `reader` asks the window to close, and
/// more within [`GRACE`] of it do nothing. Returns a signal that came after that but within
/// [`STUCK`] of it (which ends the process); one later still asks again. `None` when the
/// handlers' end is closed.
#[cfg(unix)]
fn wait_for_signals(reader: &UnixStream, ctx: &egui::Context) -> Option<u8> {
    use std::io::Read as _;
    let mut first: Option<std::time::Instant> = None;
    let mut byte = [0_u8];
    loop {
        match (&*reader).read(&mut byte) {
            Ok(1) => {}
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            // The handlers' end is never closed while they are installed.
            _ => return None,
        }
        match first {
            // A logout's SIGHUP after its SIGTERM, or Ctrl+C pressed twice: the same request.
            Some(at) if at.elapsed() < GRACE => {}
            // Again while the close is stuck (its save hangs): quit.
            Some(at) if at.elapsed() < STUCK => return Some(byte[0]),
            _ => {
                first = Some(std::time::Instant::now());
                // As the window manager's close button asks (this wakes the window).
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// The viewport commands the window would get in its next frame.
    fn commands(ctx: &egui::Context) -> Vec<egui::ViewportCommand> {
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        // No painter takes the fonts' texture here.
        output.textures_delta.clear();
        output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .map(|v| v.commands.clone())
            .unwrap_or_default()
    }

    #[test]
    fn the_first_signal_asks_the_window_to_close_and_more_at_once_are_the_same_request() {
        let ctx = egui::Context::default();
        let (reader, mut writer) = UnixStream::pair().unwrap();
        let thread = {
            let ctx = ctx.clone();
            std::thread::spawn(move || wait_for_signals(&reader, &ctx))
        };
        // A logout's SIGTERM and SIGHUP.
        writer.write_all(&[15, 1]).unwrap();
        drop(writer);
        assert_eq!(thread.join().unwrap(), None, "no second request");
        let asked = commands(&ctx);
        assert_eq!(
            asked
                .iter()
                .filter(|c| **c == egui::ViewportCommand::Close)
                .count(),
            1,
            "{asked:?}"
        );
    }
}
