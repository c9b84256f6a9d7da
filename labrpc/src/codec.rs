//! Message encoding: what crosses the simulated wire is bytes, never shared memory.
//!
//! Every request and reply is encoded with bincode (standard configuration) when it
//! is sent and decoded when it is delivered. The encoded length is what the network's
//! byte counters count, so a bloated message costs what it would on a real network.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type that can cross the simulated network: serde-encodable and printable.
///
/// Implemented automatically for every type with the right derives:
/// `#[derive(Debug, Clone, Serialize, Deserialize)]`.
pub trait Message: Serialize + DeserializeOwned + Debug + 'static {}

impl<T: Serialize + DeserializeOwned + Debug + 'static> Message for T {}

/// Encodes `msg` to bytes.
///
/// Panics only if the type's `Serialize` implementation itself fails (for example a
/// map with non-string keys is fine for bincode, so in practice this does not
/// happen for derived types).
///
/// The size is measured first and the bytes written into a buffer of exactly
/// that size: growing the buffer as it fills copies a large message several
/// times, and a Raft that encodes its log entry by entry reallocates three or
/// four times per entry.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let fail = |e: bincode::error::EncodeError| panic!("labrpc: cannot encode message: {e}");
    let mut size = Counter(0);
    bincode::serde::encode_into_writer(msg, &mut size, bincode::config::standard())
        .unwrap_or_else(fail);
    let mut bytes = Filler(Vec::with_capacity(size.0));
    bincode::serde::encode_into_writer(msg, &mut bytes, bincode::config::standard())
        .unwrap_or_else(fail);
    bytes.0
}

/// Counts the bytes an encoding would write.
struct Counter(usize);

impl bincode::enc::write::Writer for Counter {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0 += bytes.len();
        Ok(())
    }
}

/// Writes an encoding into a buffer.
struct Filler(Vec<u8>);

impl bincode::enc::write::Writer for Filler {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Decodes bytes produced by [`encode`] for the same type.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(value, _)| value)
        .map_err(|e| e.to_string())
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

    #[test]
    fn round_trip() {
        let p = Ping {
            term: 3,
            entries: vec![vec![1, 2, 3], vec![]],
        };
        let bytes = encode(&p);
        assert_eq!(decode::<Ping>(&bytes).unwrap(), p);
        assert!(decode::<Ping>(&bytes[..2]).is_err());
    }
}
