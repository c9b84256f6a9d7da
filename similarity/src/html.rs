//! A pair's side-by-side page: both submissions' files that share code, the
//! shared regions marked and numbered, each linked to the regions of the
//! other it shares fingerprints with. Self-contained (no script, no network),
//! every text escaped.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::document::{Document, Overlap, Region};

/// The page comparing `first` (named `first_name`) and `second`, whose
/// overlap is `overlap`.
pub fn pair_page(
    first_name: &str,
    first: &Document,
    second_name: &str,
    second: &Document,
    overlap: &Overlap,
) -> String {
    let mut out = String::new();
    let title = format!("{first_name} and {second_name}");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}: shared code</title>\n<style>{STYLE}</style></head><body>\n",
        text(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"note\">Code both hold, beyond the handout's own: evidence for a \
         person to read, not a verdict. Names, values, comments and layout are ignored, so \
         renamed or reformatted code is found; the order of functions does not matter.</p>\n\
         <p>{:.0}% of {}'s own code is also in {}'s; {:.0}% of {}'s is also in {}'s \
         ({} fingerprints in common).</p>\n",
        text(&title),
        100.0 * overlap.first.share,
        text(first_name),
        text(second_name),
        100.0 * overlap.second.share,
        text(second_name),
        text(first_name),
        overlap.shared
    );
    out.push_str("<table class=\"links\"><tr><th>region</th><th>shares code with</th></tr>\n");
    for (r, region) in overlap.first.regions.iter().enumerate() {
        let others: Vec<String> = overlap
            .links
            .iter()
            .filter(|l| l.0 == r)
            .map(|l| {
                let theirs = &overlap.second.regions[l.1];
                format!(
                    "<a href=\"#b{}\">{}</a>",
                    l.1,
                    text(&place(second, theirs, second_name))
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#a{r}\">{}</a></td><td>{}</td></tr>",
            text(&place(first, region, first_name)),
            others.join(", ")
        );
    }
    out.push_str("</table>\n<div class=\"sides\">\n");
    side(
        &mut out,
        "a",
        "b",
        first_name,
        first,
        &overlap.first.regions,
        |r| {
            overlap
                .links
                .iter()
                .filter(|l| l.0 == r)
                .map(|l| l.1)
                .collect()
        },
    );
    side(
        &mut out,
        "b",
        "a",
        second_name,
        second,
        &overlap.second.regions,
        |r| {
            overlap
                .links
                .iter()
                .filter(|l| l.1 == r)
                .map(|l| l.0)
                .collect()
        },
    );
    out.push_str("</div>\n</body></html>\n");
    out
}

/// Where `region` of `doc` stands, in words: "name, path lines a-b".
fn place(doc: &Document, region: &Region, name: &str) -> String {
    let source = &doc.sources[region.source];
    let line = |byte: usize| source.text[..byte].matches('\n').count() + 1;
    let (from, to) = (line(region.bytes.start), line(region.bytes.end));
    if from == to {
        format!("{name}, {} line {from}", source.path)
    } else {
        format!("{name}, {} lines {from}-{to}", source.path)
    }
}

/// One column: each of `doc`'s files holding a region, in full, with the
/// regions marked; region `r` links to the other side's `links(r)`.
fn side(
    out: &mut String,
    me: &str,
    other: &str,
    name: &str,
    doc: &Document,
    regions: &[Region],
    links: impl Fn(usize) -> Vec<usize>,
) {
    let _ = writeln!(out, "<div class=\"side\"><h2>{}</h2>", text(name));
    for (s, source) in doc.sources.iter().enumerate() {
        let mine: Vec<(usize, &Region)> = regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.source == s)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let _ = write!(out, "<h3>{}</h3><pre>", text(&source.path));
        let mut at = 0;
        for (r, region) in mine {
            out.push_str(&text(&source.text[at..region.bytes.start]));
            let targets: Vec<String> = links(r).iter().map(|t| format!("{other}{t}")).collect();
            let first = targets.first().cloned().unwrap_or_default();
            let _ = write!(
                out,
                "<a class=\"mark\" id=\"{me}{r}\" href=\"#{}\" title=\"{}\">{}</a>",
                attr(&first),
                attr(&format!("shared with {}", targets.join(", "))),
                text(&source.text[region.bytes.clone()])
            );
            at = region.bytes.end;
        }
        out.push_str(&text(&source.text[at..]));
        out.push_str("</pre>\n");
    }
    out.push_str("</div>\n");
}

const STYLE: &str = "body{font-family:sans-serif;margin:1em}\
.note{color:#555;max-width:60em}\
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}\
.side{min-width:0}\
pre{font-size:12px;background:#f7f7f7;padding:.5em;overflow-x:auto}\
a.mark{background:#ffe08a;color:inherit;text-decoration:none}\
a.mark:target{background:#ffb347;outline:2px solid #d2691e}\
table.links{border-collapse:collapse;font-size:13px}\
table.links td,table.links th{border:1px solid #ccc;padding:2px 6px;text-align:left}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Base, Params, overlap};

    #[test]
    fn the_page_marks_and_links_the_shared_code_and_escapes_everything() {
        let code = "fn f(v: &mut Vec<u64>) {\n    let s: u64 = v.iter().sum();\n    v.retain(|e| *e < s && *e > 2);\n    v.push(s);\n}\n";
        let renamed = code.replace('v', "xs").replace('s', "total");
        let params = Params { k: 6, w: 3 };
        let a = Document::new(
            &[("a/<mod>.rs".into(), code.into())],
            &Base::default(),
            params,
        );
        let b = Document::new(
            &[(
                "b/mod.rs".into(),
                format!("// <script>alert(1)</script>\n{renamed}"),
            )],
            &Base::default(),
            params,
        );
        let o = overlap(&a, &b);
        let page = pair_page("alice & co", &a, "bob", &b, &o);
        assert!(page.contains("alice &amp; co"), "{page}");
        assert!(page.contains("a/&lt;mod&gt;.rs"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("id=\"a0\"") && page.contains("href=\"#b0\""));
        assert!(page.contains("id=\"b0\"") && page.contains("href=\"#a0\""));
        assert!(o.first.share > 0.9, "{o:?}");
        let said = format!(
            "{:.0}% of alice &amp; co's own code is also in bob's",
            100.0 * o.first.share
        );
        assert!(page.contains(&said), "{page}");
    }
}
