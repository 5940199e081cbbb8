//! The `hegui` binary: everything is in the library (`hegui::cli`).
fn main() -> std::process::ExitCode {
    hegui::cli::main()
}
