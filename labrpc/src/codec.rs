//! Message encoding: what crosses the simulated wire is bytes, never shared memory.
//!
//! Every request and reply is encoded with postcard (a compact serde format:
//! integers as varints, no field names, no padding) when it is sent and
//! decoded when it is delivered. The encoded length is what the network's
//! byte counters count, so a bloated message costs what it would on a real
//! network.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type that can cross the simulated network: encodable and printable.
///
/// Implemented automatically for every type with the right derives:
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`, which crosses as its
/// postcard encoding.
pub trait Message: Debug + Sized + 'static {
    /// The bytes that cross the wire (and that the network counts).
    fn to_wire(&self) -> Vec<u8>;

    /// The message `bytes` carry: all of them, as [`decode`] reads them.
    fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError>;

    /// How the message prints in a recorded run, if it knows better than
    /// decoding its bytes again and printing the value with `Debug` (a
    /// message encoded elsewhere, which this side cannot decode).
    fn printed(&self) -> Option<String> {
        None
    }
}

impl<T: Serialize + DeserializeOwned + Debug + 'static> Message for T {
    fn to_wire(&self) -> Vec<u8> {
        encode(self)
    }

    fn from_wire(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode(bytes)
    }
}

/// The wire form of variant `tag` (below 128) of an enum of messages
/// carrying `inner`: the tag's byte, then the inner message's bytes, as
/// postcard encodes such an enum.
pub fn tagged_to_wire<M: Message>(tag: u8, inner: &M) -> Vec<u8> {
    assert!(tag < 0x80, "a variant tag is one byte below 128");
    let body = inner.to_wire();
    let mut bytes = Vec::with_capacity(1 + body.len());
    bytes.push(tag);
    bytes.extend_from_slice(&body);
    bytes
}

/// The variant tag and the inner bytes of what [`tagged_to_wire`] wrote.
pub fn split_tag(bytes: &[u8]) -> Result<(u8, &[u8]), DecodeError> {
    match bytes.split_first() {
        Some((&tag, rest)) if tag < 0x80 => Ok((tag, rest)),
        Some((tag, _)) => Err(DecodeError::Malformed(format!("no variant {tag}"))),
        None => Err(DecodeError::Malformed("no variant: empty message".into())),
    }
}

/// Encodes `msg` to bytes.
///
/// A small message is written into a buffer on the stack and copied into a
/// vector of exactly its size; a larger one is measured first and written
/// into a buffer of exactly that size. (Growing a buffer as it fills copies a
/// large message several times, and a Raft that encodes its log entry by
/// entry would reallocate three or four times per entry.)
///
/// Panics only if the type's `Serialize` implementation itself fails (a
/// sequence or map that does not know its length, which derived types never
/// are).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    fn fail<T>(e: postcard::Error) -> T {
        panic!("labrpc: cannot encode message: {e}")
    }
    // Most messages fit a small buffer on the stack: one pass, then one
    // allocation of exactly their size. Larger ones are measured first.
    let mut small = [0u8; 256];
    if let Ok(bytes) = postcard::to_slice(msg, &mut small) {
        return bytes.to_vec();
    }
    let size = postcard::experimental::serialized_size(msg).unwrap_or_else(fail);
    postcard::serialize_with_flavor(msg, Exact(Vec::with_capacity(size))).unwrap_or_else(fail)
}

/// Writes an encoding into a buffer made large enough beforehand (postcard's
/// own `Vec` flavours either start empty or copy byte by byte).
struct Exact(Vec<u8>);

impl postcard::ser_flavors::Flavor for Exact {
    type Output = Vec<u8>;

    #[inline(always)]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    #[inline(always)]
    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

/// Why bytes did not decode as the type asked for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes hold a value and then more: they were encoded from another
    /// type (or several values).
    #[error("{left} bytes left over after the message (of {total})")]
    LeftOver {
        /// Bytes after the value.
        left: usize,
        /// All the bytes.
        total: usize,
    },
    /// The bytes are not a value of the type: cut short, or of another type.
    #[error("{0}")]
    Malformed(String),
}

/// So that `?` takes a decoding error into a `Result<_, String>`.
impl From<DecodeError> for String {
    fn from(e: DecodeError) -> String {
        e.to_string()
    }
}

/// Decodes bytes produced by [`encode`] for the same type: all of them (bytes
/// left over are an error, as bytes missing are).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(DecodeError::LeftOver {
            left: rest.len(),
            total: bytes.len(),
        }),
        Err(e) => Err(DecodeError::Malformed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        term: u64,
        entries: Vec<Vec<u8>>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Either {
        A(Ping),
        B(String),
    }

    #[test]
    fn tagged_wire_forms_are_postcards_enum_encoding() {
        let p = Ping {
            term: 300,
            entries: vec![vec![9]],
        };
        let bytes = tagged_to_wire(0, &p);
        assert_eq!(bytes, encode(&Either::A(Ping { ..p })));
        assert_eq!(
            tagged_to_wire(1, &"x".to_string()),
            encode(&Either::B("x".into()))
        );
        let (tag, rest) = split_tag(&bytes).unwrap();
        assert_eq!((tag, decode::<Ping>(rest).unwrap().term), (0, 300));
        assert!(split_tag(&[]).is_err());
        assert!(split_tag(&[0x80, 1]).is_err());
    }

    #[test]
    fn round_trip() {
        let p = Ping {
            term: 3,
            entries: vec![vec![1, 2, 3], vec![]],
        };
        let bytes = encode(&p);
        assert_eq!(decode::<Ping>(&bytes).unwrap(), p);
        assert!(decode::<Ping>(&bytes[..2]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        let e = decode::<Ping>(&longer).unwrap_err();
        assert!(matches!(e, DecodeError::LeftOver { left: 1, .. }), "{e:?}");
        assert!(e.to_string().contains("1 bytes left over"), "{e}");
    }
}
