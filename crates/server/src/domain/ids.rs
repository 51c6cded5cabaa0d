//! Identifiers that travel on the wire and are checked on the way in.

/// A flow's correlation id: a UUID, kept in its canonical hyphenated lowercase
/// form whatever form the caller sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CorrelationId(String);

impl CorrelationId {
    /// Parses a UUID, or says why not.
    pub fn parse(s: &str) -> Result<CorrelationId, &'static str> {
        uuid::Uuid::parse_str(s)
            .map(|u| CorrelationId(u.to_string()))
            .map_err(|_| "must be a UUID")
    }

    /// A new random id.
    pub fn new_random() -> CorrelationId {
        CorrelationId(uuid::Uuid::new_v4().to_string())
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_canonical() {
        let id = CorrelationId::parse("0B4E8C1A-1F2B-4C3D-8E9F-0A1B2C3D4E5F").unwrap();
        assert_eq!(id.as_str(), "0b4e8c1a-1f2b-4c3d-8e9f-0a1b2c3d4e5f");
        assert_eq!(CorrelationId::parse("nope"), Err("must be a UUID"));
    }
}
