//! The self-contained HTML timeline of a run: one file with the run embedded as
//! compact JSON ([`model`]), an inline script that draws it on a canvas (lanes
//! per server, role and term bands, crashes, connectivity, calls as arrows,
//! applies and commits, tester actions, the failure) with zoom, pan and
//! tooltips, and inline styles. It loads nothing from anywhere.
//!
//! After its first frame the script fills `<div id=status>` with
//! `data-lanes`, `data-events`, `data-drawn` and `data-ready`; a script error
//! lands in `data-error` and `<pre id=errors>`, so a headless browser can check
//! the page.

pub mod model;

use std::fmt::Write as _;

use html_escape::encode_double_quoted_attribute as escape;

use crate::Run;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The timeline of `run` as one self-contained HTML document.
pub fn html(run: &Run<'_>) -> String {
    let model = model::build(run);
    let data = serde_json::to_string(&model).expect("the model serialises");
    let events = model.calls.id.len()
        + model.marks.n.len()
        + model.tester.len()
        + model.lives.len()
        + model.bands.len()
        + model.timers.len();
    let title = format!("{} seed {}", run.test, run.seed);
    let mut out = String::with_capacity(data.len() + SCRIPT.len() + 4096);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    out.push_str("<header>\n");
    let _ = writeln!(
        out,
        "<h1>{} <span class=\"seed\">seed {}</span></h1>",
        escape(run.test),
        run.seed
    );
    let _ = writeln!(
        out,
        "<p id=\"summary\">{} servers{}, {} records, {} calls, {:.3} s of virtual time.\
         <span class=\"help\"> Wheel: zoom · drag: pan · double-click: fit · hover: details</span></p>",
        model.servers,
        if model.clerks > 0 {
            format!(", {} clerks", model.clerks)
        } else {
            String::new()
        },
        model.records,
        model.calls.id.len(),
        model.end as f64 / 1e6
    );
    match &model.failure {
        Some((t, message)) => {
            let _ = writeln!(
                out,
                "<div id=\"failure\" class=\"failure\" data-time=\"{t}\"><b>FAILED</b> at {:.6} s: {}</div>",
                *t as f64 / 1e6,
                escape(message)
            );
        }
        None => out.push_str("<div id=\"failure\" class=\"passed\">Passed</div>\n"),
    }
    out.push_str("<div id=\"controls\"><button id=\"fit\">fit</button>");
    if model.failure.is_some() {
        out.push_str("<button id=\"tofail\">zoom to failure</button>");
    }
    out.push_str("<span id=\"legend\"></span></div>\n");
    let _ = writeln!(
        out,
        "<div id=\"status\" data-lanes=\"\" data-events=\"\" data-expected-lanes=\"{}\" \
         data-expected-events=\"{events}\">loading…</div>",
        model.lanes.len()
    );
    out.push_str("</header>\n<pre id=\"errors\" hidden></pre>\n");
    out.push_str(
        "<div id=\"wrap\"><canvas id=\"tl\"></canvas><div id=\"tip\" hidden></div></div>\n",
    );
    out.push_str("<script id=\"run-data\" type=\"application/json\">");
    out.push_str(&json_for_script(&data));
    out.push_str("</script>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// JSON that cannot end its `<script>` element early: every `<` (which can only
/// occur inside strings) becomes `\u003c`.
fn json_for_script(json: &str) -> String {
    json.replace('<', "\\u003c")
}
