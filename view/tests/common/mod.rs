//! What the view tests share: reading back the run a timeline embeds.

/// The JSON model a timeline page embeds in its data element.
pub fn embedded_json(html: &str) -> serde_json::Value {
    let open = "<script id=\"run-data\" type=\"application/json\">";
    let start = html.find(open).expect("the data element") + open.len();
    let len = html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..start + len]).expect("the embedded JSON parses")
}
