//! Maker notes of the cameras we read them for. The first byte picks the make, the second
//! the byte order, the next two where in the EXIF block (the rest) the note starts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::fuzzing;

const MAKES: [&str; 4] = ["Apple", "Canon", "NIKON CORPORATION", "SONY"];

fuzz_target!(|data: &[u8]| {
    let [make, order, at_hi, at_lo, tiff @ ..] = data else {
        return;
    };
    let make = MAKES[usize::from(*make) % MAKES.len()];
    let offset = usize::from(u16::from_be_bytes([*at_hi, *at_lo]));
    let _ = fuzzing::maker_note(make, tiff, offset, order & 1 == 1);
});
