//! Records to Immich DTOs: the single place their shapes are decided.

use std::str::FromStr;

use base64::Engine;
use shoebox_api_types::albums::{
    AlbumResponseDto, AlbumUserResponseDto, AlbumUserRole, AssetOrder,
};
use shoebox_api_types::api_keys::ApiKeyResponseDto;
use shoebox_api_types::assets::{
    AssetResponseDto, AssetStackResponseDto, AssetTypeEnum, AssetVisibility, ExifResponseDto,
};
use shoebox_api_types::permission::Permission;
use shoebox_api_types::sessions::SessionResponseDto;
use shoebox_api_types::shared_links::{SharedLinkResponseDto, SharedLinkType};
use shoebox_api_types::tags::TagResponseDto;
use shoebox_api_types::users::{
    UserAdminResponseDto, UserAvatarColor, UserResponseDto, UserStatus,
};
use shoebox_domain::albums::AlbumView;
use shoebox_domain::shared_links::SharedLinkView;
use shoebox_store::records::*;
use uuid::Uuid;

/// A stable colour for users who never picked one, derived from their id.
fn avatar_color(user: &UserRecord) -> UserAvatarColor {
    user.avatar_color
        .as_deref()
        .and_then(|c| UserAvatarColor::from_str(c).ok())
        .unwrap_or_else(|| {
            let all = UserAvatarColor::ALL;
            all[user.id.as_bytes()[15] as usize % all.len()]
        })
}

pub fn user(u: &UserRecord) -> UserResponseDto {
    UserResponseDto {
        id: u.id.to_string(),
        name: u.name.clone(),
        email: u.email.clone(),
        profile_image_path: u.profile_image_path.clone(),
        avatar_color: avatar_color(u),
        profile_changed_at: u.profile_changed_at,
    }
}

pub fn user_admin(u: &UserRecord, usage: Option<i64>) -> UserAdminResponseDto {
    UserAdminResponseDto {
        id: u.id.to_string(),
        name: u.name.clone(),
        email: u.email.clone(),
        profile_image_path: u.profile_image_path.clone(),
        avatar_color: avatar_color(u),
        profile_changed_at: u.profile_changed_at,
        storage_label: u.storage_label.clone(),
        should_change_password: u.should_change_password,
        is_admin: u.is_admin,
        created_at: u.created_at,
        updated_at: u.updated_at,
        deleted_at: u.deleted_at,
        oauth_id: u.oauth_id.clone(),
        quota_size_in_bytes: u.quota_size_bytes,
        quota_usage_in_bytes: usage,
        status: UserStatus::from_str(&u.status).unwrap_or(UserStatus::Active),
        license: None,
        cluster_group_id: String::new(),
    }
}

pub fn api_key(k: &ApiKeyRecord) -> ApiKeyResponseDto {
    ApiKeyResponseDto {
        id: k.id.to_string(),
        name: k.name.clone(),
        permissions: k
            .permissions
            .iter()
            .filter_map(|p| Permission::from_str(p).ok())
            .collect(),
        created_at: k.created_at,
        updated_at: k.updated_at,
    }
}

pub fn session(s: &SessionRecord, current: Option<Uuid>) -> SessionResponseDto {
    SessionResponseDto {
        id: s.id.to_string(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        expires_at: s.expires_at,
        current: current == Some(s.id),
        device_os: s.device_os.clone(),
        device_type: s.device_type.clone(),
        app_version: s.app_version.clone(),
        is_pending_sync_reset: s.is_pending_sync_reset,
    }
}

/// Immich writes a local wall-clock time as if it were UTC.
pub fn local_date_time(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn exif(a: &AssetRecord) -> ExifResponseDto {
    let e = &a.exif;
    ExifResponseDto {
        make: e.make.clone(),
        model: e.model.clone(),
        exif_image_width: e.exif_image_width,
        exif_image_height: e.exif_image_height,
        file_size_in_byte: Some(a.file_size),
        orientation: e.orientation.clone(),
        date_time_original: e.date_time_original,
        modify_date: e.modify_date,
        time_zone: e.time_zone.clone(),
        lens_model: e.lens_model.clone(),
        f_number: e.f_number,
        focal_length: e.focal_length,
        iso: e.iso,
        exposure_time: e.exposure_time.clone(),
        latitude: e.latitude,
        longitude: e.longitude,
        city: e.city.clone(),
        state: e.state.clone(),
        country: e.country.clone(),
        description: Some(e.description.clone()),
        projection_type: e.projection_type.clone(),
        rating: e.rating.map(|r| r as i32),
    }
}

pub fn asset(a: &AssetRecord) -> AssetResponseDto {
    let visibility = AssetVisibility::from_str(&a.visibility).unwrap_or(AssetVisibility::Timeline);
    AssetResponseDto {
        id: a.id.to_string(),
        owner_id: a.owner_id.to_string(),
        owner: None,
        library_id: None,
        checksum: base64::engine::general_purpose::STANDARD.encode(&a.checksum),
        original_path: a.original_path.clone(),
        original_file_name: a.original_file_name.clone(),
        original_mime_type: Some(shoebox_media::mime_type_for(&a.original_file_name).to_string()),
        asset_type: match a.kind {
            AssetKind::Image => AssetTypeEnum::Image,
            AssetKind::Video => AssetTypeEnum::Video,
        },
        thumbhash: a
            .thumbhash
            .as_ref()
            .map(|t| base64::engine::general_purpose::STANDARD.encode(t)),
        file_created_at: a.file_created_at,
        file_modified_at: a.file_modified_at,
        local_date_time: local_date_time(a.local_date_time),
        created_at: a.created_at,
        updated_at: a.updated_at,
        is_favorite: a.is_favorite,
        is_archived: visibility == AssetVisibility::Archive,
        is_trashed: a.deleted_at.is_some(),
        is_offline: false,
        is_edited: false,
        has_metadata: true,
        visibility,
        width: a.width,
        height: a.height,
        duration: a.duration.as_deref().and_then(|d| d.parse().ok()),
        live_photo_video_id: a.live_photo_video_id.map(|id| id.to_string()),
        duplicate_id: a.duplicate_id.map(|id| id.to_string()),
        exif_info: Some(exif(a)),
        tags: None,
        people: Some(Vec::new()),
        stack: None,
        resized: None,
    }
}

pub fn album(view: &AlbumView) -> AlbumResponseDto {
    let a = &view.album;
    let owner = AlbumUserResponseDto {
        user: user(&view.owner),
        role: AlbumUserRole::Owner,
    };
    let members = view.members.iter().map(|(u, role)| AlbumUserResponseDto {
        user: user(u),
        role: AlbumUserRole::from_str(role).unwrap_or(AlbumUserRole::Viewer),
    });
    AlbumResponseDto {
        id: a.id.to_string(),
        album_name: a.album_name.clone(),
        description: a.description.clone(),
        album_thumbnail_asset_id: a.thumbnail_asset_id.map(|t| t.to_string()),
        created_at: a.created_at,
        updated_at: a.updated_at,
        album_users: std::iter::once(owner).chain(members).collect(),
        asset_count: view.summary.asset_count,
        contributor_counts: None,
        start_date: view.summary.start_date.map(|d| d.and_utc()),
        end_date: view.summary.end_date.map(|d| d.and_utc()),
        last_modified_asset_timestamp: view.summary.last_modified_asset_timestamp,
        has_shared_link: view.has_shared_link,
        is_activity_enabled: a.is_activity_enabled,
        order: AssetOrder::from_str(&a.order).ok(),
        shared: !view.members.is_empty(),
    }
}

pub fn asset_stack(s: &StackRecord) -> AssetStackResponseDto {
    AssetStackResponseDto {
        id: s.id.to_string(),
        primary_asset_id: s.primary_asset_id.to_string(),
        asset_count: s.asset_ids.len() as i64,
    }
}

pub fn tag(t: &TagRecord) -> TagResponseDto {
    TagResponseDto {
        id: t.id.to_string(),
        parent_id: t.parent_id.map(|p| p.to_string()),
        name: t.value.rsplit('/').next().unwrap_or_default().to_string(),
        value: t.value.clone(),
        created_at: t.created_at,
        updated_at: t.updated_at,
        color: t.color.clone(),
    }
}

/// An asset as a link that hides metadata shows it: what a viewer needs to display it and
/// nothing about where, when exactly, or with what it was taken (as Immich strips it).
pub fn strip_metadata(mut a: AssetResponseDto) -> AssetResponseDto {
    a.exif_info = None;
    a.tags = None;
    a.people = None;
    a.owner = None;
    a.stack = None;
    a.original_path = String::new();
    a.original_file_name = String::new();
    a.checksum = String::new();
    a.has_metadata = false;
    a
}

/// A shared link; `strip` hides its assets' metadata (for visitors of a link without
/// `showMetadata`).
pub fn shared_link(view: &SharedLinkView, strip: bool) -> SharedLinkResponseDto {
    let l = &view.link;
    SharedLinkResponseDto {
        id: l.id.to_string(),
        description: l.description.clone(),
        password: l.password.clone(),
        user_id: l.user_id.to_string(),
        key: l.key.clone(),
        link_type: SharedLinkType::from_str(&l.link_type).unwrap_or(SharedLinkType::Individual),
        created_at: l.created_at,
        expires_at: l.expires_at,
        assets: view
            .assets
            .iter()
            .map(|a| {
                if strip {
                    strip_metadata(asset(a))
                } else {
                    asset(a)
                }
            })
            .collect(),
        album: view.album.as_ref().map(album),
        allow_upload: l.allow_upload,
        allow_download: l.allow_download,
        show_metadata: l.show_metadata,
        slug: l.slug.clone(),
    }
}

pub fn person(
    p: &shoebox_store::faces::PersonRecord,
) -> shoebox_api_types::people::PersonResponseDto {
    shoebox_api_types::people::PersonResponseDto {
        id: p.id.to_string(),
        name: p.name.clone(),
        birth_date: p.birth_date,
        thumbnail_path: format!("/api/people/{}/thumbnail", p.id),
        is_hidden: p.is_hidden,
        is_favorite: p.is_favorite,
        color: p.color.clone(),
        updated_at: p.updated_at,
    }
}

pub fn face(
    f: &shoebox_store::faces::FaceRecord,
    person: Option<&shoebox_store::faces::PersonRecord>,
) -> shoebox_api_types::people::AssetFaceResponseDto {
    shoebox_api_types::people::AssetFaceResponseDto {
        id: f.id.to_string(),
        image_width: f.image_width,
        image_height: f.image_height,
        bounding_box_x1: f.x1,
        bounding_box_y1: f.y1,
        bounding_box_x2: f.x2,
        bounding_box_y2: f.y2,
        person: person.map(self::person),
        source_type: f.source_type.clone(),
    }
}
