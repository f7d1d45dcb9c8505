//! Generates Rust types from `eiw.proto` with prost; protox parses, so no protoc is needed.
fn main() {
    let file_descriptors = protox::compile(["eiw.proto"], ["."]).expect("parse eiw.proto");
    prost_build::Config::new()
        .btree_map(["."])
        .compile_fds(file_descriptors)
        .expect("generate Rust from eiw.proto");
    println!("cargo:rerun-if-changed=eiw.proto");
}
