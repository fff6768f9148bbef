//! The `splitbrain` command line. All logic lives in the library; `cli` only parses arguments,
//! calls it, prints, and turns the outcome into an exit code:
//! 0 valid, 1 invalid, 2 unknown, 3 error.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
