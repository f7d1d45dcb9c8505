//! Gives libeiw.so the soname libeiw.so.MAJOR, so that programs linked
//! against an installed copy (`make install`) name the major version they
//! need.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libeiw.so.{major}");
    println!("cargo:rerun-if-changed=build.rs");
}
