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
    // The C and AssemblyScript builds of a module, after the Rust rows.
    let with_others = |mut rows: Vec<(&'static str, Vec<u8>)>, name: &str| {
        rows.push(("C", read(c, name)));
        rows.push(("AssemblyScript", read(assemblyscript, name)));
        rows
    };
    let mut workloads: Vec<Workload> = vec![
        (
            "W0",
            "passthrough",
            false,
            with_others(vec![("Rust", read(rust, "passthrough"))], "passthrough"),
        ),
        (
            "W1",
            "transform",
            true,
            with_others(
                vec![
                    ("Rust, wire-level API", read(rust, "w1_wire")),
                    ("Rust, tree API", read(rust, "w1_transform")),
                ],
                "w1_transform",
            ),
        ),
        (
            "W2",
            "filter",
            false,
            with_others(
                vec![
                    ("Rust, wire-level API", read(rust, "w2_wire")),
                    ("Rust, tree API", read(rust, "w2_filter")),
                ],
                "w2_filter",
            ),
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
            with_others(vec![("Rust", read(rust, example))], example),
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
