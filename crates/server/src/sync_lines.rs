//! Sync stream lines as JSON: each row in the `Sync*V*` shape its line type names.

use std::str::FromStr;

use base64::Engine;
use serde::Serialize;
use shoebox_api_types::albums::{AlbumUserRole, AssetOrder};
use shoebox_api_types::assets::{AssetTypeEnum, AssetVisibility};
use shoebox_api_types::memories::MemoryType;
use shoebox_api_types::sync::*;
use shoebox_api_types::users::UserAvatarColor;
use shoebox_domain::sync::{SyncEntityType as E, SyncLine};
use shoebox_store::records::{AssetKind, AssetRecord, UserRecord};
use shoebox_store::sync::{SyncRow, SyncTombstone};

use crate::dto::local_date_time;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn user(u: &UserRecord) -> SyncUserV1 {
    SyncUserV1 {
        id: u.id.to_string(),
        name: u.name.clone(),
        email: u.email.clone(),
        avatar_color: u
            .avatar_color
            .as_deref()
            .and_then(|c| UserAvatarColor::from_str(c).ok()),
        deleted_at: u.deleted_at,
        has_profile_image: !u.profile_image_path.is_empty(),
        profile_changed_at: u.profile_changed_at,
    }
}

fn auth_user(u: &UserRecord, usage: i64) -> SyncAuthUserV1 {
    let base = user(u);
    SyncAuthUserV1 {
        id: base.id,
        name: base.name,
        email: base.email,
        avatar_color: base.avatar_color,
        deleted_at: base.deleted_at,
        has_profile_image: base.has_profile_image,
        profile_changed_at: base.profile_changed_at,
        is_admin: u.is_admin,
        oauth_id: u.oauth_id.clone(),
        pin_code: None,
        quota_size_in_bytes: u.quota_size_bytes,
        quota_usage_in_bytes: usage,
        storage_label: u.storage_label.clone(),
    }
}

/// The asset as `SyncAssetV2` (`duration` in milliseconds).
pub fn asset_v2(a: &AssetRecord) -> SyncAssetV2<i64> {
    SyncAssetV2 {
        id: a.id.to_string(),
        owner_id: a.owner_id.to_string(),
        original_file_name: a.original_file_name.clone(),
        thumbhash: a.thumbhash.as_deref().map(b64),
        checksum: b64(&a.checksum),
        file_created_at: Some(a.file_created_at),
        file_modified_at: Some(a.file_modified_at),
        local_date_time: Some(local_date_time(a.local_date_time)),
        duration: a.duration.as_deref().and_then(|d| d.parse().ok()),
        asset_type: match a.kind {
            AssetKind::Image => AssetTypeEnum::Image,
            AssetKind::Video => AssetTypeEnum::Video,
        },
        deleted_at: a.deleted_at,
        is_favorite: a.is_favorite,
        visibility: AssetVisibility::from_str(&a.visibility).unwrap_or(AssetVisibility::Timeline),
        live_photo_video_id: a.live_photo_video_id.map(|id| id.to_string()),
        stack_id: a.stack_id.map(|id| id.to_string()),
        library_id: None,
        width: a.width,
        height: a.height,
        is_edited: false,
        created_at: Some(a.created_at),
    }
}

pub fn asset_exif(a: &AssetRecord) -> SyncAssetExifV1 {
    let e = &a.exif;
    SyncAssetExifV1 {
        asset_id: a.id.to_string(),
        description: Some(e.description.clone()),
        exif_image_width: e.exif_image_width,
        exif_image_height: e.exif_image_height,
        file_size_in_byte: Some(a.file_size),
        orientation: e.orientation.clone(),
        date_time_original: e.date_time_original,
        modify_date: e.modify_date,
        time_zone: e.time_zone.clone(),
        latitude: e.latitude,
        longitude: e.longitude,
        projection_type: e.projection_type.clone(),
        city: e.city.clone(),
        state: e.state.clone(),
        country: e.country.clone(),
        make: e.make.clone(),
        model: e.model.clone(),
        lens_model: e.lens_model.clone(),
        f_number: e.f_number,
        focal_length: e.focal_length,
        iso: e.iso,
        exposure_time: e.exposure_time.clone(),
        profile_description: None,
        rating: e.rating,
        fps: None,
    }
}

fn id2(t: &SyncTombstone) -> String {
    t.id2.clone().unwrap_or_default()
}

/// A row the line's type cannot carry: a bug in the stream, reported, never sent.
#[derive(Debug)]
pub struct Mismatch(pub E);

/// The line as JSON followed by a newline.
pub fn encode(line: &SyncLine) -> Result<Vec<u8>, Mismatch> {
    fn to<T: Serialize>(entity: E, data: T, ack: &str) -> Vec<u8> {
        let mut out = serde_json::to_vec(&SyncLineDto {
            entity_type: entity.as_str(),
            data,
            ack,
        })
        .expect("sync lines serialise");
        out.push(b'\n');
        out
    }
    let e = line.entity;
    let ack = line.ack.as_str();
    let Some(row) = &line.row else {
        return match e {
            E::SyncAckV1 | E::SyncResetV1 | E::SyncCompleteV1 => Ok(to(e, EmptyDto {}, ack)),
            _ => Err(Mismatch(e)),
        };
    };
    Ok(match (e, row) {
        (E::AuthUserV1, SyncRow::AuthUser(u, usage)) => to(e, auth_user(u, *usage), ack),
        (E::UserV1, SyncRow::User(u)) => to(e, user(u), ack),
        (E::UserDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncUserDeleteV1 {
                user_id: t.id1.clone(),
            },
            ack,
        ),
        (E::PartnerV1, SyncRow::Partner(p)) => to(
            e,
            SyncPartnerV1 {
                shared_by_id: p.shared_by_id.to_string(),
                shared_with_id: p.shared_with_id.to_string(),
                in_timeline: p.in_timeline,
            },
            ack,
        ),
        (E::PartnerDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncPartnerDeleteV1 {
                shared_by_id: t.id1.clone(),
                shared_with_id: id2(t),
            },
            ack,
        ),
        (
            E::AssetV2
            | E::PartnerAssetV2
            | E::PartnerAssetBackfillV2
            | E::AlbumAssetCreateV2
            | E::AlbumAssetUpdateV2
            | E::AlbumAssetBackfillV2,
            SyncRow::Asset(a),
        ) => to(e, asset_v2(a), ack),
        (E::AssetDeleteV1 | E::PartnerAssetDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAssetDeleteV1 {
                asset_id: t.id1.clone(),
            },
            ack,
        ),
        (
            E::AssetExifV1
            | E::PartnerAssetExifV1
            | E::PartnerAssetExifBackfillV1
            | E::AlbumAssetExifCreateV1
            | E::AlbumAssetExifUpdateV1
            | E::AlbumAssetExifBackfillV1,
            SyncRow::Exif(a),
        ) => to(e, asset_exif(a), ack),
        (E::AlbumV1, SyncRow::Album(a)) => to(
            e,
            SyncAlbumV1 {
                id: a.id.to_string(),
                owner_id: a.owner_id.to_string(),
                name: a.album_name.clone(),
                description: a.description.clone(),
                created_at: a.created_at,
                updated_at: a.updated_at,
                thumbnail_asset_id: a.thumbnail_asset_id.map(|id| id.to_string()),
                is_activity_enabled: a.is_activity_enabled,
                order: AssetOrder::from_str(&a.order).unwrap_or(AssetOrder::Desc),
            },
            ack,
        ),
        (E::AlbumV2, SyncRow::Album(a)) => to(
            e,
            SyncAlbumV2 {
                id: a.id.to_string(),
                name: a.album_name.clone(),
                description: a.description.clone(),
                created_at: a.created_at,
                updated_at: a.updated_at,
                thumbnail_asset_id: a.thumbnail_asset_id.map(|id| id.to_string()),
                is_activity_enabled: a.is_activity_enabled,
                order: AssetOrder::from_str(&a.order).unwrap_or(AssetOrder::Desc),
            },
            ack,
        ),
        (E::AlbumDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAlbumDeleteV1 {
                album_id: t.id1.clone(),
            },
            ack,
        ),
        (E::AlbumUserV1 | E::AlbumUserBackfillV1, SyncRow::AlbumUser(m)) => to(
            e,
            SyncAlbumUserV1 {
                album_id: m.album_id.to_string(),
                user_id: m.user_id.to_string(),
                role: AlbumUserRole::from_str(&m.role).unwrap_or(AlbumUserRole::Viewer),
            },
            ack,
        ),
        (E::AlbumUserDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAlbumUserDeleteV1 {
                album_id: t.id1.clone(),
                user_id: id2(t),
            },
            ack,
        ),
        (
            E::AlbumToAssetV1 | E::AlbumToAssetBackfillV1,
            SyncRow::AlbumToAsset { album_id, asset_id },
        ) => to(
            e,
            SyncAlbumToAssetV1 {
                album_id: album_id.to_string(),
                asset_id: asset_id.to_string(),
            },
            ack,
        ),
        (E::AlbumToAssetDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAlbumToAssetV1 {
                album_id: t.id1.clone(),
                asset_id: id2(t),
            },
            ack,
        ),
        (E::StackV1 | E::PartnerStackV1 | E::PartnerStackBackfillV1, SyncRow::Stack(s)) => to(
            e,
            SyncStackV1 {
                id: s.id.to_string(),
                owner_id: s.owner_id.to_string(),
                primary_asset_id: s.primary_asset_id.to_string(),
                created_at: s.created_at,
                updated_at: s.updated_at,
            },
            ack,
        ),
        (E::StackDeleteV1 | E::PartnerStackDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncStackDeleteV1 {
                stack_id: t.id1.clone(),
            },
            ack,
        ),
        (E::MemoryV1, SyncRow::Memory(m)) => to(
            e,
            SyncMemoryV1 {
                id: m.id.to_string(),
                owner_id: m.owner_id.to_string(),
                memory_type: MemoryType::from_str(&m.memory_type).unwrap_or(MemoryType::OnThisDay),
                data: m.data.clone(),
                is_saved: m.is_saved,
                memory_at: m.memory_at,
                seen_at: m.seen_at,
                show_at: m.show_at,
                hide_at: m.hide_at,
                created_at: m.created_at,
                updated_at: m.updated_at,
                deleted_at: m.deleted_at,
            },
            ack,
        ),
        (E::MemoryDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncMemoryDeleteV1 {
                memory_id: t.id1.clone(),
            },
            ack,
        ),
        (
            E::MemoryToAssetV1,
            SyncRow::MemoryToAsset {
                memory_id,
                asset_id,
            },
        ) => to(
            e,
            SyncMemoryAssetV1 {
                memory_id: memory_id.to_string(),
                asset_id: asset_id.to_string(),
            },
            ack,
        ),
        (E::MemoryToAssetDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncMemoryAssetV1 {
                memory_id: t.id1.clone(),
                asset_id: id2(t),
            },
            ack,
        ),
        (E::PersonV1, SyncRow::Person(p)) => to(
            e,
            SyncPersonV1 {
                id: p.id.to_string(),
                owner_id: p.owner_id.to_string(),
                name: p.name.clone(),
                // A date, written as Immich writes its date columns: midnight UTC.
                birth_date: p
                    .birth_date
                    .map(|d| d.format("%Y-%m-%dT00:00:00.000Z").to_string()),
                color: p.color.clone(),
                face_asset_id: p.feature_face_id.map(|id| id.to_string()),
                is_favorite: p.is_favorite,
                is_hidden: p.is_hidden,
                created_at: p.created_at,
                updated_at: p.updated_at,
            },
            ack,
        ),
        (E::PersonDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncPersonDeleteV1 {
                person_id: t.id1.clone(),
            },
            ack,
        ),
        (E::AssetFaceV2, SyncRow::Face(f)) => to(
            e,
            SyncAssetFaceV2 {
                id: f.id.to_string(),
                asset_id: f.asset_id.to_string(),
                person_id: f.person_id.map(|id| id.to_string()),
                image_width: f.image_width,
                image_height: f.image_height,
                bounding_box_x1: f.x1,
                bounding_box_y1: f.y1,
                bounding_box_x2: f.x2,
                bounding_box_y2: f.y2,
                source_type: f.source_type.clone(),
                deleted_at: None,
                is_visible: true,
            },
            ack,
        ),
        (E::AssetFaceDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAssetFaceDeleteV1 {
                asset_face_id: t.id1.clone(),
            },
            ack,
        ),
        (E::AssetOcrV1, SyncRow::Ocr(o)) => to(
            e,
            SyncAssetOcrV1 {
                id: o.id.to_string(),
                asset_id: o.asset_id.to_string(),
                text: o.text.clone(),
                box_score: o.box_score,
                text_score: o.text_score,
                is_visible: true,
                x1: o.x1,
                y1: o.y1,
                x2: o.x2,
                y2: o.y2,
                x3: o.x3,
                y3: o.y3,
                x4: o.x4,
                y4: o.y4,
            },
            ack,
        ),
        (E::AssetOcrDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAssetOcrDeleteV1 {
                id: t.id1.clone(),
                asset_id: id2(t),
                deleted_at: t.deleted_at,
            },
            ack,
        ),
        (
            E::UserMetadataV1,
            SyncRow::UserMetadata {
                user_id,
                key,
                value,
            },
        ) => to(
            e,
            SyncUserMetadataV1 {
                user_id: user_id.to_string(),
                key: key.clone(),
                value: value.clone(),
            },
            ack,
        ),
        (
            E::AssetMetadataV1,
            SyncRow::AssetMetadata {
                asset_id,
                key,
                value,
            },
        ) => to(
            e,
            SyncAssetMetadataV1 {
                asset_id: asset_id.to_string(),
                key: key.clone(),
                value: value.clone(),
            },
            ack,
        ),
        (E::AssetMetadataDeleteV1, SyncRow::Deleted(t)) => to(
            e,
            SyncAssetMetadataDeleteV1 {
                asset_id: t.id1.clone(),
                key: id2(t),
            },
            ack,
        ),
        _ => return Err(Mismatch(e)),
    })
}
