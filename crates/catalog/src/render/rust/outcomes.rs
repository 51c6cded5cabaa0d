//! `crates/core/src/generated/outcomes.rs`: the outcome enums and tables.

use super::{camel, header, ident, lit, lower_camel_words, pretty};
use crate::Catalog;
use crate::model::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

fn value_enum(name: &str, doc: &str, list: &[ValueLabel]) -> TokenStream {
    let ty = ident(name);
    let vs: Vec<Ident> = list
        .iter()
        .map(|v| ident(&lower_camel_words(&v.label)))
        .collect();
    let docs = list
        .iter()
        .map(|v| lit(&format!("{} — {}", v.value, v.description.trim())));
    let values: Vec<i64> = list.iter().map(|v| v.value).collect();
    let labels = list.iter().map(|v| lit(&v.label));
    let wires = list
        .iter()
        .map(|v| lit(v.wire.as_deref().unwrap_or(&v.label)));
    let doc = lit(doc);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #ty { #(#[doc = #docs] #vs),* }
        impl #ty {
            /// Every value, in order.
            pub const ALL: &'static [#ty] = &[#(#ty::#vs),*];
            /// The wire number.
            pub const fn value(self) -> i64 { match self { #(#ty::#vs => #values),* } }
            /// The display label.
            pub const fn label(self) -> &'static str { match self { #(#ty::#vs => #labels),* } }
            /// The wire token (the label where the API has no token).
            pub const fn wire(self) -> &'static str { match self { #(#ty::#vs => #wires),* } }
            /// The value with this wire number.
            pub fn from_value(v: i64) -> Option<#ty> { #ty::ALL.iter().copied().find(|x| x.value() == v) }
        }
    }
}

/// `crates/core/src/generated/outcomes.rs`.
pub fn outcomes(cat: &Catalog) -> String {
    let o = &cat.outcomes;
    let v = value_enum(
        "VerificationStatus",
        "Verification status (`status` / `status_label`).",
        &o.verification_statuses,
    );
    let d = value_enum("DocumentStatus", "Document status.", &o.document_statuses);
    let dec = value_enum("DecisionStatus", "Decision status.", &o.decision_statuses);
    let ct = value_enum("ContextType", "Document context type.", &o.context_types);

    let rr: Vec<Ident> = o
        .rejection_reasons
        .iter()
        .map(|r| ident(&camel(&r.id)))
        .collect();
    let rr_ids = o.rejection_reasons.iter().map(|r| lit(&r.id));
    let rr_titles = o.rejection_reasons.iter().map(|r| lit(&r.title));
    let rr_docs = o
        .rejection_reasons
        .iter()
        .map(|r| lit(&format!("{}: {}", r.title, r.description.trim())));

    let rl: Vec<Ident> = o
        .risk_levels
        .iter()
        .map(|r| ident(&camel(&r.level)))
        .collect();
    let rl_wire: Vec<Literal> = o.risk_levels.iter().map(|r| lit(&r.level)).collect();
    let rl_min = o.risk_levels.iter().map(|r| r.min);
    let rl_max: Vec<u32> = o.risk_levels.iter().map(|r| r.max).collect();
    let rl_rec = o
        .risk_levels
        .iter()
        .map(|r| ident(&camel(&r.recommendation)));
    let rl_docs = o.risk_levels.iter().map(|r| {
        lit(&format!(
            "Scores {}–{}: {}",
            r.min,
            r.max,
            r.description.trim()
        ))
    });

    let rec: Vec<Ident> = o
        .recommendations
        .iter()
        .map(|r| ident(&camel(&r.recommendation)))
        .collect();
    let rec_wire = o.recommendations.iter().map(|r| lit(&r.recommendation));
    let rec_docs = o.recommendations.iter().map(|r| lit(r.description.trim()));

    let we: Vec<Ident> = o
        .webhook_events
        .iter()
        .map(|w| ident(&camel(&w.code)))
        .collect();
    let we_codes = o.webhook_events.iter().map(|w| lit(&w.code));
    let we_docs = o
        .webhook_events
        .iter()
        .map(|w| lit(&format!("{}: {}", w.title, w.when.trim())));

    let reasons = o.reason_codes.iter().map(|r| {
        let (c, g, i, d) = (
            lit(&r.code),
            lit(&r.group),
            lit(&r.indicator),
            lit(&r.description),
        );
        quote!(ReasonCode { code: #c, group: #g, indicator: #i, description: #d })
    });

    let tokens = quote! {
        //! Outcomes that are not errors, from `catalog/outcomes.yaml`.
        #v
        #d
        #dec
        #ct

        /// Why a document was rejected.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RejectionReason { #(#[doc = #rr_docs] #rr),* }
        impl RejectionReason {
            /// Every reason.
            pub const ALL: &'static [RejectionReason] = &[#(RejectionReason::#rr),*];
            /// Stable id.
            pub const fn id(self) -> &'static str { match self { #(RejectionReason::#rr => #rr_ids),* } }
            /// Title as shown to users.
            pub const fn title(self) -> &'static str { match self { #(RejectionReason::#rr => #rr_titles),* } }
        }

        /// What to do with a signup, by risk level.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Recommendation { #(#[doc = #rec_docs] #rec),* }
        impl Recommendation {
            /// The wire value.
            pub const fn wire(self) -> &'static str { match self { #(Recommendation::#rec => #rec_wire),* } }
        }

        /// Risk level buckets of the 0–1000 risk score.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RiskLevel { #(#[doc = #rl_docs] #rl),* }
        impl RiskLevel {
            /// Every level, lowest first.
            pub const ALL: &'static [RiskLevel] = &[#(RiskLevel::#rl),*];
            /// The wire value, e.g. `medium-low`.
            pub const fn wire(self) -> &'static str { match self { #(RiskLevel::#rl => #rl_wire),* } }
            /// The inclusive score range.
            pub const fn range(self) -> (u32, u32) { match self { #(RiskLevel::#rl => (#rl_min, #rl_max)),* } }
            /// The recommendation for the level.
            pub const fn recommendation(self) -> Recommendation { match self { #(RiskLevel::#rl => Recommendation::#rl_rec),* } }
            /// The level of a score; scores above the top bucket count as the top level.
            pub fn from_score(score: u32) -> RiskLevel {
                RiskLevel::ALL.iter().copied().find(|l| score <= l.range().1).unwrap_or(RiskLevel::ALL[RiskLevel::ALL.len() - 1])
            }
        }

        /// Webhook events.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum WebhookEvent { #(#[doc = #we_docs] #we),* }
        impl WebhookEvent {
            /// Every event.
            pub const ALL: &'static [WebhookEvent] = &[#(WebhookEvent::#we),*];
            /// The wire code, e.g. `verification.started`.
            pub const fn code(self) -> &'static str { match self { #(WebhookEvent::#we => #we_codes),* } }
            /// The event with this code.
            pub fn from_code(code: &str) -> Option<WebhookEvent> { WebhookEvent::ALL.iter().copied().find(|e| e.code() == code) }
        }

        /// An `OCR…` risk reason code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ReasonCode {
            /// The code, e.g. `OCR10021`.
            pub code: &'static str,
            /// Its group.
            pub group: &'static str,
            /// `risk`, `trust` or `neutral`.
            pub indicator: &'static str,
            /// What it means.
            pub description: &'static str,
        }

        /// Every reason code, in catalogue order.
        pub static REASON_CODES: &[ReasonCode] = &[#(#reasons),*];
    };
    format!("{}{}", header("catalog/outcomes.yaml"), pretty(tokens))
}
