//! lincheck: a linearizability checker (being written).
