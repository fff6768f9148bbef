//! The progress bar on stderr: elapsed time, phase, ops ok/fail/info, active faults.

use std::sync::Arc;
use std::time::Duration;

use splitbrain::runner::RunProgress;

/// The progress bar: elapsed time, phase, ops ok/fail/info, active faults.
pub(super) struct Bar {
    done: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Bar {
    pub(super) fn start(progress: Arc<RunProgress>) -> Bar {
        let (done, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            loop {
                let (ok, fail, info) = progress.counts();
                let faults = progress.active_faults();
                let faults = if faults.is_empty() {
                    "none".to_string()
                } else {
                    faults.join(", ")
                };
                bar.set_message(format!(
                    "{} · ok {ok} fail {fail} info {info} · faults: {faults}",
                    progress.phase()
                ));
                bar.tick();
                if rx.recv_timeout(Duration::from_millis(100)).is_ok() {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Bar { done, thread }
    }

    pub(super) fn finish(self) {
        let _ = self.done.send(());
        let _ = self.thread.join();
    }
}
