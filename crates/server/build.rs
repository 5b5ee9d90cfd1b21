// The web app is embedded from web/dist: rebuild when it changes, and when it
// first appears (then web/ itself changes).
fn main() {
    let dist = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist");
    if std::path::Path::new(dist).is_dir() {
        println!("cargo:rerun-if-changed={dist}");
    } else {
        println!(
            "cargo:rerun-if-changed={}/../../web",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}
