//! Writes the preview, thumbnail and thumbhash of each given image into a folder, to look at
//! the pipeline's output: `cargo run -p shoebox-media --example thumbnail -- OUT_DIR FILE...`.

use std::path::Path;

use shoebox_media::thumbnails::{self, ThumbnailSettings};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: thumbnail OUT_DIR FILE...");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&out).expect("create output folder");
    // As the server's --decode-memory-mib: to see what a file needs, with /usr/bin/time -v.
    if let Some(mib) = std::env::var("SHOEBOX_DECODE_MEMORY_MIB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        thumbnails::set_decode_memory(mib << 20);
    }
    let settings = ThumbnailSettings::default();
    for file in args {
        let path = Path::new(&file);
        let stem = path
            .file_stem()
            .map_or("image".into(), |s| s.to_string_lossy());
        match thumbnails::generate(path, &settings) {
            Ok(g) => {
                let preview = Path::new(&out).join(format!("{stem}_preview.jpg"));
                let thumb = Path::new(&out).join(format!("{stem}_thumbnail.webp"));
                std::fs::write(&preview, &g.preview.bytes).expect("write preview");
                std::fs::write(&thumb, &g.thumbnail.bytes).expect("write thumbnail");
                println!(
                    "{file}: {} {}x{} -> {} ({}x{}), {} ({}x{}), thumbhash {} bytes",
                    g.format.name(),
                    g.width,
                    g.height,
                    preview.display(),
                    g.preview.width,
                    g.preview.height,
                    thumb.display(),
                    g.thumbnail.width,
                    g.thumbnail.height,
                    g.thumbhash.len()
                );
            }
            Err(e) => println!("{file}: error: {e}"),
        }
    }
}
