//! An EXIF block (TIFF IFDs with their sub-IFDs, GPS and embedded XMP/IPTC), resolved as an
//! upload's metadata is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::fuzzing;

fuzz_target!(|data: &[u8]| {
    let _ = fuzzing::exif(data);
});
