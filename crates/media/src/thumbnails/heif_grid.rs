//! Grid HEIF images (every iPhone photo: 512×512 HEVC tiles), decoded one tile at a time and
//! reduced by a whole factor on the fly (see `reduce`), so a 48 MP photo needs a few tiles and
//! the preview-sized result in memory instead of all its pixels. Raw libheif calls: its Rust
//! wrapper exposes neither the tiling nor tile decoding.

use std::ffi::CStr;
use std::ptr;

use libheif_sys as sys;

use super::ThumbnailError;
use super::reduce::Reducer;

fn check(err: sys::heif_error) -> Result<(), ThumbnailError> {
    if err.code == sys::heif_error_code_heif_error_Ok {
        return Ok(());
    }
    // SAFETY: libheif's message is always a valid NUL-terminated static or context string.
    let message = unsafe { CStr::from_ptr(err.message) }
        .to_string_lossy()
        .into_owned();
    Err(ThumbnailError::Decode {
        format: "HEIF",
        message,
    })
}

struct Context(*mut sys::heif_context);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: allocated by heif_context_alloc, freed once.
        unsafe { sys::heif_context_free(self.0) }
    }
}

struct Handle(*mut sys::heif_image_handle);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: obtained from the context, released once.
        unsafe { sys::heif_image_handle_release(self.0) }
    }
}

struct Image(*mut sys::heif_image);

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: decoded by libheif for us, released once.
        unsafe { sys::heif_image_release(self.0) }
    }
}

struct Options(*mut sys::heif_decoding_options);

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: allocated by heif_decoding_options_alloc, freed once.
        unsafe { sys::heif_decoding_options_free(self.0) }
    }
}

/// The primary image of a HEIF file, when it is a grid of more than one tile.
pub(crate) struct Grid<'a> {
    // Field order is drop order: the handle before its context, the context before the data.
    handle: Handle,
    _context: Context,
    tiling: sys::heif_image_tiling,
    _data: &'a [u8],
}

impl<'a> Grid<'a> {
    /// Opens `data` (already checked to be complete) and answers its tiling, or `None` for an
    /// image that is not a grid, or one cropped by a clean aperture (`cropped`: its shown size
    /// is not its coded size, turned or not), whose tile offsets we do not trust.
    pub(crate) fn open(
        data: &'a [u8],
        max_pixels: u64,
        cropped: bool,
    ) -> Result<Option<Self>, ThumbnailError> {
        if cropped {
            return Ok(None);
        }
        // SAFETY: no preconditions; null is checked.
        let context = Context(unsafe { sys::heif_context_alloc() });
        if context.0.is_null() {
            return Err(ThumbnailError::Decode {
                format: "HEIF",
                message: "out of memory".into(),
            });
        }
        // SAFETY: the context is live; its limits struct belongs to it and is ours to edit.
        unsafe {
            let limits = sys::heif_context_get_security_limits(context.0);
            if !limits.is_null() {
                (*limits).max_image_size_pixels = max_pixels;
                (*limits).max_total_memory = 64 << 20;
            }
        }
        // SAFETY: `data` outlives the context (the Grid borrows it and drops the context
        // first); libheif only reads it.
        check(unsafe {
            sys::heif_context_read_from_memory_without_copy(
                context.0,
                data.as_ptr().cast(),
                data.len(),
                ptr::null(),
            )
        })?;
        let mut handle = ptr::null_mut();
        // SAFETY: live context; the handle is written on success.
        check(unsafe { sys::heif_context_get_primary_image_handle(context.0, &mut handle) })?;
        let handle = Handle(handle);
        // SAFETY: zeroed is a valid bit pattern for this plain C struct; libheif fills it.
        let mut tiling: sys::heif_image_tiling = unsafe { std::mem::zeroed() };
        // SAFETY: live handle; tiling is written on success. Positions are in the image as
        // shown (rotation and mirroring applied), as the tiles will be decoded.
        check(unsafe { sys::heif_image_handle_get_image_tiling(handle.0, 1, &mut tiling) })?;
        if u64::from(tiling.num_columns) * u64::from(tiling.num_rows) <= 1
            || tiling.tile_width == 0
            || tiling.tile_height == 0
        {
            return Ok(None);
        }
        // libheif 1.23 takes the used part of the last, partial tile for its unused part, so
        // its offsets are wrong once a rotation or mirror moves that padding to the left or
        // top (a portrait iPhone photo: 464 instead of 48). Without a crop the padding is on
        // one side or the other, and the offset says which.
        let pad = |tiles: u32, tile: u32, size: u32| {
            (u64::from(tiles) * u64::from(tile)).saturating_sub(u64::from(size)) as u32
        };
        if tiling.left_offset != 0 {
            tiling.left_offset = pad(tiling.num_columns, tiling.tile_width, tiling.image_width);
        }
        if tiling.top_offset != 0 {
            tiling.top_offset = pad(tiling.num_rows, tiling.tile_height, tiling.image_height);
        }
        Ok(Some(Self {
            handle,
            _context: context,
            tiling,
            _data: data,
        }))
    }

    /// Width and height of one tile.
    pub(crate) fn tile_size(&self) -> (u32, u32) {
        (self.tiling.tile_width, self.tiling.tile_height)
    }

    /// Decodes every tile as 8-bit RGB(A), upright, into `reducer` (made for the image as
    /// shown).
    pub(crate) fn decode_into(
        &self,
        reducer: &mut Reducer,
        has_alpha: bool,
    ) -> Result<(), ThumbnailError> {
        // SAFETY: no preconditions; null is checked.
        let options = Options(unsafe { sys::heif_decoding_options_alloc() });
        if options.0.is_null() {
            return Err(ThumbnailError::Decode {
                format: "HEIF",
                message: "out of memory".into(),
            });
        }
        // SAFETY: a live options struct of this library's version.
        unsafe {
            (*options.0).convert_hdr_to_8bit = 1;
            // Images are decoded in parallel already, one per processing thread.
            (*options.0).num_codec_threads = 1;
        }
        let (chroma, channels) = if has_alpha {
            (sys::heif_chroma_heif_chroma_interleaved_RGBA, 4)
        } else {
            (sys::heif_chroma_heif_chroma_interleaved_RGB, 3)
        };
        let t = &self.tiling;
        for ty in 0..t.num_rows {
            for tx in 0..t.num_columns {
                let mut image = ptr::null_mut();
                // SAFETY: live handle and options; the image is written on success.
                check(unsafe {
                    sys::heif_image_handle_decode_image_tile(
                        self.handle.0,
                        &mut image,
                        sys::heif_colorspace_heif_colorspace_RGB,
                        chroma,
                        options.0,
                        tx,
                        ty,
                    )
                })?;
                let image = Image(image);
                let channel = sys::heif_channel_heif_channel_interleaved;
                let mut stride = 0usize;
                // SAFETY: live image; the plane stays valid while it lives.
                let (plane, w, h) = unsafe {
                    (
                        sys::heif_image_get_plane_readonly2(image.0, channel, &mut stride),
                        sys::heif_image_get_width(image.0, channel),
                        sys::heif_image_get_height(image.0, channel),
                    )
                };
                let (Ok(w), Ok(h)) = (usize::try_from(w), usize::try_from(h)) else {
                    return Err(ThumbnailError::Decode {
                        format: "HEIF",
                        message: "tile has no pixels".into(),
                    });
                };
                if plane.is_null() || stride < w * channels {
                    return Err(ThumbnailError::Decode {
                        format: "HEIF",
                        message: "unexpected tile layout".into(),
                    });
                }
                // Where the tile sits in the image; the first may start above or left of it.
                let x = i64::from(tx) * i64::from(t.tile_width) - i64::from(t.left_offset);
                let y = i64::from(ty) * i64::from(t.tile_height) - i64::from(t.top_offset);
                let skip = usize::try_from(-x).unwrap_or(0).min(w);
                for row in 0..h {
                    let Ok(image_y) = u32::try_from(y + row as i64) else {
                        continue;
                    };
                    // SAFETY: row < h and the stride covers w pixels of `channels` bytes.
                    let pixels = unsafe {
                        std::slice::from_raw_parts(plane.add(row * stride), w * channels)
                    };
                    reducer.add_row(
                        image_y,
                        (x + skip as i64) as u32,
                        1,
                        &pixels[skip * channels..],
                        channels,
                    );
                }
            }
        }
        Ok(())
    }
}
