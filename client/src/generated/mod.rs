// Placeholder until `cargo xtask regen` writes this directory.
/// Models.
pub mod models {}
/// Filter fields.
pub mod fields {}
/// Request builders.
pub mod requests {}
/// The operation table.
pub static OPERATIONS: &[crate::operation::Operation] = &[];
