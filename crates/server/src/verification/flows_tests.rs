//! Tests of the flow configuration: the tables come from the contract (flows,
//! their required contexts, the document type names), not from the code.

use super::*;

fn usa() -> Country {
    Country::parse("USA").unwrap()
}
fn gbr() -> Country {
    Country::parse("GBR").unwrap()
}

#[test]
fn flows_as_the_contract_names_them() {
    // (path segment, display name, required contexts) from the contract.
    let table = [
        (
            "usps1583",
            "USPS 1583",
            vec!["PHOTO_ID", "PROOF_OF_ADDRESS"],
        ),
        ("identity", "Identity", vec!["PHOTO_ID", "SELFIE"]),
    ];
    assert_eq!(Flow::ALL.len(), table.len());
    for (path, display, required) in table {
        let flow = Flow::from_path(path).expect(path);
        assert_eq!(flow.path(), path);
        assert_eq!(flow.display(), display);
        assert_eq!(serde_json::to_value(flow).unwrap(), display);
        assert_eq!(
            serde_json::from_value::<Flow>(display.into()).unwrap(),
            flow
        );
        assert_eq!(serde_json::from_value::<Flow>(path.into()).unwrap(), flow);
        let got: Vec<&str> = flow
            .defaults()
            .required
            .iter()
            .map(|c| c.0.wire())
            .collect();
        assert_eq!(got, required, "{path}");
    }
    for bad in ["USPS1583", "usps", "", "identity/", "Identity"] {
        assert_eq!(Flow::from_path(bad), None, "{bad:?}");
    }
}

#[test]
fn the_data_file_parses_is_sound_and_matches_the_code() {
    let file = parse_defaults(DEFAULTS_TOML).expect("data/verification-flows.toml parses");
    for (flow, entry) in [
        (Flow::Usps1583, &file.usps1583),
        (Flow::Identity, &file.identity),
    ] {
        assert_eq!(
            entry.display,
            flow.display(),
            "display name of {}",
            flow.path()
        );
        assert_eq!(
            entry.config.problems(),
            Vec::<String>::new(),
            "{}",
            flow.path()
        );
        // Every required context is accepted, and a flow accepts nothing else:
        // usps1583 takes no selfie, identity no proof of address.
        for c in ContextType::ALL.iter().copied() {
            assert_eq!(
                entry.config.accepts(c),
                entry.config.requires(c),
                "{} {c:?}",
                flow.path()
            );
        }
    }
}

#[test]
fn document_types_are_the_contract_list_matched_without_case() {
    let contract = [
        "Passport",
        "Passport Card",
        "Driver License",
        "State ID",
        "Military ID",
        "Permanent Resident Card",
        "Utility Bill",
        "Lease",
        "Mortgage Statement",
        "Vehicle Registration",
        "Insurance Policy",
        "Bank Statement",
        "Selfie",
    ];
    let names: Vec<&str> = DocumentType::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(names, contract);
    for name in contract {
        for spelling in [
            name.to_string(),
            name.to_lowercase(),
            name.to_uppercase(),
            format!(" {name} "),
        ] {
            let t = DocumentType::parse(&spelling).unwrap_or_else(|| panic!("{spelling:?}"));
            assert_eq!(t.name(), name, "canonical spelling kept for {spelling:?}");
        }
    }
    for bad in [
        "Drivers License",
        "DriverLicense",
        "ID",
        "",
        "Passport  Card",
    ] {
        assert_eq!(DocumentType::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn contexts_by_wire_name() {
    for (wire, ctx) in [
        ("PHOTO_ID", ContextType::PhotoId),
        ("PROOF_OF_ADDRESS", ContextType::ProofOfAddress),
        ("SELFIE", ContextType::Selfie),
        ("photo_id", ContextType::PhotoId),
    ] {
        assert_eq!(Context::parse(wire), Some(Context(ctx)));
    }
    assert_eq!(Context::parse("PHOTO ID"), None);
    assert_eq!(Context::parse("1"), None);
}

#[test]
fn default_type_checks() {
    use TypeRefusal::*;
    let u = Flow::Usps1583.defaults();
    let i = Flow::Identity.defaults();
    let (p, a, s) = (
        ContextType::PhotoId,
        ContextType::ProofOfAddress,
        ContextType::Selfie,
    );
    let dl = DocumentType::DriverLicense;
    type Row<'a> = (
        &'a FlowConfig,
        ContextType,
        &'a str,
        Option<Country>,
        Result<DocumentType, TypeRefusal>,
    );
    let table: Vec<Row> = vec![
        (u, p, "Passport", Some(gbr()), Ok(DocumentType::Passport)),
        (u, p, "passport", None, Ok(DocumentType::Passport)),
        (u, p, "Driver License", Some(usa()), Ok(dl)),
        // A foreign driver license is not a USPS 1583 photo ID (the catalogue's example).
        (
            u,
            p,
            "Driver License",
            Some(gbr()),
            Err(ForbiddenForCountry(dl, gbr())),
        ),
        (u, p, "Driver License", None, Ok(dl)),
        (u, p, "Utility Bill", Some(usa()), Err(NotInFlow)),
        (u, p, "Selfie", None, Err(NotInFlow)),
        (u, p, "Library Card", Some(usa()), Err(NotInFlow)),
        (
            u,
            a,
            "utility bill",
            Some(gbr()),
            Ok(DocumentType::UtilityBill),
        ),
        (u, a, "State ID", Some(usa()), Ok(DocumentType::StateId)),
        (
            u,
            a,
            "State ID",
            Some(gbr()),
            Err(ForbiddenForCountry(DocumentType::StateId, gbr())),
        ),
        (u, s, "Selfie", None, Err(NotInFlow)),
        (i, p, "Driver License", Some(gbr()), Ok(dl)),
        (i, a, "Utility Bill", None, Err(NotInFlow)),
        (i, s, "SELFIE", None, Ok(DocumentType::Selfie)),
        (i, s, "Passport", None, Err(NotInFlow)),
    ];
    for (cfg, ctx, name, country, want) in table {
        assert_eq!(
            cfg.check_type(ctx, name, country),
            want,
            "{ctx:?} {name:?} {country:?}"
        );
    }
}

#[test]
fn overrides_merge_over_the_defaults() {
    let json = serde_json::json!({
        "contexts": {
            "PHOTO_ID": {"countries": {"gbr": ["Passport", "Driver License"]}},
            "PROOF_OF_ADDRESS": {"default": ["Lease"]}
        },
        "forbidden": [{"type": "passport", "country": "CAN"}]
    });
    let o: FlowOverrides = serde_json::from_value(json).unwrap();
    let cfg = Flow::Usps1583.defaults().with(&o).unwrap();
    let can = Country::parse("CAN").unwrap();
    let (p, a) = (ContextType::PhotoId, ContextType::ProofOfAddress);
    assert_eq!(
        cfg.check_type(p, "Driver License", Some(gbr())),
        Ok(DocumentType::DriverLicense)
    );
    // The USA entry of the defaults is kept: only the GBR entry was given.
    assert_eq!(
        cfg.check_type(p, "State ID", Some(usa())),
        Ok(DocumentType::StateId)
    );
    assert_eq!(
        cfg.check_type(p, "Passport", Some(can)),
        Err(TypeRefusal::ForbiddenForCountry(
            DocumentType::Passport,
            can
        ))
    );
    assert_eq!(
        cfg.check_type(a, "Utility Bill", Some(gbr())),
        Err(TypeRefusal::ForbiddenForCountry(
            DocumentType::UtilityBill,
            gbr()
        ))
    );
    assert_eq!(cfg.required, Flow::Usps1583.defaults().required);
    // Stored as JSON and read back, the overrides are the same.
    let back: FlowOverrides = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
    assert_eq!(back, o);
    assert_eq!(FlowOverrides::default().required, None);
    assert_eq!(
        Flow::Identity
            .defaults()
            .with(&FlowOverrides::default())
            .as_ref(),
        Ok(Flow::Identity.defaults())
    );
}

#[test]
fn overrides_that_break_a_flow_are_refused() {
    let cases = [
        (
            serde_json::json!({"required": ["PHOTO_ID", "SELFIE"]}),
            "required: SELFIE is required but contexts has no entry for it",
        ),
        (
            serde_json::json!({"required": []}),
            "required: must name at least one context",
        ),
        (
            serde_json::json!({"contexts": {"PHOTO_ID": {"default": ["Selfie"]}}}),
            "contexts.PHOTO_ID.default: Selfie cannot be a PHOTO_ID document",
        ),
        (
            serde_json::json!({"contexts": {"PHOTO_ID": {"default": [], "countries": {"USA": []}}}}),
            "contexts.PHOTO_ID: accepts no document type",
        ),
        (
            serde_json::json!({"contexts": {"PROOF_OF_ADDRESS": {"default": ["Lease", "lease"]}}}),
            "contexts.PROOF_OF_ADDRESS.default: Lease is listed twice",
        ),
    ];
    for (json, want) in cases {
        let o: FlowOverrides = serde_json::from_value(json.clone()).unwrap();
        let got = Flow::Usps1583.defaults().with(&o).unwrap_err();
        assert!(got.iter().any(|p| p == want), "{json}: {got:?}");
    }
    // Unknown members, unknown types and unassigned countries never parse.
    for json in [
        serde_json::json!({"requried": ["PHOTO_ID"]}),
        serde_json::json!({"contexts": {"PHOTO_ID": {"default": ["Library Card"]}}}),
        serde_json::json!({"contexts": {"PHOTO_ID": {"countries": {"XYZ": ["Passport"]}}}}),
        serde_json::json!({"forbidden": [{"type": "Passport", "country": "US"}]}),
        serde_json::json!({"contexts": {"PASSPORT": {}}}),
    ] {
        assert!(
            serde_json::from_value::<FlowOverrides>(json.clone()).is_err(),
            "{json}"
        );
    }
}

/// The guide's table of defaults lists what the data file says: one row per
/// flow and accepted context.
#[test]
fn the_guide_lists_the_defaults() {
    let guide = include_str!("../../../../docs/guides/verification.md");
    let list = |types: &[DocumentType]| {
        types
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut want = Vec::new();
    for flow in Flow::ALL {
        let cfg = flow.defaults();
        for context in ContextType::ALL.iter().copied() {
            let Some(types) = cfg.contexts.get(context) else {
                continue;
            };
            let by_country: Vec<String> = types
                .countries
                .iter()
                .map(|(c, l)| format!("{c}: {}", list(l)))
                .collect();
            want.push(
                format!(
                    "| `{}` | `{}` | {} | {} |",
                    flow.path(),
                    context.wire(),
                    list(&types.default),
                    by_country.join("; ")
                )
                // An empty last cell is written `| |`.
                .replace("|  |", "| |"),
            );
        }
        assert!(
            cfg.forbidden.is_empty(),
            "the guide says the defaults forbid no pair"
        );
    }
    let section = guide
        .split("### What each flow accepts by default")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("the guide has the section");
    let got: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `usps1583` | `") || l.starts_with("| `identity` | `"))
        .map(|l| l.trim_end().to_string())
        .collect();
    assert_eq!(got, want);
}
