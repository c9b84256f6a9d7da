//! Raft: the student contract and the reference solution (issue 3).
