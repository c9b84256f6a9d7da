// @solution-file
//! What a server saves before it answers or sends anything that depends on it
//! (Figure 2's persistent state: `current_term`, `voted_for`, `log`), and how a
//! restarted server reads it back.
//!
//! Layout: a 4-byte little-endian length, the encoding of [`Header`] (`labrpc::encode`), then the
//! log's own encoding (see [`Log::encoded`]).

use serde::{Deserialize, Serialize};

use super::log::Log;

/// The fixed part of the persistent state.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Header {
    /// The latest term this server has seen.
    pub current_term: u64,
    /// The candidate it voted for in `current_term`, if any.
    pub voted_for: Option<u64>,
    /// The last index its snapshot replaced.
    pub snapshot_index: u64,
    /// The term of that entry.
    pub snapshot_term: u64,
}

/// Encodes the persistent state.
pub fn encode(header: &Header, log: &Log) -> Vec<u8> {
    let head = labrpc::encode(header);
    let mut state = Vec::with_capacity(4 + head.len() + log.encoded().len());
    state.extend_from_slice(&(head.len() as u32).to_le_bytes());
    state.extend_from_slice(&head);
    state.extend_from_slice(log.encoded());
    state
}

/// Decodes what [`encode`] produced; empty bytes are a first start.
pub fn decode(state: &[u8]) -> Result<(Header, Log), String> {
    if state.is_empty() {
        return Ok((Header::default(), Log::new(0, 0)));
    }
    let (len, rest) = state
        .split_first_chunk::<4>()
        .ok_or("persisted state is cut short")?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err("persisted state header is cut short".into());
    }
    let header: Header = labrpc::decode(&rest[..len])?;
    let log = Log::decode(header.snapshot_index, header.snapshot_term, &rest[len..])?;
    Ok((header, log))
}
