//! Media formats: which files we accept, how a file is classified, and what its metadata says.

pub mod formats;
pub mod metadata;
pub mod thumbnails;
pub mod video;

pub use formats::{
    MediaKind, classify, extension_of, kind_by_name, mime_type_for, supported_extensions,
};
pub use metadata::{
    DateSource, DateTaken, ImageFormat, ImageMetadata, MetadataError, MotionPhoto, ReadOptions,
    SidecarEdits, SidecarWriteError, TimeZoneInfo, ZoneLookup, ZoneSource, duration_millis,
    merge_sidecar, overlay_sidecar_file, read_metadata, read_metadata_with,
    read_metadata_with_sidecar, read_sidecar, sidecar_candidates, video_metadata,
    video_metadata_with_sidecar, write_sidecar,
};
