//! XMP sidecars: read on their own, overlaid on a file's metadata, and rewritten with an
//! edit from the app. A sidecar we agree to rewrite must read back with the edit in it.
#![no_main]

use chrono::{FixedOffset, TimeZone};
use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::{
    ImageFormat, SidecarEdits, merge_sidecar, read_sidecar, write_sidecar,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = read_sidecar(data) {
        let _ = merge_sidecar(read, data);
    }
    let edits = SidecarEdits {
        description: Some("a <fuzzed> & \"quoted\" description".into()),
        date_time_original: FixedOffset::east_opt(5 * 3600 + 1800)
            .and_then(|zone| zone.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).single()),
        position: Some((-33.8568, 151.2153)),
        rating: Some(4),
    };
    if let Ok(written) = write_sidecar(Some(data), &edits) {
        let back = read_sidecar(&written).expect("a sidecar we wrote must read back");
        assert_eq!(back.format, ImageFormat::Xmp);
        assert_eq!(
            back.description,
            edits.description,
            "{}",
            String::from_utf8_lossy(&written)
        );
        assert_eq!(
            back.rating,
            edits.rating,
            "{}",
            String::from_utf8_lossy(&written)
        );
    }
});
