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
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(msg, bincode::config::standard())
        .unwrap_or_else(|e| panic!("labrpc: cannot encode message: {e}"))
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
