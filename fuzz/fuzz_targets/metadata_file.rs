//! A whole uploaded file through the container walk (JPEG segments, TIFF, PNG chunks, WebP
//! RIFF chunks, the ISO BMFF boxes of HEIF/AVIF, JPEG XL boxes) and everything it hands on:
//! EXIF, maker notes, XMP, IPTC, then date, zone and GPS resolution.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::{ReadOptions, read_metadata_from};

fuzz_target!(|data: &[u8]| {
    let _ = read_metadata_from(Cursor::new(data), &ReadOptions::default());
});
