/// The flow state machine.
pub struct Flow;
