//! [`serve`]: the tokio loop of a node process: stdin lines and timer deadlines in, stdout
//! lines out, until stdin closes or stdout's reader goes away.

use splitbrain_models::Deployable;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::{Host, NodeError, NodeOptions};

/// Runs protocol `P` as a Maelstrom node over `input`/`output` until `input` ends or `output`
/// is a closed pipe (no one is listening any more: that ends the node quietly, like the end of
/// its input).
pub async fn serve<P: Deployable>(
    options: NodeOptions,
    input: impl AsyncBufRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
) -> Result<(), NodeError> {
    let mut host = Host::<P>::new(options)?;
    let mut lines = input.lines();
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
        };
        match write_lines(&mut output, &written).await {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            result => result?,
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
