//! Integration tests of idv-client.
