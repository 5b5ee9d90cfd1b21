//! Colour management: whatever the source's colour space, previews and thumbnails are sRGB
//! (what browsers and the mobile app assume for untagged images).
//!
//! moxcms (pure Rust, SIMD) does the ICC work; it is the CMS the `image` crate itself uses,
//! so it adds no C library to the build. The transform runs on the *resized* preview rather
//! than the full decode: converting 2 MP instead of 12–50 MP. Resizing before or after the
//! conversion only differs at sharp edges between saturated colours, by a level or two,
//! which is not visible at preview size.

use moxcms::{
    CicpColorPrimaries, CicpProfile, ColorProfile, DataColorSpace, Layout, MatrixCoefficients,
    ProfileText, TransferCharacteristics, TransformOptions,
};

use super::raster::{self, Raster};

/// How a decoded image's pixel values are to be interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColorSource {
    /// sRGB, or untagged (treated as sRGB, as browsers do).
    Srgb,
    /// An embedded ICC profile.
    Icc(Vec<u8>),
    /// HEIF/AVIF `nclx` or JPEG XL enum colour description (ITU-T H.273 code points).
    Cicp { primaries: u8, transfer: u8 },
}

/// Converts `raster` to sRGB in place. A profile we cannot parse or build a transform for is
/// ignored (pixels kept as they are), as libvips does: a slightly off colour is better than
/// no preview at all.
pub(crate) fn to_srgb(raster: &mut Raster, source: &ColorSource) {
    if let ColorSource::Cicp {
        primaries,
        transfer: transfer @ (PQ | HLG),
    } = *source
    {
        hdr_to_srgb(raster, primaries, transfer);
        return;
    }
    let Some(profile) = source_profile(source) else {
        return;
    };
    let layout = if raster.has_alpha {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let Ok(transform) =
        profile.create_transform_8bit(layout, &ColorProfile::new_srgb(), layout, options())
    else {
        return;
    };
    let mut out = raster::buffer(raster.data.len());
    if transform.transform(&raster.data, &mut out).is_ok() {
        raster::recycle(std::mem::replace(&mut raster.data, out));
    } else {
        raster::recycle(out);
    }
}

/// Converts CMYK pixels (4 bytes each, as libjpeg delivers them) to RGB. Adobe applications
/// write CMYK JPEGs with inverted values (`inverted`, signalled by the APP14 "Adobe" marker);
/// the ICC profile, if any, describes real ink amounts.
pub(crate) fn cmyk_to_rgb(
    width: u32,
    height: u32,
    cmyk: &mut [u8],
    icc: Option<&[u8]>,
    inverted: bool,
) -> Raster {
    let pixels = width as usize * height as usize;
    let mut rgb = raster::buffer(pixels * 3);
    if let Some(profile) = icc
        .and_then(|icc| ColorProfile::new_from_slice(icc).ok())
        .filter(|p| p.color_space == DataColorSpace::Cmyk)
        && let Ok(transform) = profile.create_transform_8bit(
            Layout::Rgba,
            &ColorProfile::new_srgb(),
            Layout::Rgb,
            options(),
        )
    {
        if inverted {
            cmyk.iter_mut().for_each(|v| *v = 255 - *v);
        }
        if transform.transform(cmyk, &mut rgb).is_ok() {
            return Raster::new(width, height, false, rgb);
        }
        if inverted {
            cmyk.iter_mut().for_each(|v| *v = 255 - *v);
        }
    }
    // No usable profile: the naive formula, which is what most viewers fall back to.
    for (src, dst) in cmyk.chunks_exact(4).zip(rgb.chunks_exact_mut(3)) {
        let (c, m, y, k) = if inverted {
            (src[0], src[1], src[2], src[3])
        } else {
            (255 - src[0], 255 - src[1], 255 - src[2], 255 - src[3])
        };
        let k = u32::from(k);
        dst[0] = ((u32::from(c) * k + 127) / 255) as u8;
        dst[1] = ((u32::from(m) * k + 127) / 255) as u8;
        dst[2] = ((u32::from(y) * k + 127) / 255) as u8;
    }
    Raster::new(width, height, false, rgb)
}

fn options() -> TransformOptions {
    TransformOptions {
        // Perceptual maps out-of-gamut colours smoothly where the profile has the tables for
        // it; matrix/TRC profiles (P3, Adobe RGB) fall back to relative colorimetric.
        rendering_intent: moxcms::RenderingIntent::Perceptual,
        ..TransformOptions::default()
    }
}

/// The source profile, or `None` when the pixels are already sRGB or the description is
/// unusable (the caller then leaves them untouched).
fn source_profile(source: &ColorSource) -> Option<ColorProfile> {
    match source {
        ColorSource::Srgb => None,
        ColorSource::Icc(icc) => {
            let profile = ColorProfile::new_from_slice(icc).ok()?;
            if profile.color_space != DataColorSpace::Rgb || is_srgb_profile(&profile) {
                // Grey profiles on images we decoded to RGB, and sRGB itself: nothing to do.
                return None;
            }
            Some(profile)
        }
        ColorSource::Cicp {
            primaries,
            transfer,
        } => {
            let primaries_srgb = matches!(*primaries, 1 | 2);
            // 1/6/14/15: BT.709-family curves, 13: sRGB, 2: unspecified.
            let transfer_srgb = matches!(*transfer, 1 | 2 | 6 | 13 | 14 | 15);
            if primaries_srgb && transfer_srgb {
                return None;
            }
            let primaries = CicpColorPrimaries::try_from(*primaries).ok()?;
            let transfer = match TransferCharacteristics::try_from(*transfer).ok()? {
                TransferCharacteristics::Unspecified => TransferCharacteristics::Srgb,
                t => t,
            };
            let primaries = match primaries {
                CicpColorPrimaries::Unspecified => CicpColorPrimaries::Bt709,
                p => p,
            };
            Some(ColorProfile::new_from_cicp(CicpProfile {
                color_primaries: primaries,
                transfer_characteristics: transfer,
                matrix_coefficients: MatrixCoefficients::Bt709,
                full_range: true,
            }))
        }
    }
}

/// sRGB profiles come in many byte-different copies ("sRGB IEC61966-2.1", "sRGB built-in",
/// camera vendors' own); converting sRGB to sRGB only costs time, so recognise them by name.
fn is_srgb_profile(profile: &ColorProfile) -> bool {
    let name = match &profile.description {
        Some(ProfileText::PlainString(s)) => s.clone(),
        Some(ProfileText::Localizable(list)) => {
            list.first().map(|l| l.value.clone()).unwrap_or_default()
        }
        Some(ProfileText::Description(d)) => d.ascii_string.clone(),
        None => String::new(),
    };
    name.to_ascii_lowercase().contains("srgb")
}

/// H.273 transfer characteristics of HDR video-style images (HEIF/AVIF from phones and
/// cameras): SMPTE ST 2084 (PQ) and ARIB STD-B67 (HLG).
const PQ: u8 = 16;
const HLG: u8 = 18;

/// Diffuse ("SDR") white in an HDR image, in nits (ITU-R BT.2408).
const REFERENCE_WHITE_NITS: f32 = 203.0;
/// The peak we assume when the file does not say (most HDR photos are graded for 1000 nits).
const ASSUMED_PEAK_NITS: f32 = 1000.0;

/// HDR (PQ/HLG) to SDR sRGB: a plain ICC conversion would map 10 000 nits to white and leave
/// the picture nearly black. Instead: signal → nits → relative to reference white → the
/// highlights above `KNEE` compressed into the remaining range (hue kept by scaling all three
/// channels by the factor of the largest) → sRGB primaries → sRGB curve.
fn hdr_to_srgb(raster: &mut Raster, primaries: u8, transfer: u8) {
    const KNEE: f32 = 0.5;
    let to_linear: Vec<f32> = (0..256)
        .map(|v| {
            let e = v as f32 / 255.0;
            let nits = if transfer == PQ {
                pq_eotf(e) * 10_000.0
            } else {
                // HLG inverse OETF, then the display OOTF (gamma 1.2 at a 1000-nit peak),
                // applied per channel.
                hlg_inverse_oetf(e).powf(1.2) * ASSUMED_PEAK_NITS
            };
            nits / REFERENCE_WHITE_NITS
        })
        .collect();
    let peak = ASSUMED_PEAK_NITS / REFERENCE_WHITE_NITS;
    let e_max = (peak - KNEE) / (1.0 - KNEE);
    let tone_map = |x: f32| -> f32 {
        if x <= KNEE {
            return x;
        }
        // Extended Reinhard on the part above the knee: slope 1 at the knee, `peak` → 1.0.
        let e = (x - KNEE) / (1.0 - KNEE);
        KNEE + (1.0 - KNEE) * (e * (1.0 + e / (e_max * e_max)) / (1.0 + e)).min(1.0)
    };
    let matrix = primaries_to_srgb(primaries);
    // sRGB encoding of linear light in 1/4095 steps.
    let encode: Vec<u8> = (0..4096)
        .map(|i| (srgb_oetf(i as f32 / 4095.0) * 255.0 + 0.5) as u8)
        .collect();
    let channels = raster.channels();
    for px in raster.data.chunks_exact_mut(channels) {
        let (r, g, b) = (
            to_linear[usize::from(px[0])],
            to_linear[usize::from(px[1])],
            to_linear[usize::from(px[2])],
        );
        let rgb = [
            (matrix[0][0] * r + matrix[0][1] * g + matrix[0][2] * b).max(0.0),
            (matrix[1][0] * r + matrix[1][1] * g + matrix[1][2] * b).max(0.0),
            (matrix[2][0] * r + matrix[2][1] * g + matrix[2][2] * b).max(0.0),
        ];
        let max = rgb[0].max(rgb[1]).max(rgb[2]);
        let scale = if max > KNEE { tone_map(max) / max } else { 1.0 };
        for c in 0..3 {
            let v = (rgb[c] * scale).clamp(0.0, 1.0);
            px[c] = encode[(v * 4095.0 + 0.5) as usize];
        }
    }
}

/// Linear-light conversion from the given H.273 primaries (D65 white) to sRGB/BT.709.
fn primaries_to_srgb(primaries: u8) -> [[f32; 3]; 3] {
    match primaries {
        // BT.2020 / BT.2100.
        9 => [
            [1.6605, -0.5876, -0.0728],
            [-0.1246, 1.1329, -0.0083],
            [-0.0182, -0.1006, 1.1187],
        ],
        // Display P3 (SMPTE EG 432-1) and DCI-P3 (treated as D65).
        11 | 12 => [
            [1.2249, -0.2247, 0.0],
            [-0.0420, 1.0419, 0.0],
            [-0.0197, -0.0786, 1.0979],
        ],
        _ => [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    }
}

/// SMPTE ST 2084 EOTF: signal (0–1) to luminance relative to 10 000 nits.
fn pq_eotf(e: f32) -> f32 {
    const M1: f32 = 2610.0 / 16384.0;
    const M2: f32 = 2523.0 / 4096.0 * 128.0;
    const C1: f32 = 3424.0 / 4096.0;
    const C2: f32 = 2413.0 / 4096.0 * 32.0;
    const C3: f32 = 2392.0 / 4096.0 * 32.0;
    let p = e.powf(1.0 / M2);
    ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1)
}

/// ARIB STD-B67 (HLG) inverse OETF: signal (0–1) to relative scene light (0–1).
fn hlg_inverse_oetf(e: f32) -> f32 {
    const A: f32 = 0.178_832_77;
    const B: f32 = 0.284_668_92;
    const C: f32 = 0.559_910_7;
    if e <= 0.5 {
        e * e / 3.0
    } else {
        (((e - C) / A).exp() + B) / 12.0
    }
}

fn srgb_oetf(l: f32) -> f32 {
    if l <= 0.003_130_8 {
        12.92 * l
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pq_reference_white_lands_near_sdr_white() {
        // PQ code value for 203 nits is ~0.58.
        let nits = pq_eotf(0.58) * 10_000.0;
        assert!((190.0..220.0).contains(&nits), "{nits}");
        let mut r = Raster::new(1, 1, false, vec![148, 148, 148]);
        hdr_to_srgb(&mut r, 12, PQ);
        assert!(r.data[0] > 200, "reference white came out as {}", r.data[0]);
        let mut black = Raster::new(1, 1, false, vec![0, 0, 0]);
        hdr_to_srgb(&mut black, 12, PQ);
        assert_eq!(black.data[0], 0);
    }
}
