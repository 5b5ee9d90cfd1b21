//! User, admin-user and user-preference DTOs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::albums::AssetOrder;
use crate::common::{double_option, timestamp};

string_enum! {
    pub enum UserAvatarColor {
        Primary = "primary",
        Pink = "pink",
        Red = "red",
        Yellow = "yellow",
        Blue = "blue",
        Green = "green",
        Purple = "purple",
        Orange = "orange",
        Gray = "gray",
        Amber = "amber",
    }
}

string_enum! {
    pub enum UserStatus {
        Active = "active",
        Removing = "removing",
        Deleted = "deleted",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLicense {
    /// Format `IMSV-xxxx-…` / `IMCL-xxxx-…` (eight groups of four).
    pub license_key: String,
    pub activation_key: String,
    #[serde(with = "timestamp")]
    pub activated_at: DateTime<Utc>,
}

/// The public view of a user (album members, asset owners, user search).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponseDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile_image_path: String,
    pub avatar_color: UserAvatarColor,
    #[serde(with = "timestamp")]
    pub profile_changed_at: DateTime<Utc>,
}

/// The full view of a user, returned to the user themself and to admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminResponseDto {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile_image_path: String,
    pub avatar_color: UserAvatarColor,
    #[serde(with = "timestamp")]
    pub profile_changed_at: DateTime<Utc>,
    pub storage_label: Option<String>,
    pub should_change_password: bool,
    pub is_admin: bool,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "timestamp::option")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Empty string when the account is not linked to an OAuth identity.
    pub oauth_id: String,
    pub quota_size_in_bytes: Option<i64>,
    pub quota_usage_in_bytes: Option<i64>,
    pub status: UserStatus,
    pub license: Option<UserLicense>,
    /// Required by SDK 3.2.2 (absent from the 3.0.0 OpenAPI document).
    pub cluster_group_id: String,
}

impl UserAdminResponseDto {
    pub fn to_user(&self) -> UserResponseDto {
        UserResponseDto {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            profile_image_path: self.profile_image_path.clone(),
            avatar_color: self.avatar_color,
            profile_changed_at: self.profile_changed_at,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminCreateDto {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_color: Option<UserAvatarColor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    /// Send a welcome e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Six digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_size_in_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_change_password: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_label: Option<String>,
}

/// Nullable fields use `Option<Option<_>>`: absent = unchanged, `null` = clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminUpdateDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_change_password: Option<bool>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar_color: Option<Option<UserAvatarColor>>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub pin_code: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub quota_size_in_bytes: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_label: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminDeleteDto {
    /// Delete immediately instead of after the configured delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdateMeDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated upstream in favour of the change-password endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option::deserialize",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar_color: Option<Option<UserAvatarColor>>,
}

// ---------------------------------------------------------------------------
// Preferences (response)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPreferencesResponseDto {
    pub albums: AlbumsResponse,
    pub cast: CastResponse,
    pub download: DownloadResponse,
    pub email_notifications: EmailNotificationsResponse,
    pub folders: FoldersResponse,
    pub memories: MemoriesResponse,
    pub people: PeopleResponse,
    pub purchase: PurchaseResponse,
    pub ratings: RatingsResponse,
    pub recently_added: RecentlyAddedResponse,
    pub shared_links: SharedLinksResponse,
    pub tags: TagsResponse,
}

/// Immich's defaults for a user who never saved a preference.
impl Default for UserPreferencesResponseDto {
    fn default() -> Self {
        Self {
            albums: AlbumsResponse {
                default_asset_order: AssetOrder::Desc,
            },
            cast: CastResponse {
                g_cast_enabled: false,
            },
            download: DownloadResponse {
                archive_size: 4 * 1024 * 1024 * 1024,
                include_embedded_videos: false,
            },
            email_notifications: EmailNotificationsResponse {
                enabled: true,
                album_invite: true,
                album_update: true,
            },
            folders: FoldersResponse {
                enabled: false,
                sidebar_web: false,
            },
            memories: MemoriesResponse {
                enabled: true,
                duration: 5,
                sidebar_web: false,
            },
            people: PeopleResponse {
                enabled: true,
                sidebar_web: false,
                minimum_faces: Some(3),
            },
            purchase: PurchaseResponse {
                show_support_badge: true,
                hide_buy_button_until: "2022-02-12T00:00:00.000Z".to_owned(),
            },
            ratings: RatingsResponse { enabled: false },
            recently_added: RecentlyAddedResponse { sidebar_web: false },
            shared_links: SharedLinksResponse {
                enabled: true,
                sidebar_web: false,
            },
            tags: TagsResponse {
                enabled: false,
                sidebar_web: false,
            },
        }
    }
}

impl UserPreferencesResponseDto {
    /// Merges a partial update. `update.avatar` is not a preference (it
    /// changes the user's avatar colour) and is left to the caller.
    pub fn apply(&mut self, update: &UserPreferencesUpdateDto) {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(v) = value {
                *target = v.clone();
            }
        }

        if let Some(u) = &update.albums {
            set(&mut self.albums.default_asset_order, &u.default_asset_order);
        }
        if let Some(u) = &update.cast {
            set(&mut self.cast.g_cast_enabled, &u.g_cast_enabled);
        }
        if let Some(u) = &update.download {
            set(&mut self.download.archive_size, &u.archive_size);
            set(
                &mut self.download.include_embedded_videos,
                &u.include_embedded_videos,
            );
        }
        if let Some(u) = &update.email_notifications {
            set(&mut self.email_notifications.enabled, &u.enabled);
            set(&mut self.email_notifications.album_invite, &u.album_invite);
            set(&mut self.email_notifications.album_update, &u.album_update);
        }
        if let Some(u) = &update.folders {
            set(&mut self.folders.enabled, &u.enabled);
            set(&mut self.folders.sidebar_web, &u.sidebar_web);
        }
        if let Some(u) = &update.memories {
            set(&mut self.memories.enabled, &u.enabled);
            set(&mut self.memories.duration, &u.duration);
            set(&mut self.memories.sidebar_web, &u.sidebar_web);
        }
        if let Some(u) = &update.people {
            set(&mut self.people.enabled, &u.enabled);
            set(&mut self.people.sidebar_web, &u.sidebar_web);
            if u.minimum_faces.is_some() {
                self.people.minimum_faces = u.minimum_faces;
            }
        }
        if let Some(u) = &update.purchase {
            set(&mut self.purchase.show_support_badge, &u.show_support_badge);
            set(
                &mut self.purchase.hide_buy_button_until,
                &u.hide_buy_button_until,
            );
        }
        if let Some(u) = &update.ratings {
            set(&mut self.ratings.enabled, &u.enabled);
        }
        if let Some(u) = &update.recently_added {
            set(&mut self.recently_added.sidebar_web, &u.sidebar_web);
        }
        if let Some(u) = &update.shared_links {
            set(&mut self.shared_links.enabled, &u.enabled);
            set(&mut self.shared_links.sidebar_web, &u.sidebar_web);
        }
        if let Some(u) = &update.tags {
            set(&mut self.tags.enabled, &u.enabled);
            set(&mut self.tags.sidebar_web, &u.sidebar_web);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumsResponse {
    pub default_asset_order: AssetOrder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CastResponse {
    pub g_cast_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResponse {
    /// Bytes.
    pub archive_size: i64,
    pub include_embedded_videos: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailNotificationsResponse {
    pub enabled: bool,
    pub album_invite: bool,
    pub album_update: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoldersResponse {
    pub enabled: bool,
    pub sidebar_web: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoriesResponse {
    pub enabled: bool,
    /// Seconds each memory is shown.
    pub duration: i64,
    pub sidebar_web: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleResponse {
    pub enabled: bool,
    pub sidebar_web: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_faces: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseResponse {
    pub show_support_badge: bool,
    /// An ISO-8601 string, stored and echoed verbatim.
    pub hide_buy_button_until: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingsResponse {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentlyAddedResponse {
    pub sidebar_web: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinksResponse {
    pub enabled: bool,
    pub sidebar_web: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsResponse {
    pub enabled: bool,
    pub sidebar_web: bool,
}

// ---------------------------------------------------------------------------
// Preferences (update)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPreferencesUpdateDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub albums: Option<AlbumsUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cast: Option<CastUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<DownloadUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_notifications: Option<EmailNotificationsUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folders: Option<FoldersUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memories: Option<MemoriesUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<PeopleUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<PurchaseUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratings: Option<RatingsUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recently_added: Option<RecentlyAddedUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_links: Option<SharedLinksUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagsUpdate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumsUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_asset_order: Option<AssetOrder>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvatarUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<UserAvatarColor>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CastUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub g_cast_enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadUpdate {
    /// Bytes, at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_embedded_videos: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailNotificationsUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_invite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_update: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoldersUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoriesUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Seconds, at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_faces: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_support_badge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_buy_button_until: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingsUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentlyAddedUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedLinksUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidebar_web: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateProfileImageResponseDto {
    pub user_id: String,
    pub profile_image_path: String,
    #[serde(with = "timestamp")]
    pub profile_changed_at: DateTime<Utc>,
}
