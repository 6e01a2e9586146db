//! Start-up cost (issue 11): every dynamic library the loader maps costs `ssoenv use` an open, four
//! mmaps and its symbol look-ups. Rust's std links the unwinder from libgcc_s.so, though with
//! `panic = "abort"` it only serves backtraces. On glibc targets we link the same unwinder from
//! gcc's static libgcc_eh.a into the binary (what std itself does for `crt-static`), so the linker
//! (`--as-needed`) drops libgcc_s: one library fewer at every start. The binary stays dynamically
//! linked against glibc. When libgcc_eh.a cannot be found, or when cross-compiling, nothing changes.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return;
    }
    // Ask the C compiler that links the binary where its libgcc_eh.a is; gcc and clang print the
    // bare name back when they have none.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = Command::new(linker)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_absolute() || !path.is_file() {
        return;
    }
    // Whole-archive: its definitions must win over libgcc_s.so's, which the link line names first.
    println!("cargo:rustc-link-arg-bins=-Wl,--whole-archive");
    println!("cargo:rustc-link-arg-bins={}", path.display());
    println!("cargo:rustc-link-arg-bins=-Wl,--no-whole-archive");
}
