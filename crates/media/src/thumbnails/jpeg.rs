//! JPEG through libjpeg-turbo: decoding at a reduced DCT scale (the single biggest saving for
//! camera photos: an 8×8 block becomes 4×4, 3×3, … before any pixel is produced) and the
//! preview encode.
//!
//! Decoding goes through the raw TurboJPEG 3 API rather than `turbojpeg::Decompressor`
//! because only the raw API tells a warning (corrupt or truncated data, the pixels still
//! produced) from a fatal error, and lets us set libjpeg's own memory cap.

use std::ffi::CStr;

use turbojpeg::raw;

use super::color::{self, ColorSource};
use super::raster::{self, Raster};
use super::{Decoded, ThumbnailError, ThumbnailSettings};

/// What the markers before the first scan tell us.
#[derive(Default)]
pub(crate) struct Markers<'a> {
    /// The TIFF structure inside the APP1 `Exif` segment.
    pub exif: Option<&'a [u8]>,
    /// The ICC profile reassembled from its APP2 chunks.
    pub icc: Option<Vec<u8>>,
    /// The APP14 `Adobe` segment was present (its CMYK data is stored inverted).
    pub adobe: bool,
    /// Where the first scan's SOS marker is.
    pub first_scan: Option<usize>,
}

/// Reads the metadata segments of a JPEG, stopping at the first scan; tolerant of junk (a
/// malformed segment just ends the walk, the decoder will judge the file).
pub(crate) fn markers(data: &[u8]) -> Markers<'_> {
    let mut out = Markers::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut pos = 2;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return out;
    }
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            break;
        }
        let marker = data[pos + 1];
        if marker == 0xFF {
            // Fill byte.
            pos += 1;
            continue;
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            pos += 2;
            continue;
        }
        if marker == 0xDA {
            out.first_scan = Some(pos);
            break;
        }
        if marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([data[pos + 2], data[pos + 3]]));
        if len < 2 || pos + 2 + len > data.len() {
            break;
        }
        let payload = &data[pos + 4..pos + 2 + len];
        match marker {
            0xE1 if payload.starts_with(b"Exif\0\0") && out.exif.is_none() => {
                out.exif = Some(&payload[6..]);
            }
            0xE2 if payload.starts_with(b"ICC_PROFILE\0") && payload.len() > 14 => {
                icc_chunks.push((payload[12], &payload[14..]));
            }
            0xEE if payload.starts_with(b"Adobe") => out.adobe = true,
            _ => {}
        }
        pos += 2 + len;
    }
    if !icc_chunks.is_empty() {
        // Chunks carry their 1-based sequence number; writers normally emit them in order.
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        out.icc = Some(
            icc_chunks
                .iter()
                .flat_map(|(_, c)| c.iter().copied())
                .collect(),
        );
    }
    out
}

/// The orientation tag (0x0112) of IFD0 in an EXIF/TIFF block, if present and valid.
pub(crate) fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = field.value.get_uint(0)?;
    u16::try_from(value).ok().filter(|v| (1..=8).contains(v))
}

/// A TurboJPEG decompressor instance, destroyed on drop.
struct Handle(raw::tjhandle);

impl Handle {
    fn new() -> Result<Self, ThumbnailError> {
        // SAFETY: tj3Init has no preconditions; a null return is checked.
        let ptr = unsafe { raw::tj3Init(raw::TJINIT_TJINIT_DECOMPRESS as CInt) };
        if ptr.is_null() {
            return Err(decode_error("cannot initialise libjpeg-turbo".into()));
        }
        Ok(Self(ptr))
    }

    fn set(&self, param: raw::TJPARAM, value: CInt) -> bool {
        // SAFETY: self.0 is a live handle; unknown params are rejected with -1, not UB.
        unsafe { raw::tj3Set(self.0, param as CInt, value) == 0 }
    }

    fn get(&self, param: raw::TJPARAM) -> CInt {
        // SAFETY: as above.
        unsafe { raw::tj3Get(self.0, param as CInt) }
    }

    fn error(&self) -> String {
        // SAFETY: tj3GetErrorStr returns a NUL-terminated string owned by the handle (or a
        // static one), valid until the next call on this handle; we copy it at once.
        unsafe { CStr::from_ptr(raw::tj3GetErrorStr(self.0)) }
            .to_string_lossy()
            .trim()
            .to_string()
    }

    fn error_is_fatal(&self) -> bool {
        // SAFETY: as above.
        let code = unsafe { raw::tj3GetErrorCode(self.0) };
        code != raw::TJERR_TJERR_WARNING as CInt
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init and is destroyed exactly once.
        unsafe { raw::tj3Destroy(self.0) }
    }
}

type CInt = turbojpeg::libc::c_int;

fn decode_error(message: String) -> ThumbnailError {
    ThumbnailError::Decode {
        format: "JPEG",
        message,
    }
}

/// The smallest DCT scale n/8 whose output keeps the shorter side at least `min_short` (or the
/// full size when the image is not bigger than that). libjpeg-turbo supports every n/8.
pub(crate) fn scale_eighths(width: u32, height: u32, min_short: u32) -> u32 {
    let short = u64::from(width.min(height));
    let want = u64::from(min_short).min(short);
    (1..=8u64)
        .find(|n| (short * n).div_ceil(8) >= want)
        .unwrap_or(8) as u32
}

/// Decodes a JPEG at the smallest DCT scale that still covers `min_short` pixels on the
/// shorter side.
pub(crate) fn decode(
    data: &[u8],
    settings: &ThumbnailSettings,
    min_short: u32,
) -> Result<Decoded, ThumbnailError> {
    let markers = markers(data);
    let handle = Handle::new()?;
    // SAFETY: data is a valid slice for the duration of the call.
    let rc = unsafe { raw::tj3DecompressHeader(handle.0, data.as_ptr(), data.len() as _) };
    if rc != 0 {
        return Err(decode_error(handle.error()));
    }
    let width = u32::try_from(handle.get(raw::TJPARAM_TJPARAM_JPEGWIDTH)).unwrap_or(0);
    let height = u32::try_from(handle.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT)).unwrap_or(0);
    if width == 0 || height == 0 {
        return Err(decode_error("JPEG header has no dimensions".into()));
    }
    settings.check_pixels(width, height)?;
    let colorspace = handle.get(raw::TJPARAM_TJPARAM_COLORSPACE);
    let cmyk =
        colorspace == raw::TJCS_TJCS_CMYK as CInt || colorspace == raw::TJCS_TJCS_YCCK as CInt;
    let lossless = handle.get(raw::TJPARAM_TJPARAM_LOSSLESS) == 1;

    let num = if lossless {
        8
    } else {
        scale_eighths(width, height, min_short)
    };
    // libjpeg-turbo only accepts factors in lowest terms (1/2, not 4/8).
    let (fnum, fden) = match num {
        2 | 6 => (num / 2, 4),
        4 => (1, 2),
        8 => (1, 1),
        _ => (num, 8),
    };
    let factor = raw::tjscalingfactor {
        num: fnum as CInt,
        denom: fden,
    };
    // SAFETY: live handle; the factor is one libjpeg-turbo supports (n/8, 1 ≤ n ≤ 8).
    if unsafe { raw::tj3SetScalingFactor(handle.0, factor) } != 0 {
        return Err(decode_error(handle.error()));
    }
    let scaled = |d: u32| (u64::from(d) * u64::from(num)).div_ceil(8) as u32;
    let (sw, sh) = (scaled(width), scaled(height));
    let channels = if cmyk { 4 } else { 3 };
    let len = sw as usize * sh as usize * channels;
    let several_scans = markers
        .first_scan
        .is_some_and(|at| has_several_scans(&data[at + 2..]));
    let working = working_memory(&handle, width, height, several_scans);
    // CMYK is converted into a second, RGB raster.
    let converted = if cmyk { sw as u64 * sh as u64 * 3 } else { 0 };
    let reservation = settings.reserve(width, height, len as u64 + converted + working)?;
    // libjpeg's own cap on what it allocates, so an estimate that fell short fails the decode
    // instead of overrunning the budget.
    let max_mib = CInt::try_from(working.div_ceil(1 << 20) + 1).unwrap_or(CInt::MAX);
    handle.set(raw::TJPARAM_TJPARAM_MAXMEMORY, max_mib);
    let mut pixels = raster::buffer(len);
    let format = if cmyk {
        raw::TJPF_TJPF_CMYK
    } else {
        raw::TJPF_TJPF_RGB
    };
    // SAFETY: `pixels` holds sh rows of sw * channels bytes, exactly what tj3Decompress8
    // writes for this scaling factor and pixel format with the given pitch.
    let rc = unsafe {
        raw::tj3Decompress8(
            handle.0,
            data.as_ptr(),
            data.len() as _,
            pixels.as_mut_ptr(),
            (sw as usize * channels) as CInt,
            format,
        )
    };
    if rc != 0 && (handle.error_is_fatal() || !settings.process_invalid_images) {
        // Warnings ("premature end of data segment", "extraneous bytes") mean the pixels are
        // partly grey or garbage; like Immich (sharp failOn), refuse them unless asked.
        return Err(decode_error(handle.error()));
    }

    let (raster, color) = if cmyk {
        let raster = color::cmyk_to_rgb(sw, sh, &mut pixels, markers.icc.as_deref(), markers.adobe);
        raster::recycle(pixels);
        (raster, ColorSource::Srgb)
    } else {
        let color = markers.icc.map_or(ColorSource::Srgb, ColorSource::Icc);
        (Raster::new(sw, sh, false, pixels), color)
    };
    Ok(Decoded {
        raster,
        color,
        width,
        height,
        embedded_orientation: markers.exif.and_then(exif_orientation),
        orientation_from_container: false,
        reservation,
    })
}

/// What libjpeg allocates besides the output: for a file in several scans (progressive, or
/// sequential with one scan per component) the whole image's DCT coefficients, two bytes per
/// sample of every component at its sampling; for a single scan, buffers of a few rows.
fn working_memory(handle: &Handle, width: u32, height: u32, several_scans: bool) -> u64 {
    let blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
    // Samples of all components per luma sample, in quarters.
    let quarters = match handle.get(raw::TJPARAM_TJPARAM_SUBSAMP) {
        s if s == raw::TJSAMP_TJSAMP_GRAY as CInt => 4,
        s if s == raw::TJSAMP_TJSAMP_420 as CInt => 6,
        s if s == raw::TJSAMP_TJSAMP_422 as CInt || s == raw::TJSAMP_TJSAMP_440 as CInt => 8,
        s if s == raw::TJSAMP_TJSAMP_411 as CInt || s == raw::TJSAMP_TJSAMP_441 as CInt => 6,
        // 4:4:4, and CMYK/unknown layouts: four full components at most.
        _ => 16,
    };
    let whole_image = several_scans
        || handle.get(raw::TJPARAM_TJPARAM_PROGRESSIVE) == 1
        || handle.get(raw::TJPARAM_TJPARAM_LOSSLESS) == 1;
    let rows = u64::from(width) * 16 * 4 * 4;
    if whole_image {
        blocks * 64 * 2 * quarters / 4 + rows
    } else {
        rows + (8 << 20)
    }
}

/// Whether the entropy-coded data after the first scan's SOS marker reaches another SOS before
/// the EOI. Inside it a 0xFF byte is always followed by 0x00 or a restart marker, so an FF DA
/// or FF D9 there is a real marker (MPF's extra images come after the EOI).
fn has_several_scans(after_first_scan: &[u8]) -> bool {
    // SIMD searches: this runs over every JPEG's whole entropy-coded data.
    match memchr::memmem::find(after_first_scan, &[0xFF, 0xDA]) {
        None => false,
        Some(scan) => {
            memchr::memmem::find(after_first_scan, &[0xFF, 0xD9]).is_none_or(|end| scan < end)
        }
    }
}

/// Encodes an RGB raster as a baseline JPEG. Chroma is kept at full resolution (4:4:4) at
/// quality ≥ 80, as Immich does, because 4:2:0 visibly smears red edges in previews.
pub(crate) fn encode(raster: &Raster, quality: u8) -> Result<Vec<u8>, ThumbnailError> {
    let err = |e: turbojpeg::Error| ThumbnailError::Encode(e.to_string());
    let mut compressor = turbojpeg::Compressor::new().map_err(err)?;
    compressor.set_quality(i32::from(quality)).map_err(err)?;
    compressor
        .set_subsamp(if quality >= 80 {
            turbojpeg::Subsamp::None
        } else {
            turbojpeg::Subsamp::Sub2x2
        })
        .map_err(err)?;
    let (format, channels) = if raster.has_alpha {
        (turbojpeg::PixelFormat::RGBX, 4)
    } else {
        (turbojpeg::PixelFormat::RGB, 3)
    };
    let image = turbojpeg::Image {
        pixels: raster.data.as_slice(),
        width: raster.width as usize,
        pitch: raster.width as usize * channels,
        height: raster.height as usize,
        format,
    };
    compressor.compress_to_vec(image).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_scale_keeps_shorter_side_covered() {
        // 6000×4000 → 3/8 gives 2250×1500 ≥ 1440.
        assert_eq!(scale_eighths(6000, 4000, 1440), 3);
        // 3264×2448 → 5/8 gives 2040×1530.
        assert_eq!(scale_eighths(3264, 2448, 1440), 5);
        // Smaller than the target: full size.
        assert_eq!(scale_eighths(1000, 800, 1440), 8);
        assert_eq!(scale_eighths(12000, 9000, 250), 1);
    }

    #[test]
    fn a_second_scan_is_found_before_the_end_of_the_image_only() {
        assert!(has_several_scans(&[
            1, 0xFF, 0x00, 2, 0xFF, 0xD0, 0xFF, 0xDA, 0xFF, 0xD9
        ]));
        assert!(!has_several_scans(&[1, 0xFF, 0x00, 0xFF, 0xD9, 0xFF, 0xDA]));
        assert!(!has_several_scans(&[1, 2, 0xFF]));
    }

    #[test]
    fn markers_tolerate_garbage() {
        assert!(markers(b"").exif.is_none());
        assert!(
            markers(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF])
                .exif
                .is_none()
        );
    }
}
