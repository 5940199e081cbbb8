//! Reading input and writing output files: a bounded reader for input files and stdin (size
//! limit; UTF-8, UTF-16/32 with a byte-order mark, GB18030 on request) and atomic output (a
//! temporary file, then a rename).

pub mod atomic;
pub mod input;
