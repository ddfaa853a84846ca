//! Writes the sample reports: `samples [DIR]` (default `docs/examples`).

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/examples".into());
    std::fs::create_dir_all(&dir)?;
    for (name, body) in vpcwarden_e2e::samples::all() {
        let path = std::path::Path::new(&dir).join(&name);
        std::fs::write(&path, body)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
