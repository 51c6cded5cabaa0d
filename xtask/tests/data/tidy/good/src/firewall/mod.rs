//! Fixture: the firewall in front of signup.
