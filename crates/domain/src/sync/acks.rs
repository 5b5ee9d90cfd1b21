//! Acknowledgements: `<type>|<position>[|<extra>]`, as the stream hands them out and the
//! client sends them back. Backfill acks name the parent's starting position and how far
//! into it the client got, or `complete`.

use std::fmt;

use shoebox_store::sync::SyncPosition;

use super::SyncEntityType;
use crate::{DomainError, DomainResult};

const COMPLETE: &str = "complete";
/// The position part of the acks that carry none (`SyncResetV1|reset`).
const RESET: &str = "reset";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckExtra {
    None,
    /// A backfill reached this row of the parent.
    At(SyncPosition),
    /// A backfill sent every row of the parent.
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    pub entity: SyncEntityType,
    pub position: SyncPosition,
    pub extra: AckExtra,
}

impl Ack {
    pub fn plain(entity: SyncEntityType, position: SyncPosition) -> Self {
        Self {
            entity,
            position,
            extra: AckExtra::None,
        }
    }

    pub fn backfill(entity: SyncEntityType, parent: SyncPosition, extra: AckExtra) -> Self {
        Self {
            entity,
            position: parent,
            extra,
        }
    }

    pub fn parse(raw: &str) -> DomainResult<Self> {
        let mut parts = raw.split('|');
        let kind = parts.next().unwrap_or_default();
        let entity = SyncEntityType::parse(kind)
            .ok_or_else(|| DomainError::BadRequest(format!("Invalid ack type: {kind}")))?;
        let invalid = || DomainError::BadRequest(format!("Invalid ack: {raw}"));
        let position = match parts.next() {
            Some(RESET) if entity == SyncEntityType::SyncResetV1 => SyncPosition::default(),
            Some(p) => p.parse().map_err(|_| invalid())?,
            None if entity == SyncEntityType::SyncResetV1 => SyncPosition::default(),
            None => return Err(invalid()),
        };
        let extra = match parts.next() {
            None => AckExtra::None,
            Some(COMPLETE) => AckExtra::Complete,
            Some(p) => AckExtra::At(p.parse().map_err(|_| invalid())?),
        };
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(Self {
            entity,
            position,
            extra,
        })
    }

    /// Whether this ack is further along than `other` (of the same type).
    pub fn is_after(&self, other: &Ack) -> bool {
        let rank = |e: AckExtra| match e {
            AckExtra::None => (0, SyncPosition::default()),
            AckExtra::At(p) => (1, p),
            AckExtra::Complete => (2, SyncPosition::default()),
        };
        (self.position, rank(self.extra)) > (other.position, rank(other.extra))
    }
}

impl fmt::Display for Ack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.entity.as_str(), self.position)?;
        match self.extra {
            AckExtra::None => Ok(()),
            AckExtra::At(p) => write!(f, "|{p}"),
            AckExtra::Complete => write!(f, "|{COMPLETE}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(xid: i64, id: i64) -> SyncPosition {
        SyncPosition { xid, id }
    }

    #[test]
    fn acks_read_back_as_written() {
        for ack in [
            Ack::plain(SyncEntityType::AssetV2, pos(0, 42)),
            Ack::backfill(
                SyncEntityType::PartnerAssetBackfillV2,
                pos(7, 3),
                AckExtra::At(pos(6, 9)),
            ),
            Ack::backfill(
                SyncEntityType::AlbumUserBackfillV1,
                pos(7, 3),
                AckExtra::Complete,
            ),
        ] {
            assert_eq!(Ack::parse(&ack.to_string()).unwrap(), ack);
        }
    }

    #[test]
    fn unknown_types_and_garbled_positions_are_refused() {
        for raw in [
            "NopeV1|0-1",
            "AssetV2",
            "AssetV2|x",
            "AssetV2|1-2|3-4|5",
            "AssetV2|1-2|x",
        ] {
            assert!(
                matches!(Ack::parse(raw), Err(DomainError::BadRequest(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_later_position_or_a_finished_backfill_is_further_along() {
        let a = Ack::plain(SyncEntityType::AssetV2, pos(0, 5));
        let b = Ack::plain(SyncEntityType::AssetV2, pos(1, 1));
        assert!(b.is_after(&a) && !a.is_after(&b));
        let e = SyncEntityType::PartnerAssetBackfillV2;
        let partial = Ack::backfill(e, pos(0, 5), AckExtra::At(pos(0, 9)));
        let done = Ack::backfill(e, pos(0, 5), AckExtra::Complete);
        assert!(done.is_after(&partial));
    }
}
