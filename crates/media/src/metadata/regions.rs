//! Named regions (MWG `mwg-rs:Regions`, as Lightroom, digiKam, Picasa and phones write them):
//! the faces a person has already tagged, which Immich imports as people.

use super::ImageMetadata;

/// A region's centre and size as fractions of the image (MWG's "normalized" unit), before
/// the EXIF orientation is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// `mwg-rs:Regions`: the size of the image the regions were drawn on, and the named regions.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInfo {
    pub applied_width: f64,
    pub applied_height: f64,
    pub regions: Vec<Region>,
}

/// A named face, as a box in pixels of the upright image of the given size.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedFace {
    pub name: String,
    pub image_width: i32,
    pub image_height: i32,
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
}

impl ImageMetadata {
    /// The named faces the file carries, turned upright by its orientation as Immich does.
    pub fn tagged_faces(&self) -> Vec<TaggedFace> {
        self.raw
            .regions
            .as_ref()
            .map(|info| tagged_faces(info, self.orientation))
            .unwrap_or_default()
    }
}

fn tagged_faces(info: &RegionInfo, orientation: Option<u16>) -> Vec<TaggedFace> {
    // 5–8 turn the image sideways.
    let sideways = matches!(orientation, Some(5..=8));
    let (width, height) = if sideways {
        (info.applied_height, info.applied_width)
    } else {
        (info.applied_width, info.applied_height)
    };
    if !(width >= 1.0 && height >= 1.0 && width < 1e6 && height < 1e6) {
        return Vec::new();
    }
    info.regions
        .iter()
        .filter(|r| !r.name.trim().is_empty())
        .map(|r| {
            let (x, y) = match orientation.unwrap_or(1) {
                2 => (1.0 - r.x, r.y),
                3 => (1.0 - r.x, 1.0 - r.y),
                4 => (r.x, 1.0 - r.y),
                5 => (r.y, r.x),
                6 => (1.0 - r.y, r.x),
                7 => (1.0 - r.y, 1.0 - r.x),
                8 => (r.y, 1.0 - r.x),
                _ => (r.x, r.y),
            };
            let (w, h) = if sideways { (r.h, r.w) } else { (r.w, r.h) };
            let px = |v: f64, size: f64| (v * size).floor().clamp(0.0, size) as i32;
            TaggedFace {
                name: r.name.trim().to_string(),
                image_width: width as i32,
                image_height: height as i32,
                x1: px(x - w / 2.0, width),
                y1: px(y - h / 2.0, height),
                x2: px(x + w / 2.0, width),
                y2: px(y + h / 2.0, height),
            }
        })
        .filter(|f| f.x2 > f.x1 && f.y2 > f.y1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RegionInfo {
        RegionInfo {
            applied_width: 4000.0,
            applied_height: 3000.0,
            regions: vec![
                Region {
                    name: "Alice".into(),
                    x: 0.25,
                    y: 0.5,
                    w: 0.1,
                    h: 0.2,
                },
                Region {
                    name: " ".into(),
                    x: 0.5,
                    y: 0.5,
                    w: 0.1,
                    h: 0.1,
                },
            ],
        }
    }

    #[test]
    fn named_regions_become_pixel_boxes_and_unnamed_ones_are_skipped() {
        let faces = tagged_faces(&info(), Some(1));
        assert_eq!(
            faces,
            vec![TaggedFace {
                name: "Alice".into(),
                image_width: 4000,
                image_height: 3000,
                x1: 800,
                y1: 1200,
                x2: 1200,
                y2: 1800,
            }]
        );
    }

    #[test]
    fn a_sideways_orientation_turns_the_box_with_the_image() {
        // Orientation 6 (rotate 90° clockwise): the left-middle face moves to the top-middle.
        let face = &tagged_faces(&info(), Some(6))[0];
        assert_eq!((face.image_width, face.image_height), (3000, 4000));
        assert_eq!(
            (face.x1, face.y1, face.x2, face.y2),
            (1200, 800, 1800, 1200)
        );
    }

    #[test]
    fn regions_without_a_usable_image_size_give_no_faces() {
        let mut bad = info();
        bad.applied_width = 0.0;
        assert!(tagged_faces(&bad, None).is_empty());
    }
}
