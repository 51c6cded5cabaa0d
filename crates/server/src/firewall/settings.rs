//! The firewall's settings: the deny list (addresses and CIDR blocks), the
//! simple header rules, and the volume rule's rate and burst.
//!
//! They come from the `[firewall]` table of the config file
//! (docs/guides/signup.md); [`SettingsLayer`] is that table as written and
//! [`Settings::resolve`] checks it, so a typo in an address stops the server at
//! start instead of letting traffic through.

use idv_core::limits::{FIREWALL_RATE_LIMIT_BURST, FIREWALL_RATE_LIMIT_PER_SECOND};
use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;

/// One simple rule: deny a request whose header `header` is present and, when
/// `contains` is given, contains that text (both compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The header's name (`user-agent`).
    pub header: String,
    /// Text the header's value contains (`sqlmap`); absent: any value.
    #[serde(default)]
    pub contains: Option<String>,
}

impl Rule {
    /// Whether the rule denies a request with these headers.
    pub fn matches(&self, headers: &axum::http::HeaderMap) -> bool {
        headers.get_all(self.header.as_str()).iter().any(|v| {
            self.contains.as_deref().is_none_or(|needle| {
                String::from_utf8_lossy(v.as_bytes())
                    .to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase())
            })
        })
    }
}

/// The `[firewall]` table of the config file, every key optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    /// Client addresses or CIDR blocks to deny (`"203.0.113.7"`, `"198.51.100.0/24"`).
    pub deny: Option<Vec<String>>,
    /// Header rules; a request matching any is denied.
    pub rules: Option<Vec<Rule>>,
    /// The volume rule's sustained requests per second per client IP.
    pub rate_per_second: Option<u64>,
    /// The volume rule's burst per client IP.
    pub burst: Option<u64>,
}

/// The resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Denied addresses and blocks.
    pub deny: Vec<IpNet>,
    /// Header rules.
    pub rules: Vec<Rule>,
    /// Sustained requests per second per client IP (default 100).
    pub rate_per_second: u64,
    /// Burst per client IP (default 200).
    pub burst: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deny: Vec::new(),
            rules: Vec::new(),
            rate_per_second: FIREWALL_RATE_LIMIT_PER_SECOND,
            burst: FIREWALL_RATE_LIMIT_BURST,
        }
    }
}

impl Settings {
    /// Checks `layer` over the defaults: every deny entry must be an address
    /// or a CIDR block, every rule name a header, the rate and burst be at
    /// least 1.
    pub fn resolve(layer: &SettingsLayer) -> Result<Settings, String> {
        let mut s = Settings::default();
        for entry in layer.deny.iter().flatten() {
            let e = entry.trim();
            let net = e
                .parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "invalid firewall deny entry {entry:?}: use an IP address (203.0.113.7) or a CIDR block (198.51.100.0/24)"
                    )
                })?;
            s.deny.push(net.trunc());
        }
        for rule in layer.rules.iter().flatten() {
            if axum::http::HeaderName::from_bytes(rule.header.as_bytes()).is_err() {
                return Err(format!(
                    "invalid firewall rule header {:?}: use a header name such as user-agent",
                    rule.header
                ));
            }
            s.rules.push(rule.clone());
        }
        for (name, value, slot) in [
            (
                "rate_per_second",
                layer.rate_per_second,
                &mut s.rate_per_second,
            ),
            ("burst", layer.burst, &mut s.burst),
        ] {
            match value {
                Some(0) => {
                    return Err(format!(
                        "invalid firewall {name} 0: use a whole number of at least 1"
                    ));
                }
                Some(n) => *slot = n,
                None => {}
            }
        }
        Ok(s)
    }

    /// Whether the client at `peer` is on the deny list (an IPv4 address
    /// mapped into IPv6 is compared as IPv4).
    pub fn denies(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.deny.iter().any(|n| n.contains(&peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_entries_are_addresses_or_blocks_and_bad_ones_stop_the_start() {
        let s = Settings::resolve(&SettingsLayer {
            deny: Some(vec!["203.0.113.7".into(), "198.51.100.9/24".into()]),
            ..SettingsLayer::default()
        })
        .unwrap();
        assert!(s.denies("203.0.113.7".parse().unwrap()));
        assert!(s.denies("198.51.100.200".parse().unwrap()));
        assert!(s.denies("::ffff:198.51.100.1".parse().unwrap()));
        assert!(!s.denies("203.0.113.8".parse().unwrap()));
        let err = Settings::resolve(&SettingsLayer {
            deny: Some(vec!["10.0.0.0/33".into()]),
            ..SettingsLayer::default()
        })
        .unwrap_err();
        assert!(err.contains("invalid firewall deny entry"), "{err}");
        let err = Settings::resolve(&SettingsLayer {
            burst: Some(0),
            ..SettingsLayer::default()
        })
        .unwrap_err();
        assert!(err.contains("burst"), "{err}");
    }

    #[test]
    fn the_firewall_table_of_the_config_file_is_read_and_checked() {
        use crate::config::{Config, ConfigLayer};
        let file: ConfigLayer = toml::from_str(
            "[firewall]\ndeny = [\"203.0.113.7\", \"198.51.100.0/24\"]\nrate_per_second = 50\nburst = 80\n\n[[firewall.rules]]\nheader = \"user-agent\"\ncontains = \"sqlmap\"\n",
        )
        .unwrap();
        let c = Config::resolve(&[file]).unwrap();
        assert_eq!((c.firewall.rate_per_second, c.firewall.burst), (50, 80));
        assert_eq!(c.firewall.deny.len(), 2);
        assert_eq!(c.firewall.rules[0].contains.as_deref(), Some("sqlmap"));
        assert_eq!(Config::resolve(&[]).unwrap().firewall, Settings::default());
        assert_eq!(Settings::default().rate_per_second, 100);
        assert_eq!(Settings::default().burst, 200);
        let bad: ConfigLayer = toml::from_str("[firewall]\ndeny = [\"not-an-ip\"]\n").unwrap();
        assert!(Config::resolve(&[bad]).unwrap_err().contains("not-an-ip"));
        assert!(toml::from_str::<ConfigLayer>("[firewall]\nrate = 5\n").is_err());
    }
}
