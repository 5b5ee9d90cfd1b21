//! CPU time of preview + thumbnail + thumbhash generation, against libvips' `vipsthumbnail`
//! producing the same preview (shorter side 1440, JPEG q80, 4:4:4) and thumbnail (shorter
//! side 250, WebP q80) from the same files, in the same run.
//!
//! `cargo bench -p shoebox-media --bench thumbnails` (release profile). Environment:
//! `SHOEBOX_BENCH_IMAGE` (a JPEG; default: the largest ~8 MP camera JPEG of the corpus),
//! `SHOEBOX_BENCH_COPIES` (default 40). CPU time is user + system from getrusage: our own
//! process for Shoebox, the waited-for children for vipsthumbnail (all its threads counted).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use shoebox_media::thumbnails::{self, ThumbnailSettings, fit_outside};

/// (user, system) CPU seconds of `who` (RUSAGE_SELF or RUSAGE_CHILDREN).
fn cpu(who: libc::c_int) -> (f64, f64) {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

struct Measure {
    user: f64,
    sys: f64,
    wall: f64,
}

fn measure(who: libc::c_int, f: impl FnOnce()) -> Measure {
    let (u0, s0) = cpu(who);
    let start = Instant::now();
    f();
    let wall = start.elapsed().as_secs_f64();
    let (u1, s1) = cpu(who);
    Measure {
        user: u1 - u0,
        sys: s1 - s0,
        wall,
    }
}

fn per_image_ms(m: &Measure, n: usize) -> (f64, f64, f64, f64) {
    let k = 1000.0 / n as f64;
    ((m.user + m.sys) * k, m.user * k, m.sys * k, m.wall * k)
}

fn vipsthumbnail(size: (u32, u32), output: &str, inputs: &[PathBuf]) {
    let status = Command::new("vipsthumbnail")
        .arg("--size")
        .arg(format!("{}x{}", size.0, size.1))
        .arg("-o")
        .arg(output)
        .args(inputs)
        .status()
        .expect("vipsthumbnail runs (apt libvips-tools)");
    assert!(status.success(), "vipsthumbnail failed");
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let source = match std::env::var_os("SHOEBOX_BENCH_IMAGE") {
        Some(p) => PathBuf::from(p),
        // 3264×2448 (8.0 MP), 1.9 MB, iPhone 6: the largest ~8 MP camera JPEG in the corpus.
        None => corpus.join("exif-samples/jpg/hdr/iphone_hdr_YES.jpg"),
    };
    if !source.is_file() {
        println!("SKIP: benchmark image {} not found", source.display());
        return;
    }
    if Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIP: vipsthumbnail not installed (apt libvips-tools)");
        return;
    }
    let copies: usize = std::env::var("SHOEBOX_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let settings = ThumbnailSettings::default();

    let work = std::env::temp_dir().join(format!("shoebox-thumb-bench-{}", std::process::id()));
    let (inputs_dir, ours_dir, vips_dir) = (work.join("in"), work.join("ours"), work.join("vips"));
    for d in [&inputs_dir, &ours_dir, &vips_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    let data = std::fs::read(&source).unwrap();
    let inputs: Vec<PathBuf> = (0..copies)
        .map(|i| {
            let p = inputs_dir.join(format!("img{i:03}.jpg"));
            std::fs::write(&p, &data).unwrap();
            p
        })
        .collect();

    // Warm-up (page cache, lazy initialisation), and the sizes to ask vipsthumbnail for.
    let first = thumbnails::generate(&inputs[0], &settings).expect("benchmark image decodes");
    let preview_size = (first.preview.width, first.preview.height);
    let thumb_size = (first.thumbnail.width, first.thumbnail.height);
    assert_eq!(preview_size, fit_outside(first.width, first.height, 1440));
    vipsthumbnail(
        preview_size,
        &format!("{}/warm_%s.jpg[Q=80]", vips_dir.display()),
        &inputs[..1],
    );

    println!(
        "source: {} ({}x{}, {:.1} MP, {} bytes), {copies} copies",
        source.display(),
        first.width,
        first.height,
        f64::from(first.width) * f64::from(first.height) / 1e6,
        data.len()
    );

    let mut ours_bytes = (0usize, 0usize);
    let ours = measure(libc::RUSAGE_SELF, || {
        for (i, input) in inputs.iter().enumerate() {
            let g = thumbnails::generate(input, &settings).expect("decodes");
            // Written out like vipsthumbnail's, so both sides pay for the same I/O.
            std::fs::write(ours_dir.join(format!("{i}_preview.jpg")), &g.preview.bytes).unwrap();
            std::fs::write(ours_dir.join(format!("{i}_thumb.webp")), &g.thumbnail.bytes).unwrap();
            ours_bytes.0 += g.preview.bytes.len();
            ours_bytes.1 += g.thumbnail.bytes.len();
        }
    });

    // vipsthumbnail makes one output per run, so the preview and the thumbnail are two runs
    // over the 40 files (each decodes the original, shrink-on-load applied), as a job system
    // calling it would; one process per run amortises libvips' start-up over the files.
    let vips_preview = measure(libc::RUSAGE_CHILDREN, || {
        vipsthumbnail(
            preview_size,
            &format!(
                "{}/%s_preview.jpg[Q=80,subsample-mode=off,strip]",
                vips_dir.display()
            ),
            &inputs,
        )
    });
    let vips_thumb = measure(libc::RUSAGE_CHILDREN, || {
        vipsthumbnail(
            thumb_size,
            &format!("{}/%s_thumb.webp[Q=80,strip]", vips_dir.display()),
            &inputs,
        )
    });
    // The thumbnail from libvips' own preview instead: one decode of the original, like
    // Immich's single-decode pipeline.
    let vips_previews: Vec<PathBuf> = (0..copies)
        .map(|i| vips_dir.join(format!("img{i:03}_preview.jpg")))
        .collect();
    let vips_thumb_from_preview = measure(libc::RUSAGE_CHILDREN, || {
        vipsthumbnail(
            thumb_size,
            &format!("{}/%s_t.webp[Q=80,strip]", vips_dir.display()),
            &vips_previews,
        )
    });
    let size_of = |name: String| std::fs::metadata(vips_dir.join(name)).map_or(0, |m| m.len());
    let vips_bytes = (
        size_of("img000_preview.jpg".into()),
        size_of("img000_thumb.webp".into()),
    );

    let n = copies;
    let (o_cpu, o_user, o_sys, o_wall) = per_image_ms(&ours, n);
    let (p_cpu, p_user, p_sys, p_wall) = per_image_ms(&vips_preview, n);
    let (t_cpu, t_user, t_sys, t_wall) = per_image_ms(&vips_thumb, n);
    let (tp_cpu, ..) = per_image_ms(&vips_thumb_from_preview, n);
    let vips_two_decodes = p_cpu + t_cpu;
    let vips_one_decode = p_cpu + tp_cpu;
    println!(
        "shoebox preview {}x{} + thumbnail {}x{} + thumbhash: {o_cpu:.1} ms CPU/image \
         (user {o_user:.1}, sys {o_sys:.1}), wall {o_wall:.1} ms/image; \
         outputs {} + {} bytes",
        preview_size.0,
        preview_size.1,
        thumb_size.0,
        thumb_size.1,
        ours_bytes.0 / n,
        ours_bytes.1 / n
    );
    println!(
        "vipsthumbnail preview (jpeg Q80 4:4:4): {p_cpu:.1} ms CPU/image (user {p_user:.1}, \
         sys {p_sys:.1}), wall {p_wall:.1} ms/image; output {} bytes",
        vips_bytes.0
    );
    println!(
        "vipsthumbnail thumbnail (webp Q80) from the original: {t_cpu:.1} ms CPU/image \
         (user {t_user:.1}, sys {t_sys:.1}), wall {t_wall:.1} ms/image; output {} bytes",
        vips_bytes.1
    );
    println!(
        "vipsthumbnail thumbnail from its own preview: {tp_cpu:.1} ms CPU/image \
         (no thumbhash on the libvips side)"
    );
    println!("libvips total, two decodes of the original: {vips_two_decodes:.1} ms CPU/image");
    println!(
        "libvips total, one decode (thumbnail from preview): {vips_one_decode:.1} ms CPU/image"
    );
    println!(
        "ratio shoebox/libvips: {:.2}x (vs two decodes), {:.2}x (vs one decode); goal <= 0.40x",
        o_cpu / vips_two_decodes,
        o_cpu / vips_one_decode
    );
    let _ = std::fs::remove_dir_all(&work);
}
