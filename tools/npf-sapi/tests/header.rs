//! `include/npf_ipsec_sapi.h` compiles on its own as strict C99 and as C++, with every
//! function, type and the x86-64 sizes checked at compile time (`tests/c/header_use.c`).

mod common;

use std::path::PathBuf;
use std::process::Command;

fn source() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c/header_use.c")
}

#[test]
fn header_compiles_as_strict_c99() {
    let dir = common::scratch("header-c99");
    let mut cmd = Command::new("gcc");
    cmd.args([
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-c",
        "-I",
    ])
    .arg(common::include_dir())
    .arg(source())
    .arg("-o")
    .arg(dir.join("header_use.o"));
    common::compile(cmd);
}

#[test]
fn header_compiles_as_cpp() {
    let dir = common::scratch("header-cpp");
    let mut cmd = Command::new("g++");
    cmd.args([
        "-x",
        "c++",
        "-std=c++11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-c",
        "-I",
    ])
    .arg(common::include_dir())
    .arg(source())
    .arg("-o")
    .arg(dir.join("header_use.o"));
    common::compile(cmd);
}

#[test]
fn base_header_compiles_alone() {
    let dir = common::scratch("header-base");
    let c = dir.join("base.c");
    std::fs::write(&c, "#include \"npf_base.h\"\ntypedef NPF_IPv6Prefix_t t;\n").expect("write");
    let mut cmd = Command::new("gcc");
    cmd.args([
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-c",
        "-I",
    ])
    .arg(common::include_dir())
    .arg(&c)
    .arg("-o")
    .arg(dir.join("base.o"));
    common::compile(cmd);
}
