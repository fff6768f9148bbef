//! The `splitbrain` command line.
fn main() {}
