//! Integration tests of idv-core: every catalogue example round-trips through the
//! runtime renderer and parser, and the example bodies are snapshotted for review.

mod roundtrip;
mod surfaces;
