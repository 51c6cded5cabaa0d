//! The statuses of verifications, documents and decisions, and the rules that
//! move them: the lifecycle actions as one table from allowed current status to
//! new status, what a decision does to its document, and the cascade from the
//! documents' decisions to the verification.
//!
//! The status enums and their labels are the catalogue's (`outcomes.yaml`,
//! generated into idv-core); this module adds only the rules. Nothing here does
//! I/O: a handler loads the verification, asks these functions, and writes the
//! answer with a conditional update.

use crate::verification::fields::{Check, Invalid};
use crate::verification::flows::FlowConfig;
use crate::verification::model::DocumentId;
use idv_core::VerificationError;
use idv_core::outcomes::ContextType;
pub use idv_core::outcomes::{DecisionStatus, DocumentStatus, VerificationStatus};
use serde_json::{Map, Value};
use std::fmt;

use VerificationStatus as V;

/// A lifecycle action: `POST /api/v1/{flow}/verifications/{id}/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `submit`: the documents are complete; the pipeline takes over.
    Submit,
    /// `cancel`: the verification is abandoned; its documents are canceled.
    Cancel,
    /// `hold`: pause it.
    Hold,
    /// `resume`: end a hold.
    Resume,
    /// `resubmit`: ask for new documents after a rejection or a double check.
    Resubmit,
    /// `approve`: a reviewer's final decision on the whole verification.
    Approve,
    /// `reject`: a reviewer's final decision on the whole verification.
    Reject,
}

/// One row of the lifecycle table: the statuses an action is allowed from and
/// the status it leads to (`None`: back to the status before the hold).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The action.
    pub action: Action,
    /// Current statuses that allow it.
    pub from: &'static [VerificationStatus],
    /// The new status; `None` for resume (the status the hold interrupted).
    pub to: Option<VerificationStatus>,
}

/// The lifecycle table (also in docs/guides/verification.md).
///
/// Besides these rows: an action whose new status is the current one (approve
/// an Approved verification, cancel a Canceled one, hold one on Hold) changes
/// nothing and succeeds, so retrying after a lost answer is safe; submit is the
/// exception, answered `verification_already_started` as the API documents.
pub const RULES: &[Rule] = &[
    Rule {
        action: Action::Submit,
        from: &[V::Started],
        to: Some(V::Submitted),
    },
    Rule {
        action: Action::Cancel,
        from: &[V::Started, V::Submitted, V::DoubleCheck, V::Hold],
        to: Some(V::Canceled),
    },
    Rule {
        action: Action::Hold,
        from: &[V::Started, V::Submitted, V::DoubleCheck],
        to: Some(V::Hold),
    },
    Rule {
        action: Action::Resume,
        from: &[V::Hold],
        to: None,
    },
    Rule {
        action: Action::Resubmit,
        from: &[V::Rejected, V::DoubleCheck],
        to: Some(V::Started),
    },
    Rule {
        action: Action::Approve,
        from: &[V::Submitted, V::DoubleCheck, V::Rejected],
        to: Some(V::Approved),
    },
    Rule {
        action: Action::Reject,
        from: &[V::Submitted, V::DoubleCheck, V::Approved],
        to: Some(V::Rejected),
    },
];

impl Action {
    /// Every action, in the order of the table.
    pub const ALL: &'static [Action] = &[
        Action::Submit,
        Action::Cancel,
        Action::Hold,
        Action::Resume,
        Action::Resubmit,
        Action::Approve,
        Action::Reject,
    ];

    /// The path segment and history name (`submit`).
    pub const fn name(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Cancel => "cancel",
            Action::Hold => "hold",
            Action::Resume => "resume",
            Action::Resubmit => "resubmit",
            Action::Approve => "approve",
            Action::Reject => "reject",
        }
    }

    /// The past participle the refusal message uses (`approved`).
    pub const fn done(self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::Cancel => "canceled",
            Action::Hold => "held",
            Action::Resume => "resumed",
            Action::Resubmit => "resubmitted",
            Action::Approve => "approved",
            Action::Reject => "rejected",
        }
    }

    /// The action of a path segment.
    pub fn from_name(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == s)
    }

    /// The action's row of [`RULES`].
    pub fn rule(self) -> &'static Rule {
        RULES.iter().find(|r| r.action == self).unwrap_or(&RULES[0])
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an allowed action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The verification moves to this status (record it in the history).
    To(VerificationStatus),
    /// The verification already has the status the action leads to: answer 200
    /// with it as it is, and record nothing.
    Unchanged,
}

/// Applies `action` to a verification in `current`. `held_from` is the status
/// the verification had when it was put on hold (the `from_status` of the
/// history's last `hold`), which `resume` returns to; without it, resume goes
/// back to Started.
///
/// Refusals are the catalogue's 400s: `verification_canceled` for any action on
/// a canceled verification (other than cancel itself), `verification_already_started`
/// for submit once the verification has left Started (unless it expired),
/// `verification_action_not_allowed` otherwise.
pub fn apply(
    action: Action,
    current: VerificationStatus,
    held_from: Option<VerificationStatus>,
) -> Result<Transition, VerificationError> {
    let rule = action.rule();
    if rule.from.contains(&current) {
        let to = rule.to.unwrap_or_else(|| resume_target(held_from));
        return Ok(Transition::To(to));
    }
    if rule.to == Some(current) && action != Action::Submit {
        return Ok(Transition::Unchanged);
    }
    Err(match (action, current) {
        (_, V::Canceled) => VerificationError::VerificationCanceled,
        (Action::Submit, s) if s != V::Expired => VerificationError::VerificationAlreadyStarted,
        _ => VerificationError::VerificationActionNotAllowed {
            action: action.done().to_string(),
            status: current.label().to_string(),
        },
    })
}

fn resume_target(held_from: Option<VerificationStatus>) -> VerificationStatus {
    match held_from {
        Some(s) if Action::Hold.rule().from.contains(&s) => s,
        _ => V::Started,
    }
}

/// Whether a document may still receive uploads, deletions and the like:
/// only while its verification is Started (the API's rule for uploads; idv
/// applies it to deletions too). The refusal is the catalogue's.
pub fn documents_editable(current: VerificationStatus) -> Result<(), VerificationError> {
    match current {
        V::Started => Ok(()),
        V::Canceled => Err(VerificationError::VerificationCanceled),
        _ => Err(VerificationError::VerificationAlreadyStarted),
    }
}

/// Whether a document of `context` may be uploaded to a verification of a flow
/// configured as `flow`: a context the flow does not take is the API's 400
/// `Document type not allowed.`.
pub fn context_allowed(flow: &FlowConfig, context: ContextType) -> Result<(), VerificationError> {
    if flow.accepts(context) {
        Ok(())
    } else {
        Err(VerificationError::DocumentTypeNotAllowed)
    }
}

/// Whether a verification holding active documents of the contexts `present`
/// may be submitted: every context the flow requires must be there, else a
/// 422 on `documents` naming the missing ones.
pub fn ready_to_submit(
    flow: &FlowConfig,
    present: &[ContextType],
) -> Result<(), VerificationError> {
    let missing: Vec<String> = flow
        .required
        .iter()
        .filter(|c| !present.contains(&c.0))
        .map(|c| format!("a {} document", c.0.wire()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(VerificationError::FieldInvalid {
        field: "documents".into(),
        reason: format!("must include {}", missing.join(" and ")),
    })
}

/// Which active documents an action cancels (document status 6), given each
/// document's current decision: cancel cancels every one; resubmit every one
/// not approved, so that the end user can upload those again.
pub fn cancels_document(action: Action, current: DecisionStatus) -> bool {
    match action {
        Action::Cancel => true,
        Action::Resubmit => current != DecisionStatus::Approved,
        _ => false,
    }
}

/// A document's current decision, from its decisions oldest first: the last
/// one, where a cancellation (4) means no decision, as does no decision at all.
pub fn current_decision(decisions: &[DecisionStatus]) -> DecisionStatus {
    match decisions.last() {
        None | Some(DecisionStatus::Canceled) => DecisionStatus::Pending,
        Some(d) => *d,
    }
}

/// The final decisions, which count toward the cascade.
pub fn is_final(d: DecisionStatus) -> bool {
    matches!(
        d,
        DecisionStatus::Approved | DecisionStatus::Rejected | DecisionStatus::DoubleCheck
    )
}

/// Applies a decision (`POST /api/v1/{flow}/decisions`, status 1–4) to a
/// document in `status` whose decisions so far are `decisions`, and returns the
/// document's new status. `extracted` says whether extraction has run, which is
/// where a canceled decision sends the document back to (Extracted, else
/// Uploaded).
///
/// Status 4 withdraws the current decision: the document has none again, and
/// the verification waits for a new one (see [`cascade`]). Refusals: a
/// canceled document is `document_canceled`; status 0 (Pending) is never sent,
/// and status 4 needs a decision to withdraw: both `field_invalid` on `status`.
pub fn decide(
    status: DocumentStatus,
    decisions: &[DecisionStatus],
    decision: DecisionStatus,
    extracted: bool,
) -> Result<DocumentStatus, VerificationError> {
    if status == DocumentStatus::Canceled {
        return Err(VerificationError::DocumentCanceled);
    }
    let invalid = |reason: &str| VerificationError::FieldInvalid {
        field: "status".into(),
        reason: reason.into(),
    };
    Ok(match decision {
        DecisionStatus::Pending => return Err(invalid(DECISION_STATUS_RULE)),
        DecisionStatus::Approved => DocumentStatus::Approved,
        DecisionStatus::Rejected => DocumentStatus::Rejected,
        DecisionStatus::DoubleCheck => DocumentStatus::DoubleCheck,
        DecisionStatus::Canceled if !is_final(current_decision(decisions)) => {
            return Err(invalid(NOTHING_TO_CANCEL));
        }
        DecisionStatus::Canceled if extracted => DocumentStatus::Extracted,
        DecisionStatus::Canceled => DocumentStatus::Uploaded,
    })
}

/// Why a decision status was refused, as the 422 says it.
pub const DECISION_STATUS_RULE: &str =
    "must be 1 (approved), 2 (rejected), 3 (double check) or 4 (cancel the current decision)";
/// Why status 4 was refused on a document without a decision.
pub const NOTHING_TO_CANCEL: &str = "the document has no decision to cancel";

/// Reads the `status` member of a decision request (an integer 1–4).
pub fn parse_decision_status(v: &serde_json::Value) -> Result<DecisionStatus, &'static str> {
    v.as_i64()
        .and_then(DecisionStatus::from_value)
        .filter(|d| *d != DecisionStatus::Pending)
        .ok_or(DECISION_STATUS_RULE)
}

/// A checked `POST /api/v1/{flow}/decisions` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    /// 1–4.
    pub status: DecisionStatus,
    /// The document decided on (its existence is the handler's to check, with
    /// [`UNKNOWN_DOCUMENT`] as the reason when it is not the workspace's).
    pub document: DocumentId,
    /// Who or what decided, as the caller names it (`Manual by …`).
    pub validation_workflow: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// Why a `document` member was refused: not an id, or not one of a document of
/// the caller's workspace (the same words, so the answer never tells whether an
/// id exists elsewhere).
pub const UNKNOWN_DOCUMENT: &str = "must be the id of a document of this workspace";

/// Reads a decision body: `status` (1–4), `document` (`doc_…`), and the
/// optional `validation_workflow` and `reason` texts; every problem a 422
/// under its member's name.
pub fn parse_decision(body: &Map<String, Value>) -> Result<DecisionRequest, Invalid> {
    let mut c = Check::new();
    let status = match body.get("status") {
        None | Some(Value::Null) => {
            c.required("status");
            None
        }
        Some(v) => parse_decision_status(v)
            .map_err(|why| c.invalid("status", why))
            .ok(),
    };
    let document = c.string(body, "", "document", true).and_then(|s| {
        let id = DocumentId::parse(&s);
        if id.is_none() {
            c.invalid("document", UNKNOWN_DOCUMENT);
        }
        id
    });
    let validation_workflow = c.string(body, "", "validation_workflow", false);
    let reason = c.string(body, "", "reason", false);
    c.finish()?;
    match (status, document) {
        (Some(status), Some(document)) => Ok(DecisionRequest {
            status,
            document,
            validation_workflow,
            reason,
        }),
        // Each `None` recorded its error, so `finish` has returned it.
        _ => Err(Invalid(vec![VerificationError::FieldRequired {
            field: "status".into(),
        }])),
    }
}

/// Where the verification goes after a decision `trigger` (status 1–4, manual
/// or automatic), given its documents' current decisions `decisions` (one per
/// active document, canceled documents left out, the trigger already applied):
/// `Some(new status)`, or `None` for no change.
///
/// When every document has a final decision: all approved → Approved, any
/// rejected → Rejected, otherwise Double Check. While some have none yet: no
/// change, except that withdrawing a decision (4) from a verification the
/// cascade had finished (Approved, Rejected, Double Check) sends it back to
/// Submitted, to wait for the new decision. Only a submitted verification
/// cascades: Started, Hold, Expired and Canceled ones never change here (a
/// hold is resumed first, and the handler cascades after the resume).
pub fn cascade(
    current: VerificationStatus,
    decisions: &[DecisionStatus],
    trigger: DecisionStatus,
) -> Option<VerificationStatus> {
    if !matches!(
        current,
        V::Submitted | V::Approved | V::Rejected | V::DoubleCheck
    ) {
        return None;
    }
    let target = if decisions.is_empty() || !decisions.iter().all(|d| is_final(*d)) {
        if trigger != DecisionStatus::Canceled {
            return None;
        }
        V::Submitted
    } else if decisions.iter().all(|d| *d == DecisionStatus::Approved) {
        V::Approved
    } else if decisions.contains(&DecisionStatus::Rejected) {
        V::Rejected
    } else {
        V::DoubleCheck
    };
    (target != current).then_some(target)
}

/// Where a verification goes when nothing was withdrawn: [`cascade`] for a
/// verification just resumed into Submitted or Double Check, whose documents
/// may have been decided during the hold.
pub fn settle(
    current: VerificationStatus,
    decisions: &[DecisionStatus],
) -> Option<VerificationStatus> {
    cascade(current, decisions, DecisionStatus::Approved)
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
