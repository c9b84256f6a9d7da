//! kvraft: a key/value service on Raft (issue 5).
