//! [`FlowData`]: what a flow remembers between steps, sealed with the server key
//! and bound to its correlation id.

use super::{Channel, PossessionState};
use crate::domain::SealKey;
use crate::possession::Fail;
use crate::possession::store::FlowRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a flow remembers between steps: JSON sealed with the server key in the
/// flow row (see the module docs). No SSN or date of birth: only whether each,
/// when given, matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowData {
    /// E.164 (empty once the flow is done).
    pub phone: String,
    pub channel: Channel,
    #[serde(default)]
    pub final_target_url: Option<String>,
    /// Whether the date of birth given (at /v3/start or /v3/challenge, the later
    /// winning) matched the test user's; `None` when none was given.
    #[serde(default)]
    pub dob_matched: Option<bool>,
    /// Whether the SSN given matched the test user's; `None` when none was given.
    #[serde(default)]
    pub ssn_matched: Option<bool>,
    #[serde(default)]
    pub allow_otp_retry: bool,
    pub possession: PossessionState,
    #[serde(default)]
    pub otp_attempts: u64,
    /// When the SMS (OTP or Instant Link) went out, Unix seconds.
    #[serde(default)]
    pub possession_sent_at: i64,
    #[serde(default)]
    pub client_request_id: Option<String>,
    #[serde(default)]
    pub client_human_id: Option<String>,
    /// The Prove Key the Unify request authenticated with.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The identity that key belongs to.
    #[serde(default)]
    pub prove_id: Option<String>,
    /// What the challenge step returned (without the SSN), for complete's
    /// `changeDetected`; cleared when the flow is done.
    #[serde(default)]
    pub individual: Option<Value>,
}

/// The associated data that binds a flow's sealed data to its row.
fn flow_context(correlation_id: &str) -> String {
    format!("flow:{correlation_id}")
}

impl FlowData {
    /// A new flow's data: possession just sent (or not needed) at `now`.
    pub(crate) fn new(
        phone: String,
        channel: Channel,
        possession: PossessionState,
        now: i64,
    ) -> FlowData {
        FlowData {
            phone,
            channel,
            final_target_url: None,
            dob_matched: None,
            ssn_matched: None,
            allow_otp_retry: false,
            possession,
            otp_attempts: 0,
            possession_sent_at: now,
            client_request_id: None,
            client_human_id: None,
            device_id: None,
            prove_id: None,
            individual: None,
        }
    }

    /// The stored form: the JSON sealed with `key`, bound to `correlation_id`.
    pub(crate) fn seal(&self, key: &SealKey, correlation_id: &str) -> Result<String, Fail> {
        let json = serde_json::to_vec(self)?;
        Ok(key.seal(&json, &flow_context(correlation_id)))
    }

    /// Reads the stored form back. A row written before flow data was sealed
    /// is plain JSON and read as it is; sealed data that does not open (another
    /// server key) is an internal error that names the flow.
    pub(crate) fn open(key: &SealKey, record: &FlowRecord) -> Result<FlowData, Fail> {
        if !SealKey::is_sealed(&record.data) {
            return Ok(serde_json::from_str(&record.data)?);
        }
        let json = key
            .open(&record.data, &flow_context(&record.correlation_id))
            .ok_or_else(|| {
                Fail::Internal(format!(
                    "the data of flow {} does not open with this server key \
                     (instances sharing a database must share the key)",
                    record.correlation_id
                ))
            })?;
        Ok(serde_json::from_slice(&json)?)
    }

    /// What is kept of a finished flow: nothing personal (no step reads a done
    /// flow; the row stays until the sweeper deletes it).
    pub(crate) fn ended(mut self) -> FlowData {
        self.phone.clear();
        self.individual = None;
        self.final_target_url = None;
        self.client_request_id = None;
        self.client_human_id = None;
        self
    }
}
