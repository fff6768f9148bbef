//! The `splitbrain` command line. All logic lives in the library; `cli` only parses arguments,
//! calls it, prints, and turns the outcome into an exit code:
//! 0 valid, 1 invalid, 2 unknown, 3 error.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

// The history readers allocate and free across threads at a high rate; mimalloc does that far
// faster than glibc's allocator (measured: the 10^6-transaction check's CPU time halved).
// Built without transparent huge pages (the crate's `no_thp` feature): with them the kernel
// zeroed whole 2 MiB pages on first touch, 0.7-1.0 s of system time on a 10^6-op check against
// 0.2 s without (README, Benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
