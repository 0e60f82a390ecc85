//! `helpdesk-load`: the load bench of helpdesk as a command (`--help`).

fn main() {
    helpdesk_load::main();
}
