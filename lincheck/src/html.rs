//! The picture of a check: one self-contained HTML page (no scripts, fonts or
//! links to fetch) showing, for each part that is not linearizable, every
//! client's operations as bars over time, the longest linearization found (in
//! order, with the state after each step) and the operation that could not be
//! placed. Hovering a bar shows the operation.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use html_escape::encode_double_quoted_attribute as escape;

use crate::check::{Outcome, Verdict};
use crate::model::{Model, Operation};

const WIDTH: f64 = 1400.0;
const LANE: f64 = 24.0;

/// Renders the page for `outcome` of checking `history` against `model`.
pub fn render<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    outcome: &Outcome,
    title: &str,
) -> String {
    let mut page = String::new();
    let verdict = match outcome.verdict {
        Verdict::Linearizable => "linearizable",
        Verdict::NotLinearizable => "NOT linearizable",
        Verdict::Unknown => "unknown (the checker's budget ran out)",
    };
    let _ = write!(
        page,
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font:13px system-ui,sans-serif;margin:16px;color:#222}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;font-family:monospace}}\
         .ok{{color:#2a7}}.bad{{color:#c33}}svg{{border:1px solid #ddd;background:#fcfcfc}}\
         </style></head><body>\n<h1>{t}</h1>\n<p>Verdict: <b class=\"{c}\">{v}</b> after {s} search steps.</p>\n",
        t = escape(title),
        c = if outcome.verdict == Verdict::Linearizable {
            "ok"
        } else {
            "bad"
        },
        v = verdict,
        s = outcome.steps
    );
    page.push_str(
        "<table><tr><th>part</th><th>operations</th><th>left out</th><th>verdict</th><th>steps</th></tr>\n",
    );
    for part in &outcome.parts {
        let v = match part.verdict {
            Some(Verdict::Linearizable) => "linearizable",
            Some(Verdict::NotLinearizable) => "<b class=\"bad\">not linearizable</b>",
            Some(Verdict::Unknown) => "unknown",
            None => "not checked",
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{v}</td><td>{}</td></tr>",
            escape(&part.description),
            part.operations.len(),
            part.left_out.len(),
            part.steps
        );
    }
    page.push_str(
        "</table>\n<p>Left out: reads whose result is unknown (never returned, or timed out). \
         They change nothing and could be placed anywhere, so the search leaves them out; \
         no verdict depends on them.</p>\n",
    );
    for part in outcome
        .parts
        .iter()
        .filter(|p| p.verdict == Some(Verdict::NotLinearizable))
    {
        let _ = writeln!(page, "<h2>{}</h2>", escape(&part.description));
        page.push_str(
            "<p>Green bars: the longest linearization the search found, numbered in order. \
             Red: an operation that could not be placed after it. Grey: the rest. \
             A bar runs from the operation's call to its return (to the right edge if it never returned).</p>\n",
        );
        svg(&mut page, model, history, part);
        let _ = writeln!(
            page,
            "<h3>Longest linearization ({} of {} operations)</h3>\n<table><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr>",
            part.longest.len(),
            part.operations.len()
        );
        let mut state = model.init();
        for (k, &i) in part.longest.iter().enumerate() {
            let op = &history[i];
            if let Some(next) = model.step(&state, &op.input, &op.output) {
                state = next;
            }
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                k + 1,
                op.client,
                escape(&model.describe_operation(&op.input, &op.output)),
                escape(&model.describe_state(&state))
            );
        }
        page.push_str("</table>\n");
        if let Some(i) = part.stuck {
            let op = &history[i];
            let _ = writeln!(
                page,
                "<p class=\"bad\">Could not be placed next: client {} <code>{}</code> (its return was reached with the state at {}).</p>",
                op.client,
                escape(&model.describe_operation(&op.input, &op.output)),
                escape(&model.describe_state(&state))
            );
        }
    }
    page.push_str("</body></html>\n");
    page
}

/// The bars of one part.
fn svg<M: Model>(
    page: &mut String,
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    part: &crate::check::Part,
) {
    let ops = &part.operations;
    let start = ops.iter().map(|&i| history[i].call).min().unwrap_or(0);
    let end = ops
        .iter()
        .map(|&i| history[i].ret.unwrap_or(history[i].call))
        .max()
        .unwrap_or(start)
        .max(start + 1);
    let x = |t: u64| 120.0 + (t.min(end) - start) as f64 / (end - start) as f64 * (WIDTH - 140.0);
    let mut lanes: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in ops {
        let next = lanes.len();
        lanes.entry(history[i].client).or_insert(next);
    }
    for (k, lane) in lanes.values_mut().enumerate() {
        *lane = k;
    }
    let order: BTreeMap<usize, usize> = part
        .longest
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k + 1))
        .collect();
    let height = LANE * lanes.len() as f64 + 10.0;
    let _ = writeln!(
        page,
        "<svg width=\"{WIDTH}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (client, lane) in &lanes {
        let _ = writeln!(
            page,
            "<text x=\"4\" y=\"{}\">client {client}</text>",
            *lane as f64 * LANE + 18.0
        );
    }
    for &i in ops {
        let op = &history[i];
        let (x0, x1) = (x(op.call), op.ret.map_or(WIDTH - 10.0, x));
        let y = lanes[&op.client] as f64 * LANE + 5.0;
        let (fill, label) = match (order.get(&i), part.stuck == Some(i)) {
            (_, true) => ("#e55", "✗".to_string()),
            (Some(k), _) => ("#6c8", k.to_string()),
            (None, _) => ("#bbb", String::new()),
        };
        let dash = if op.ret.is_none() {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        };
        let desc = escape(&model.describe_operation(&op.input, &op.output)).into_owned();
        let _ = writeln!(
            page,
            "<g><title>{}client {}: {desc} [{} .. {}]</title><rect x=\"{x0:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{fill}\" stroke=\"#555\"{dash}/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"10\">{label}</text></g>",
            order.get(&i).map_or(String::new(), |k| format!("#{k} ")),
            op.client,
            op.call,
            op.ret.map_or("never".to_string(), |r| r.to_string()),
            (x1 - x0).max(2.0),
            LANE - 8.0,
            x0 + 2.0,
            y + 12.0
        );
    }
    page.push_str("</svg>\n");
}

/// Writes the page to `path` (creating its directory).
pub fn write<M: Model>(
    path: &Path,
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    outcome: &Outcome,
    title: &str,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(model, history, outcome, title))
}
