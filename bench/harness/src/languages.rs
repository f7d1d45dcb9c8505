//! The benchmark workloads W0-W2, and the examples of the conformance
//! suite, with each guest language's build of the module side by side
//! (docs/GUEST-SDKS.md): module size and cost per event, as a ratio to the
//! Rust build (on the wire-level API where there are two).
use crate::suite::run_once;
use crate::{eiw_pass, host, interleaved, read, Count, Row};
use std::path::Path;

/// (workload, title, config, [(language, module)]).
type Workload = (
    &'static str,
    &'static str,
    bool,
    Vec<(&'static str, Vec<u8>)>,
);

pub fn languages(rust: &Path, c: &Path, assemblyscript: &Path, input: &[Vec<u8>]) {
    let built = |dir: &Path, name: &str| {
        std::fs::read(dir.join(format!("{name}.wasm")))
            .unwrap_or_else(|e| panic!("{name}.wasm in {}: {e} (run `make wasm`)", dir.display()))
    };
    let c_module = |name: &str| built(c, name);
    let as_module = |name: &str| built(assemblyscript, name);
    let mut workloads: Vec<Workload> = vec![
        (
            "W0",
            "passthrough",
            false,
            vec![
                ("Rust", read(rust, "passthrough")),
                ("C", c_module("passthrough")),
                ("AssemblyScript", as_module("passthrough")),
            ],
        ),
        (
            "W1",
            "transform",
            true,
            vec![
                ("Rust, wire-level API", read(rust, "w1_wire")),
                ("Rust, tree API", read(rust, "w1_transform")),
                ("C", c_module("w1_transform")),
                ("AssemblyScript", as_module("w1_transform")),
            ],
        ),
        (
            "W2",
            "filter",
            false,
            vec![
                ("Rust, wire-level API", read(rust, "w2_wire")),
                ("Rust, tree API", read(rust, "w2_filter")),
                ("C", c_module("w2_filter")),
                ("AssemblyScript", as_module("w2_filter")),
            ],
        ),
    ];
    // The examples themselves (the suite's events have no `messages`
    // list, so split passes them on).
    for (example, config) in [
        ("add_fields", true),
        ("drop_debug", false),
        ("split", false),
        ("rename", false),
    ] {
        workloads.push((
            "example",
            example,
            config,
            vec![
                ("Rust", read(rust, example)),
                ("C", c_module(example)),
                ("AssemblyScript", as_module(example)),
            ],
        ));
    }
    println!("\n### Guest languages: the same workloads built in each\n");
    println!("| workload | build | module | ns/event | vs the first build |");
    println!("|---|---|---:|---:|---:|");
    for (name, title, config, modules) in &workloads {
        let hosts: Vec<_> = modules
            .iter()
            .map(|(_, wasm)| host(wasm, true, *config))
            .collect();
        let mut rows: Vec<Row> = hosts
            .iter()
            .zip(modules)
            .map(|(h, (language, _))| -> Row {
                (
                    *language,
                    Box::new(move || run_once(&mut || eiw_pass(h, input, &mut Count::default()))),
                )
            })
            .collect();
        let rates = interleaved(&mut rows);
        for ((language, wasm), rate) in modules.iter().zip(&rates) {
            println!(
                "| {name} {title} | {language} | {} KB | {:.0} | {:.2}x |",
                wasm.len() / 1000,
                1e9 / rate,
                rates[0] / rate
            );
        }
    }
}
