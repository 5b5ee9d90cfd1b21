//! Facts about the server as a whole: storage and usage.

use shoebox_store::records::UserUsage;

use crate::storage::DiskUsage;
use crate::{Domain, DomainResult};

impl Domain {
    pub fn disk_usage(&self) -> DomainResult<DiskUsage> {
        Ok(self.storage.disk_usage()?)
    }

    pub async fn usage_by_user(&self) -> DomainResult<Vec<UserUsage>> {
        Ok(self.store.assets.usage_by_user().await?)
    }

    pub async fn is_initialized(&self) -> DomainResult<bool> {
        Ok(self.store.users.admin_exists().await?)
    }
}
