use std::net::SocketAddr;
