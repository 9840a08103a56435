fn main() -> std::process::ExitCode {
    lanes::cli::main()
}
