//! The self-contained HTML timeline of a run.

use crate::Run;

/// The timeline of `run` as one self-contained HTML document.
pub fn html(run: &Run<'_>) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>{} seed {}</title><p>{} records</p>",
        run.test,
        run.seed,
        run.records.len()
    )
}
