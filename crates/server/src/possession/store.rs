//! The possession surface's view of the store: the records it reads and
//! writes. The store itself (`crate::store`) is being split into one trait per
//! surface; until `PossessionStore` lands there, the handlers call through
//! `AppState::store` and this module names the records they use, so the
//! surface imports its storage from one place.

pub use crate::store::{DeviceRecord, FlowRecord, IdentityRecord, SideEffect};
