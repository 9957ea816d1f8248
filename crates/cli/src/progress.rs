//! A progress bar on standard error for long imports, shown only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use wangge_import::Progress;

/// indicatif behind the import crate's [`Progress`] trait.
#[derive(Debug)]
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar when standard error is a terminal, silence otherwise (CI, pipes).
    pub fn for_stderr() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::hidden();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar
        });
        Self { bar }
    }
}

impl Progress for Bar {
    fn begin(&self, label: &str, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        bar.reset();
        match total {
            Some(total) => {
                bar.set_length(total);
                if let Ok(style) =
                    ProgressStyle::with_template("{msg:>24} [{bar:40}] {pos}/{len} ({eta})")
                {
                    bar.set_style(style.progress_chars("=> "));
                }
            }
            None => {
                if let Ok(style) = ProgressStyle::with_template("{msg:>24} {spinner} {pos}") {
                    bar.set_style(style);
                }
            }
        }
        bar.set_message(label.to_string());
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Bar {
    /// Shows the splitter's progress: `done` of `total` parent zones split into `level` grids.
    pub fn split_step(&self, level: &str, done: usize, total: usize) {
        if done == 0 {
            self.begin(&format!("splitting into {level}"), Some(total as u64));
        } else {
            self.advance(1);
        }
    }
}
