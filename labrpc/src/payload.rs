//! [`Payload`]: a recorded request or reply, kept as the bytes that crossed the
//! wire and printed only when something reads it.
//!
//! Most recorded messages are never looked at (in `figure8_unreliable_2c` nineteen
//! of twenty requests are dropped, and a log or timeline shows a window of the
//! rest), yet printing each one with `Debug` as it was sent doubled the cost of a
//! recorded run. A payload instead copies the encoded bytes, which the simulator
//! has anyway, together with the function that decodes them as the protocol's
//! type; the text is made on first use and kept.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codec::Message;

/// A recorded message: its encoded bytes, printed as `Debug` prints the decoded
/// value when first read ([`Payload::text`], or through `Deref<Target = str>`).
///
/// Serialized as its text; a payload read back from text is that text.
#[derive(Clone)]
pub struct Payload(Box<Inner>);

/// Boxed, so that a payload costs a trace record one pointer.
#[derive(Clone)]
struct Inner {
    bytes: Vec<u8>,
    render: fn(&[u8]) -> String,
    text: OnceLock<String>,
}

impl Payload {
    /// The payload of `message`, encoded as `bytes`: printed as the message
    /// says it prints ([`Message::printed`]) or, by default, decoded again
    /// and printed when first read.
    pub fn of<T: Message>(message: &T, bytes: Vec<u8>) -> Payload {
        match message.printed() {
            Some(text) => Payload(Box::new(Inner {
                bytes,
                render: lossy_utf8,
                text: OnceLock::from(text),
            })),
            None => Payload::encoded::<T>(bytes),
        }
    }

    /// The payload of a message of type `T` encoded as `bytes`.
    pub fn encoded<T: Message>(mut bytes: Vec<u8>) -> Payload {
        // Kept for the whole run: no spare capacity.
        bytes.shrink_to_fit();
        Payload(Box::new(Inner {
            bytes,
            render: render::<T>,
            text: OnceLock::new(),
        }))
    }

    /// A payload that is already text (for records read back, or written by hand).
    pub fn text_only(text: impl Into<String>) -> Payload {
        let text: String = text.into();
        Payload(Box::new(Inner {
            bytes: text.as_bytes().to_vec(),
            render: lossy_utf8,
            text: OnceLock::from(text),
        }))
    }

    /// The message as `Debug` prints it (made on the first call).
    pub fn text(&self) -> &str {
        let inner = &*self.0;
        inner.text.get_or_init(|| (inner.render)(&inner.bytes))
    }

    /// The bytes as recorded: the encoded message, or the text of a text-only one.
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }
}

fn render<T: Message>(bytes: &[u8]) -> String {
    match T::from_wire(bytes) {
        Ok(value) => format!("{value:?}"),
        Err(e) => format!("<{} bytes that do not decode: {e}>", bytes.len()),
    }
}

fn lossy_utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl std::ops::Deref for Payload {
    type Target = str;
    fn deref(&self) -> &str {
        self.text()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text(), f)
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Payloads are equal when they print the same.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Payload {}

impl PartialEq<str> for Payload {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}

impl PartialEq<&str> for Payload {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Payload {
        Payload::text_only(text)
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Payload {
        Payload::text_only(text)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.text())
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Payload, D::Error> {
        String::deserialize(deserializer).map(Payload::text_only)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    enum Msg {
        Vote { term: u64 },
    }

    #[test]
    fn prints_the_decoded_value_on_demand() {
        let p = Payload::encoded::<Msg>(crate::codec::encode(&Msg::Vote { term: 7 }));
        assert_eq!(p.text(), "Vote { term: 7 }");
        assert_eq!(p, "Vote { term: 7 }");
        assert!(p.starts_with("Vote"));
        assert_eq!(format!("{p:?}"), "\"Vote { term: 7 }\"");
    }

    #[test]
    fn bad_bytes_say_so_and_text_round_trips() {
        let p = Payload::encoded::<Msg>(vec![9, 9]);
        assert!(p.text().contains("2 bytes that do not decode"), "{p}");
        let json = serde_json::to_string(&Payload::from("Ping")).unwrap();
        assert_eq!(json, "\"Ping\"");
        let back: Payload = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Payload::text_only("Ping"));
    }
}
