//! Conversions between records and the portable column encodings.

use chrono::{DateTime, NaiveDateTime, Utc};
use shoebox_store::StoreError;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

const UTC_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f";

pub fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(db.message().to_string());
    }
    StoreError::Backend(e.to_string())
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.format(UTC_FORMAT).to_string()
}

pub fn local_ts(t: NaiveDateTime) -> String {
    t.format(LOCAL_FORMAT).to_string()
}

/// A nullable DOUBLE PRECISION parameter. Bind every `Option<f64>` through this.
///
/// sqlx 0.9.0's Any driver hands a NULL `f64` to PostgreSQL typed as `float4` (its NULL
/// mapping swaps Real and Double). PostgreSQL keeps the parameter types a statement was
/// first prepared with, so once a NULL went through, every later non-NULL 8-byte value for
/// that parameter on that connection is refused ("incorrect binary data format"). This
/// sends NULL as the kind the driver turns into `float8`; SQLite does not mind either way.
#[derive(Debug, Clone, Copy)]
pub struct NullableF64(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for NullableF64 {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for NullableF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(value) => <f64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&value, buf),
            // The driver's swapped mapping turns a NULL `f32` into a NULL `float8`.
            None => <Option<f32> as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Backend(format!(
        "column {column} holds an unreadable value {value:?}"
    ))
}

pub fn get_str(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(col).map_err(db_err)
}

pub fn get_opt_str(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(col).map_err(db_err)
}

/// PostgreSQL has a boolean type; SQLite keeps booleans as integers.
pub fn get_bool(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => row.try_get::<i64, _>(col).map(|i| i != 0).map_err(db_err),
    }
}

pub fn get_i64(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).map_err(db_err)
}

pub fn get_opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    row.try_get::<Option<i64>, _>(col).map_err(db_err)
}

pub fn get_opt_f64(row: &AnyRow, col: &str) -> Result<Option<f64>, StoreError> {
    row.try_get::<Option<f64>, _>(col).map_err(db_err)
}

pub fn get_uuid(row: &AnyRow, col: &str) -> Result<Uuid, StoreError> {
    let s = get_str(row, col)?;
    Uuid::parse_str(&s).map_err(|_| corrupt(col, &s))
}

pub fn get_opt_uuid(row: &AnyRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    match get_opt_str(row, col)? {
        Some(s) => Uuid::parse_str(&s).map(Some).map_err(|_| corrupt(col, &s)),
        None => Ok(None),
    }
}

pub fn parse_ts(col: &str, s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(col, s))
}

pub fn get_ts(row: &AnyRow, col: &str) -> Result<DateTime<Utc>, StoreError> {
    parse_ts(col, &get_str(row, col)?)
}

pub fn get_opt_ts(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    get_opt_str(row, col)?
        .map(|s| parse_ts(col, &s))
        .transpose()
}

pub fn get_local_ts(row: &AnyRow, col: &str) -> Result<NaiveDateTime, StoreError> {
    let s = get_str(row, col)?;
    NaiveDateTime::parse_from_str(&s, LOCAL_FORMAT).map_err(|_| corrupt(col, &s))
}

pub fn get_opt_local_ts(row: &AnyRow, col: &str) -> Result<Option<NaiveDateTime>, StoreError> {
    get_opt_str(row, col)?
        .map(|s| NaiveDateTime::parse_from_str(&s, LOCAL_FORMAT).map_err(|_| corrupt(col, &s)))
        .transpose()
}
