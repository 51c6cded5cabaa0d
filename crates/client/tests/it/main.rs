//! Integration tests of idv-client (one binary; see DESIGN section 6).

mod decode;
mod script;
mod scripted;
