//! Reading input and writing output files: a bounded reader for input files and stdin (size
//! limit, UTF-8, byte-order mark) and atomic output (a temporary file, then a rename).

pub mod atomic;
pub mod input;
