//! Integration tests of the `idv` binary, run as a user would run it.

mod crash;
mod explain;
mod guide;
mod jobs;
mod newcomer;
mod readme;
mod serve;
mod slow_clients;
mod walk;
mod workspaces;
