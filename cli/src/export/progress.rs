//! The progress bar, on stderr when it is a terminal (never in a pipe or a
//! log file, where it would be noise).

use std::io::IsTerminal;
use std::time::Duration;

use falcon_exposure::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar per account, one after the other; inert when hidden.
pub struct Bar {
    shown: bool,
    current: Option<ProgressBar>,
}

impl Bar {
    /// A bar that shows only when stderr is a terminal and not `quiet`.
    pub fn new(quiet: bool) -> Bar {
        Bar {
            shown: !quiet && std::io::stderr().is_terminal(),
            current: None,
        }
    }

    /// Starts the bar of an account, `label`led, from `done` assets; the
    /// export's progress callback updates it.
    pub fn start(
        &mut self,
        label: &str,
        done: u64,
    ) -> Option<impl Fn(Progress) + Send + Sync + 'static> {
        if !self.shown {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} assets, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(crate::output::terminal(label).into_owned());
        bar.enable_steady_tick(Duration::from_millis(250));
        let shown = bar.clone();
        self.current = Some(bar);
        // A resumed export counts from its resume point: add the assets of
        // the runs before.
        Some(move |p: Progress| {
            if let Some(total) = p.total() {
                shown.set_length(total.max(done + p.done()));
            }
            shown.set_position(done + p.done());
        })
    }

    /// Removes the current bar (before a summary is printed).
    pub fn clear(&mut self) {
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}
