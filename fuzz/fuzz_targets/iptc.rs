//! IPTC-IIM records, bare and inside Photoshop image resources (JPEG APP13, TIFF tag 0x8649).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::fuzzing;

fuzz_target!(|data: &[u8]| {
    let _ = fuzzing::iptc(data);
});
