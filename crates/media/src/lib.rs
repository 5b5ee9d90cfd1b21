//! Media formats: which files we accept and how a file is classified.

pub mod formats;

pub use formats::{
    MediaKind, classify, extension_of, kind_by_name, mime_type_for, supported_extensions,
};
