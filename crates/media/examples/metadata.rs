//! Prints what the metadata reader makes of each file: `metadata FILE...`.

fn main() {
    for file in std::env::args().skip(1) {
        match shoebox_media::read_metadata(std::path::Path::new(&file)) {
            Ok(m) => println!("{file}: {m:#?}"),
            Err(e) => println!("{file}: error: {e}"),
        }
    }
}
