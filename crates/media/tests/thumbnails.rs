//! The preview/thumbnail pipeline against the shared corpus: every valid image gets a
//! correctly sized JPEG preview, WebP thumbnail and thumbhash; orientation comes out upright;
//! broken and hostile files fail with an error, without panicking.

mod common;

use std::path::{Path, PathBuf};

use common::{corpus_dir, files_with_extensions};

use shoebox_media::thumbnails::{
    self, Generated, ImageFormat, ThumbnailError, ThumbnailSettings, fit_outside,
};

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "tif", "tiff", "bmp", "webp", "heic", "heif", "avif", "jxl",
    "dng", "cr2", "nef", "arw", "raf", "rw2", "orf", "pef",
];

/// Corpus files that are not valid images (libvips refuses them too).
const KNOWN_BROKEN: &[&str] = &[
    // Entropy-coded data ends early: "Corrupt JPEG data: premature end of data segment".
    "exif-samples/jpg/corrupted.jpg",
];

fn decode_rgb(bytes: &[u8], format: image::ImageFormat) -> image::RgbImage {
    image::load_from_memory_with_format(bytes, format)
        .expect("our own output decodes")
        .into_rgb8()
}

/// A JPEG preview decoded and shrunk 8×: comparing at this scale averages out the
/// re-encoding noise of detailed content (foliage) while any wrong rotation or mirror stays
/// glaring.
fn decode_small(jpeg: &[u8]) -> image::RgbImage {
    let img = decode_rgb(jpeg, image::ImageFormat::Jpeg);
    let (w, h) = img.dimensions();
    image::imageops::resize(&img, w / 8, h / 8, image::imageops::FilterType::Triangle)
}

/// Held while a test changes the process's decode budget, and by a test that needs the default.
static BUDGET_CHANGE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the process's decode budget at `bytes`.
fn with_budget<T>(bytes: u64, f: impl FnOnce() -> T) -> T {
    let _alone = BUDGET_CHANGE.lock().unwrap_or_else(|e| e.into_inner());
    let default = thumbnails::decode_memory();
    thumbnails::set_decode_memory(bytes);
    let out = f();
    thumbnails::set_decode_memory(default);
    out
}

/// The checks every successful result must pass.
fn check_generated(name: &str, g: &Generated, settings: &ThumbnailSettings) {
    // Preview: a JPEG whose shorter side follows Immich's rule.
    assert!(
        g.preview.bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "{name}: preview is not JPEG"
    );
    let preview = decode_rgb(&g.preview.bytes, image::ImageFormat::Jpeg);
    assert_eq!(
        (preview.width(), preview.height()),
        (g.preview.width, g.preview.height),
        "{name}: preview dimensions"
    );
    let expected = fit_outside(g.width, g.height, settings.preview_size);
    assert_eq!(
        (g.preview.width, g.preview.height),
        expected,
        "{name}: preview size for {}x{}",
        g.width,
        g.height
    );
    assert_eq!(
        g.preview.width.min(g.preview.height),
        g.width.min(g.height).min(settings.preview_size),
        "{name}: preview shorter side"
    );

    // Thumbnail: lossy WebP, shorter side 250 (or the original's when smaller).
    let t = &g.thumbnail.bytes;
    assert!(
        t.len() > 16 && &t[0..4] == b"RIFF" && &t[8..12] == b"WEBP",
        "{name}: thumbnail is not WebP"
    );
    assert_eq!(&t[12..15], b"VP8", "{name}: thumbnail chunk");
    assert_ne!(t[15], b'L', "{name}: thumbnail should be lossy, not VP8L");
    let thumb = image::load_from_memory_with_format(t, image::ImageFormat::WebP)
        .unwrap_or_else(|e| panic!("{name}: thumbnail does not decode: {e}"));
    assert_eq!(
        (thumb.width(), thumb.height()),
        (g.thumbnail.width, g.thumbnail.height),
        "{name}: thumbnail dimensions"
    );
    assert_eq!(
        (g.thumbnail.width, g.thumbnail.height),
        fit_outside(g.width, g.height, settings.thumbnail_size),
        "{name}: thumbnail size"
    );
    assert_eq!(
        g.thumbnail.width.min(g.thumbnail.height),
        g.width.min(g.height).min(settings.thumbnail_size),
        "{name}: thumbnail shorter side"
    );

    // Thumbhash: decodes, with the image's aspect ratio.
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&g.thumbhash)
        .unwrap_or_else(|_| panic!("{name}: thumbhash does not decode"));
    assert_eq!(rgba.len(), w * h * 4);
    let ratio = thumbhash::thumb_hash_to_approximate_aspect_ratio(&g.thumbhash).unwrap();
    let actual = g.width as f32 / g.height as f32;
    assert!(
        (ratio / actual - 1.0).abs() < 0.35 || !(0.33..=3.0).contains(&actual),
        "{name}: thumbhash aspect {ratio} vs {actual}"
    );
}

/// Corpus images decoded whole (no reduced-scale decode for their format) that need more than
/// the default decode budget: 20 MP HDR pictures.
const OVER_DEFAULT_BUDGET: &[&str] = &[
    "immich-test-assets/formats/avif/10bit-HDR-P3-nclx.avif",
    "immich-test-assets/formats/jxl/16bit-HDR-P3-nclx.jxl",
];

#[test]
fn the_largest_whole_decodes_are_refused_with_their_figures_at_the_default_budget() {
    let Some(corpus) = corpus_dir() else { return };
    let settings = ThumbnailSettings::default();
    let _default = BUDGET_CHANGE.lock().unwrap_or_else(|e| e.into_inner());
    for file in OVER_DEFAULT_BUDGET {
        let err = thumbnails::generate(&corpus.join(file), &settings).unwrap_err();
        assert!(
            matches!(err, ThumbnailError::TooMuchMemory { limit, .. } if limit == thumbnails::decode_memory()),
            "{file}: {err}"
        );
        println!("{file}: {err}");
    }
}

#[test]
fn every_valid_corpus_image_gets_previews() {
    let Some(corpus) = corpus_dir() else { return };
    let settings = ThumbnailSettings::default();
    let files = files_with_extensions(&corpus, IMAGE_EXTENSIONS);
    assert!(!files.is_empty(), "no images in the corpus");
    let (mut ok, mut failed_as_expected, mut unexpected) = (0, 0, Vec::new());
    for path in &files {
        let rel = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let result = if OVER_DEFAULT_BUDGET.contains(&rel.as_str()) {
            with_budget(1 << 30, || thumbnails::generate(path, &settings))
        } else {
            thumbnails::generate(path, &settings)
        };
        let broken = KNOWN_BROKEN.contains(&rel.as_str());
        match (result, broken) {
            (Ok(g), false) => {
                check_generated(&rel, &g, &settings);
                println!(
                    "ok   {rel}: {} {}x{} -> preview {}x{} ({} B), thumbnail {}x{} ({} B)",
                    g.format.name(),
                    g.width,
                    g.height,
                    g.preview.width,
                    g.preview.height,
                    g.preview.bytes.len(),
                    g.thumbnail.width,
                    g.thumbnail.height,
                    g.thumbnail.bytes.len()
                );
                ok += 1;
            }
            (Err(e), true) => {
                println!("fail {rel} (known broken): {e}");
                failed_as_expected += 1;
            }
            (Ok(_), true) => unexpected.push(format!("{rel}: known broken but succeeded")),
            (Err(e), false) => unexpected.push(format!("{rel}: {e}")),
        }
    }
    println!(
        "corpus: {ok} images got previews, {failed_as_expected} known-broken refused, {} unexpected",
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "unexpected results:\n{}",
        unexpected.join("\n")
    );
}

/// Mean absolute difference between two same-sized RGB images.
fn mean_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    masked_diff(a, b, |_, _| true)
}

/// Mean absolute difference over the pixels where `keep(x, y)` holds.
fn masked_diff(a: &image::RgbImage, b: &image::RgbImage, keep: impl Fn(u32, u32) -> bool) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let (mut sum, mut n) = (0u64, 0u64);
    for (x, y, pa) in a.enumerate_pixels() {
        if keep(x, y) {
            let pb = b.get_pixel(x, y);
            sum += (0..3)
                .map(|c| u64::from(pa[c].abs_diff(pb[c])))
                .sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

/// The orientation samples differ only in a big digit drawn in the middle; compare the rest.
fn outside_digit(w: u32, h: u32) -> impl Fn(u32, u32) -> bool {
    move |x, y| !(x > w * 3 / 10 && x < w * 7 / 10 && y > h / 5 && y < h * 4 / 5)
}

#[test]
fn exif_orientations_come_out_upright() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("exif-samples/jpg/orientation");
    let settings = ThumbnailSettings::default();
    for shape in ["landscape", "portrait"] {
        let reference = thumbnails::generate(&dir.join(format!("{shape}_1.jpg")), &settings)
            .expect("reference decodes");
        let reference_img = decode_small(&reference.preview.bytes);
        for n in 1..=8 {
            let g = thumbnails::generate(&dir.join(format!("{shape}_{n}.jpg")), &settings)
                .unwrap_or_else(|e| panic!("{shape}_{n}: {e}"));
            // Aspect ratio: landscape stays landscape, portrait stays portrait.
            assert_eq!(
                g.preview.width > g.preview.height,
                shape == "landscape",
                "{shape}_{n}: preview is {}x{}",
                g.preview.width,
                g.preview.height
            );
            assert_eq!((g.width, g.height), (reference.width, reference.height));
            // Pixels: the upright result matches orientation 1 up to JPEG noise.
            let img = decode_small(&g.preview.bytes);
            let (w, h) = img.dimensions();
            let diff = masked_diff(&img, &reference_img, outside_digit(w, h));
            println!("{shape}_{n}: mean difference from {shape}_1 {diff:.2}");
            assert!(
                diff < 2.5,
                "{shape}_{n}: differs from {shape}_1 by {diff:.1}"
            );
        }
        // The check above can tell: ignoring the orientation of a mirrored sample fails it.
        let ignored = thumbnails::generate_with_orientation(
            &dir.join(format!("{shape}_2.jpg")),
            &settings,
            Some(1),
        )
        .unwrap();
        let (w, h) = reference_img.dimensions();
        let diff = masked_diff(
            &decode_small(&ignored.preview.bytes),
            &reference_img,
            outside_digit(w, h),
        );
        println!("{shape}_2 with orientation ignored: mean difference {diff:.2}");
        assert!(
            diff > 12.0,
            "{shape}_2 unoriented differs only by {diff:.1}"
        );
    }
}

#[test]
fn orientation_parameter_overrides_the_file() {
    let Some(corpus) = corpus_dir() else { return };
    let path = corpus.join("exif-samples/jpg/orientation/landscape_6.jpg");
    let settings = ThumbnailSettings::default();
    let stored = thumbnails::generate_with_orientation(&path, &settings, Some(1)).unwrap();
    assert_eq!((stored.width, stored.height), (450, 600));
    let upright = thumbnails::generate_with_orientation(&path, &settings, Some(6)).unwrap();
    assert_eq!((upright.width, upright.height), (600, 450));
}

/// Files whose EXIF is broken but whose pixels are fine (exif-samples' `invalid/` and
/// `tests/` folders) decode; the truly corrupt one fails. Nothing panics.
#[test]
fn broken_exif_and_corrupt_jpegs_do_not_panic() {
    let Some(corpus) = corpus_dir() else { return };
    let settings = ThumbnailSettings::default();
    let mut files =
        files_with_extensions(&corpus.join("exif-samples/jpg/invalid"), IMAGE_EXTENSIONS);
    files.extend(files_with_extensions(
        &corpus.join("exif-samples/jpg/tests"),
        IMAGE_EXTENSIONS,
    ));
    for path in &files {
        let result = std::panic::catch_unwind(|| thumbnails::generate(path, &settings));
        let result = result.unwrap_or_else(|_| panic!("{} panicked", path.display()));
        match result {
            Ok(g) => check_generated(&path.display().to_string(), &g, &settings),
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    let corrupted = corpus.join("exif-samples/jpg/corrupted.jpg");
    let err = thumbnails::generate(&corrupted, &settings).unwrap_err();
    assert!(matches!(err, ThumbnailError::Decode { .. }), "{err}");
    println!("corrupted.jpg: {err}");
    // Immich's IMMICH_PROCESS_INVALID_IMAGES: the damaged rows come out grey, but it renders.
    let lenient = ThumbnailSettings {
        process_invalid_images: true,
        ..ThumbnailSettings::default()
    };
    thumbnails::generate(&corrupted, &lenient).expect("lenient mode accepts a damaged JPEG");
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shoebox-thumbs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn truncated_files_fail_cleanly() {
    let Some(corpus) = corpus_dir() else { return };
    let settings = ThumbnailSettings::default();
    let dir = temp_dir();
    for source in [
        "immich-test-assets/formats/heic/IMG_2682.heic",
        "exif-samples/heic/mobile/iphone_13_pro_max.HEIC",
        "immich-test-assets/formats/avif/8bit-sRGB.avif",
        "immich-test-assets/formats/jxl/8bit-sRGB.jxl",
        "immich-test-assets/formats/png/density_plot.png",
        "immich-test-assets/formats/webp/denali.webp",
        "exif-samples/jpg/mobile/jolla.jpg",
        "exif-samples/tiff/BSG1.tiff",
    ] {
        let data = std::fs::read(corpus.join(source)).unwrap();
        for fraction in [0.02, 0.5, 0.9] {
            let cut = (data.len() as f64 * fraction) as usize;
            let path = dir.join(format!(
                "cut-{cut}-{}",
                Path::new(source).file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&path, &data[..cut]).unwrap();
            let result = std::panic::catch_unwind(|| thumbnails::generate(&path, &settings))
                .unwrap_or_else(|_| panic!("{source} cut at {cut} panicked"));
            let err = result.expect_err(&format!("{source} cut at {cut} bytes should fail"));
            println!("{source} cut at {cut}/{}: {err}", data.len());
            std::fs::remove_file(&path).unwrap();
        }
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A PNG whose header claims `width`×`height` RGB pixels, followed by a tiny IDAT.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    // A valid zlib stream of a few zero bytes: nowhere near the claimed size.
    png_chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn huge_header_claims_are_refused_before_allocation() {
    let settings = ThumbnailSettings::default();
    let png = png_claiming(100_000, 100_000);
    let err = thumbnails::generate_from_bytes(&png, Some("png"), &settings, None).unwrap_err();
    assert!(
        matches!(
            err,
            ThumbnailError::TooLarge {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{err}"
    );
    // Even with the pixel budget lifted, the allocation limit stops the decoder.
    let lifted = ThumbnailSettings {
        max_pixels: u64::MAX,
        ..ThumbnailSettings::default()
    };
    let err = thumbnails::generate_from_bytes(&png, Some("png"), &lifted, None).unwrap_err();
    println!("100000x100000 PNG with no pixel budget: {err}");

    // A JPEG whose SOF claims 65000×65000 (4.2 GP).
    let Some(corpus) = corpus_dir() else { return };
    let mut jpeg = std::fs::read(corpus.join("exif-samples/jpg/Canon_40D.jpg")).unwrap();
    // Walk the segments (the EXIF thumbnail inside APP1 has its own SOF) to the frame header.
    let mut sof = 2;
    while jpeg[sof + 1] != 0xC0 {
        sof += 2 + usize::from(u16::from_be_bytes([jpeg[sof + 2], jpeg[sof + 3]]));
    }
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
    let err = thumbnails::generate_from_bytes(&jpeg, Some("jpg"), &settings, None).unwrap_err();
    assert!(matches!(err, ThumbnailError::TooLarge { .. }), "{err}");
}

#[test]
fn garbage_is_unsupported_not_a_panic() {
    let settings = ThumbnailSettings::default();
    for bytes in [
        &b""[..],
        b"hello",
        b"\xFF\xD8\xFF",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\0\0\0\0WEBP",
    ] {
        let result = thumbnails::generate_from_bytes(bytes, None, &settings, None);
        assert!(result.is_err(), "{bytes:?}");
    }
}

/// A minimal little-endian DNG: IFD0 (orientation 6, a small JPEG thumbnail through
/// JPEGInterchangeFormat, DNGVersion) and a SubIFD holding a larger JPEG preview as a
/// JPEG-compressed strip, like Adobe's converter writes.
fn build_dng(thumbnail: &[u8], preview: &[u8], orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    const IFD0: u32 = 8;
    const IFD0_ENTRIES: u32 = 6;
    let subifd = IFD0 + 2 + IFD0_ENTRIES * 12 + 4;
    const SUB_ENTRIES: u32 = 3;
    let thumb_at = subifd + 2 + SUB_ENTRIES * 12 + 4;
    let preview_at = thumb_at + thumbnail.len() as u32;

    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&IFD0.to_le_bytes());
    out.extend_from_slice(&(IFD0_ENTRIES as u16).to_le_bytes());
    entry(&mut out, 0x0112, 3, 1, u32::from(orientation));
    entry(&mut out, 0x014A, 4, 1, subifd);
    entry(&mut out, 0x0201, 4, 1, thumb_at);
    entry(&mut out, 0x0202, 4, 1, thumbnail.len() as u32);
    entry(&mut out, 0xC612, 1, 4, u32::from_le_bytes([1, 4, 0, 0]));
    entry(&mut out, 0xC614, 2, 4, u32::from_le_bytes(*b"Cam\0"));
    out.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(out.len() as u32, subifd);
    out.extend_from_slice(&(SUB_ENTRIES as u16).to_le_bytes());
    entry(&mut out, 0x0103, 3, 1, 7);
    entry(&mut out, 0x0111, 4, 1, preview_at);
    entry(&mut out, 0x0117, 4, 1, preview.len() as u32);
    out.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(out.len() as u32, thumb_at);
    out.extend_from_slice(thumbnail);
    out.extend_from_slice(preview);
    out
}

#[test]
fn raw_uses_largest_embedded_preview_with_raw_orientation() {
    let Some(corpus) = corpus_dir() else { return };
    let settings = ThumbnailSettings::default();
    let small = std::fs::read(corpus.join("exif-samples/jpg/Canon_40D.jpg")).unwrap();
    let large_path = corpus.join("exif-samples/jpg/orientation/landscape_1.jpg");
    let large = std::fs::read(&large_path).unwrap();
    let dng = build_dng(&small, &large, 6);
    let dir = temp_dir();
    let path = dir.join("synthetic.dng");
    std::fs::write(&path, &dng).unwrap();

    let g = thumbnails::generate(&path, &settings).expect("DNG preview");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(g.format, ImageFormat::Raw);
    // landscape_1 is 600×450; the DNG's orientation 6 turns it to 450×600.
    assert_eq!((g.width, g.height), (450, 600));
    check_generated("synthetic.dng", &g, &settings);

    // Pixel check: the result is landscape_1 rotated 90° clockwise.
    let upright = thumbnails::generate(&large_path, &settings).unwrap();
    let reference = image::imageops::rotate90(&decode_small(&upright.preview.bytes));
    let ours = decode_small(&g.preview.bytes);
    let diff = mean_diff(&ours, &reference);
    let wrong = mean_diff(&ours, &image::imageops::rotate180(&reference));
    println!("DNG preview vs landscape_1 rotated: {diff:.2} (the other way round: {wrong:.2})");
    assert!(
        diff < 2.5 && diff * 4.0 < wrong,
        "rotated DNG preview differs by {diff:.1}"
    );

    // The metadata job's orientation wins over the file's.
    let g = thumbnails::generate_from_bytes(&dng, Some("dng"), &settings, Some(1)).unwrap();
    assert_eq!((g.width, g.height), (600, 450));

    // A RAW without any embedded JPEG is an error, not a panic.
    let empty = build_dng(b"not a jpeg", b"nor this", 1);
    let err = thumbnails::generate_from_bytes(&empty, Some("dng"), &settings, None).unwrap_err();
    assert!(matches!(err, ThumbnailError::NoEmbeddedPreview), "{err}");
}
