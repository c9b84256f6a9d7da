//! [`Encoded`]: a message encoded by code this side cannot read (a server running
//! as a WebAssembly guest), which crosses the wire as exactly the bytes it is.

use std::fmt;

use crate::codec::{DecodeError, Message};

/// A message already encoded: its bytes, what it is about, and how it prints
/// when the encoder said so.
///
/// Its wire form is its bytes, unchanged, so the network counts exactly what
/// the encoder wrote. The topic and the text travel with the value on this
/// side only: a message decoded from the wire has neither.
#[derive(Clone, PartialEq, Eq)]
pub struct Encoded {
    bytes: Vec<u8>,
    topic: Option<&'static str>,
    text: Option<String>,
}

impl Encoded {
    /// The message these bytes encode.
    pub fn new(bytes: Vec<u8>) -> Encoded {
        Encoded {
            bytes,
            topic: None,
            text: None,
        }
    }

    /// The same message, about `topic` (see [`Protocol::topic`](crate::Protocol::topic)).
    pub fn with_topic(mut self, topic: Option<&'static str>) -> Encoded {
        self.topic = topic;
        self
    }

    /// The same message, printed as `text` in a recorded run.
    pub fn with_text(mut self, text: Option<String>) -> Encoded {
        self.text = text;
        self
    }

    /// The encoded bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded bytes, taken.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// What the message is about, if its encoder said.
    pub fn topic(&self) -> Option<&'static str> {
        self.topic
    }
}

impl fmt::Debug for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = &self.text {
            return f.write_str(text);
        }
        const SHOWN: usize = 32;
        write!(f, "<{} bytes ", self.bytes.len())?;
        for byte in self.bytes.iter().take(SHOWN) {
            write!(f, "{byte:02x}")?;
        }
        let more = if self.bytes.len() > SHOWN { "…" } else { "" };
        write!(f, "{more}>")
    }
}

impl Message for Encoded {
    fn to_wire(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    fn from_wire(bytes: &[u8]) -> Result<Encoded, DecodeError> {
        Ok(Encoded::new(bytes.to_vec()))
    }

    fn printed(&self) -> Option<String> {
        self.text.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_as_its_bytes_and_prints_as_told() {
        let m = Encoded::new(vec![1, 0xab]).with_topic(Some("vote"));
        assert_eq!(m.to_wire(), vec![1, 0xab]);
        assert_eq!(format!("{m:?}"), "<2 bytes 01ab>");
        assert_eq!(m.printed(), None);
        let back = Encoded::from_wire(&m.to_wire()).unwrap();
        assert_eq!((back.bytes(), back.topic()), (&[1, 0xab][..], None));
        let told = m.with_text(Some("Vote { term: 1 }".into()));
        assert_eq!(format!("{told:?}"), "Vote { term: 1 }");
        assert_eq!(told.printed().as_deref(), Some("Vote { term: 1 }"));
    }
}
