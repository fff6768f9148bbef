//! [`serve`]: the tokio loop of a node process: stdin lines and timer deadlines in, stdout
//! lines out, until stdin closes.

use splitbrain_models::Deployable;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::{Host, NodeError, NodeOptions};

/// Runs protocol `P` as a Maelstrom node over `input`/`output` until `input` ends.
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
        if !written.is_empty() {
            for line in written {
                output.write_all(line.as_bytes()).await?;
                output.write_all(b"\n").await?;
            }
            output.flush().await?;
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}
