//! [`serve`]: the tokio loop of a node process: stdin lines and timer deadlines in, stdout
//! lines out, until stdin closes or stdout's reader goes away; with `--clock FILE`, a look at the
//! clock file every 2 ms (`clock_file.rs`).

use splitbrain_models::Deployable;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::clock_file::{self, ClockFile};
use super::{Host, NodeError, NodeOptions};

/// Runs protocol `P` as a Maelstrom node over `input`/`output` until `input` ends or `output`
/// is a closed pipe (no one is listening any more: that ends the node quietly, like the end of
/// its input).
pub async fn serve<P: Deployable>(
    options: NodeOptions,
    input: impl AsyncBufRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
) -> Result<(), NodeError> {
    let mut clock_file = options.clock.clone().map(ClockFile::new);
    let mut host = Host::<P>::new(options)?;
    if let Some(file) = &mut clock_file {
        // A setting written while the node was down holds from its start.
        look_at_clock(&mut host, file);
    }
    let mut lines = input.lines();
    let mut poll = tokio::time::interval(clock_file::POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let deadline = host.next_deadline();
        let written = tokio::select! {
            line = lines.next_line() => match line? {
                Some(line) => host.on_line(&line)?,
                None => return Ok(()),
            },
            _ = sleep_until(deadline), if deadline.is_some() => {
                host.fire_due(tokio::time::Instant::now())?
            }
            _ = poll.tick(), if clock_file.is_some() => {
                if let Some(file) = &mut clock_file {
                    look_at_clock(&mut host, file);
                }
                // A step forward may have made timers due: they fire on the next turn.
                Vec::new()
            }
        };
        match write_lines(&mut output, &written).await {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            result => result?,
        }
    }
}

/// Applies a changed clock file and writes the read-back; a bad file is noted on stderr and
/// leaves the clock as it was.
fn look_at_clock<P: Deployable>(host: &mut Host<P>, file: &mut ClockFile) {
    use std::io::Write;
    match file.changed() {
        None => {}
        Some(Ok(setting)) => {
            let now = tokio::time::Instant::now();
            host.set_clock(setting, now);
            if let Err(e) = file.write_applied(host.clock(), now) {
                let _ = writeln!(std::io::stderr(), "clock read-back not written: {e}");
            }
        }
        Some(Err(why)) => {
            let _ = writeln!(std::io::stderr(), "{why}; the clock is left as it was");
        }
    }
}

async fn write_lines(
    output: &mut (impl AsyncWrite + Unpin),
    lines: &[String],
) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    for line in lines {
        output.write_all(line.as_bytes()).await?;
        output.write_all(b"\n").await?;
    }
    output.flush().await
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}
