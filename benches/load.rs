//! `cargo bench --bench load`: the load tool (`benches/load/`, the
//! workspace crate `helpdesk-load`), run as a bench of the helpdesk package
//! so cargo builds the `helpdesk` binary it measures, in the bench profile.
//!
//! ```sh
//! cargo bench --bench load -- --seconds 0 --burst 200
//! cargo bench --bench load -- --help
//! ```

fn main() {
    helpdesk_load::main();
}
