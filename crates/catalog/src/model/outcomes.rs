//! `outcomes.yaml` and `troubleshooting.yaml`: the statuses, reasons and events
//! the docs list, and the symptoms that point at them.

use serde::{Deserialize, Serialize};

/// `outcomes.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Verification statuses.
    pub verification_statuses: Vec<ValueLabel>,
    /// Document statuses.
    pub document_statuses: Vec<ValueLabel>,
    /// Decision statuses.
    pub decision_statuses: Vec<ValueLabel>,
    /// Document context types.
    pub context_types: Vec<ValueLabel>,
    /// Document rejection reasons.
    pub rejection_reasons: Vec<RejectionReason>,
    /// Risk levels and their score buckets.
    pub risk_levels: Vec<RiskLevel>,
    /// Recommendations.
    pub recommendations: Vec<Recommendation>,
    /// `OCR…` reason codes.
    pub reason_codes: Vec<ReasonCode>,
    /// Webhook events.
    pub webhook_events: Vec<WebhookEvent>,
}

/// A numbered status with a label.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ValueLabel {
    /// Wire number.
    pub value: i64,
    /// Display label.
    pub label: String,
    /// Wire token, where the API uses one (e.g. `APPROVED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    /// Meaning.
    #[serde(default)]
    pub description: String,
}

/// A document rejection reason.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RejectionReason {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Meaning.
    pub description: String,
    /// What to do.
    pub resolution: String,
}

/// A risk level bucket.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLevel {
    /// Wire level, e.g. `medium-low`.
    pub level: String,
    /// Lowest score, inclusive.
    pub min: u32,
    /// Highest score, inclusive.
    pub max: u32,
    /// Recommendation for the bucket.
    pub recommendation: String,
    /// Meaning.
    #[serde(default)]
    pub description: String,
}

/// A recommendation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// Wire value.
    pub recommendation: String,
    /// Meaning.
    pub description: String,
}

/// An `OCR…` reason code.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonCode {
    /// The code.
    pub code: String,
    /// Group.
    pub group: String,
    /// `risk`, `trust` or `neutral`.
    pub indicator: String,
    /// Meaning.
    pub description: String,
}

/// A webhook event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEvent {
    /// Wire code, e.g. `verification.started`.
    pub code: String,
    /// Title.
    pub title: String,
    /// When it fires.
    pub when: String,
}

/// `troubleshooting.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Troubleshooting {
    /// Sections in documentation order.
    pub sections: Vec<TroubleSection>,
}

/// A troubleshooting section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleSection {
    /// Heading.
    pub title: String,
    /// Surface it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// Symptoms.
    pub symptoms: Vec<Symptom>,
}

/// Symptom → causes → solutions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Symptom {
    /// Stable id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// What the user sees.
    pub symptom: String,
    /// Why.
    #[serde(default)]
    pub causes: Vec<String>,
    /// What to do.
    #[serde(default)]
    pub solutions: Vec<String>,
    /// Error ids concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Outcome refs `kind:key` concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
}
