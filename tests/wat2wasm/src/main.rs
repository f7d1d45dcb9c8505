//! `eiw-wat2wasm IN.wat OUT.wasm`: the text format to a binary module, with
//! every proposal the `wat` crate knows (the hostile corpus uses features
//! eiw refuses), for the C tests.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: eiw-wat2wasm IN.wat OUT.wasm");
        return ExitCode::from(2);
    };
    match wat::parse_file(input).map(|wasm| std::fs::write(output, wasm)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("{output}: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{input}: {e}");
            ExitCode::FAILURE
        }
    }
}
