//! The real-records test (tests/real_records.rs) reads records that may not be
//! redistributed with the repository. Absent, it fails — unless
//! VPCWARDEN_SKIP_REAL_RECORDS says to skip it, and then cargo lists it as
//! ignored with the reason, never as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(real_records_skipped)");
    println!("cargo::rerun-if-env-changed=VPCWARDEN_REAL_CLOUDTRAIL");
    println!("cargo::rerun-if-env-changed=VPCWARDEN_SKIP_REAL_RECORDS");
    let path = std::env::var_os("VPCWARDEN_REAL_CLOUDTRAIL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
                .join("../../../shared/real-cloudtrail/records.jsonl")
        });
    println!("cargo::rerun-if-changed={}", path.display());
    let skip = std::env::var("VPCWARDEN_SKIP_REAL_RECORDS").is_ok_and(|v| v == "1");
    if skip && !path.exists() {
        println!("cargo::rustc-cfg=real_records_skipped");
    }
}
