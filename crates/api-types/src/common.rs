//! Shared DTOs and serde helpers.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Returned by `FromStr` of the string enums in this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVariant {
    pub type_name: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {} value: {:?}", self.type_name, self.value)
    }
}

impl std::error::Error for UnknownVariant {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkIdsDto {
    pub ids: Vec<Uuid>,
}

string_enum! {
    pub enum BulkIdErrorReason {
        Duplicate = "duplicate",
        NoPermission = "no_permission",
        NotFound = "not_found",
        Unknown = "unknown",
        Validation = "validation",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkIdResponseDto {
    pub id: String,
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<BulkIdErrorReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl BulkIdResponseDto {
    pub fn ok(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            success: true,
            error: None,
            error_message: None,
        }
    }

    pub fn failed(id: impl Into<String>, error: BulkIdErrorReason) -> Self {
        Self {
            id: id.into(),
            success: false,
            error: Some(error),
            error_message: None,
        }
    }
}

/// Timestamps rendered the way Immich (JavaScript `toISOString`) does:
/// UTC, millisecond precision, trailing `Z`. Parsing accepts any RFC 3339
/// offset.
pub mod timestamp {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn format(value: &DateTime<Utc>) -> String {
        value.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let raw = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&raw)
            .map(|dt| dt.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    /// Same format for `Option<DateTime<Utc>>`; `None` is `null`.
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            value: &Option<DateTime<Utc>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(dt) => super::serialize(dt, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] DateTime<Utc>);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(dt)| dt))
        }
    }
}

/// For PATCH-style fields that are both optional and nullable: a missing key
/// means "leave unchanged" (`None`), an explicit `null` means "clear"
/// (`Some(None)`). Use with `#[serde(default, deserialize_with = ...)]`.
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
