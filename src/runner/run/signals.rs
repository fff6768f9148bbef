//! SIGINT and SIGTERM stop the run: registered before anything starts, so a terminal's Ctrl-C
//! during any phase reaches the same cleanup path as the end of the run.

use tokio::signal::unix::{signal, SignalKind};

use crate::runner::{RunError, StopHandle};

/// Turns SIGINT and SIGTERM into `stop` (on the current runtime).
pub(crate) fn listen_for_signals(stop: StopHandle) -> Result<(), RunError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(RunError::Runtime)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(RunError::Runtime)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            stop.stop();
        }
    });
    Ok(())
}
