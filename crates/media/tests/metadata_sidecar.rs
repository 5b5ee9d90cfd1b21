//! Date precedence, time-zone inference and XMP sidecar overlay, on small JPEGs built here.

use std::io::Cursor;

use chrono::NaiveDateTime;
use shoebox_media::metadata::read_metadata_from;
use shoebox_media::{
    DateSource, ImageFormat, ReadOptions, ZoneLookup, ZoneSource, merge_sidecar,
    read_metadata_with_sidecar, sidecar_candidates,
};

/// One IFD entry: tag, type, count, value bytes (big-endian).
type Entry = (u16, u16, u32, Vec<u8>);

fn ascii(tag: u16, s: &str) -> Entry {
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    (tag, 2, b.len() as u32, b)
}

fn short(tag: u16, v: u16) -> Entry {
    (tag, 3, 1, v.to_be_bytes().to_vec())
}

fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
    let b = values
        .iter()
        .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
        .collect();
    (tag, 5, values.len() as u32, b)
}

/// A big-endian TIFF with IFD0, an Exif IFD and a GPS IFD.
fn tiff(ifd0: Vec<Entry>, exif: Vec<Entry>, gps: Vec<Entry>) -> Vec<u8> {
    let mut ifd0 = ifd0;
    // Pointers are patched below; reserve their entries.
    ifd0.push((0x8769, 4, 1, vec![0; 4]));
    ifd0.push((0x8825, 4, 1, vec![0; 4]));
    let ifds = [ifd0, exif, gps];
    let size = |n: usize| 2 + 12 * n + 4;
    let mut starts = Vec::new();
    let mut pos = 8;
    for ifd in &ifds {
        starts.push(pos);
        pos += size(ifd.len());
    }
    let mut data_pos = pos;
    let mut out = b"MM\0*".to_vec();
    out.extend_from_slice(&8u32.to_be_bytes());
    let mut data = Vec::new();
    for (i, ifd) in ifds.iter().enumerate() {
        let mut entries = ifd.clone();
        if i == 0 {
            let n = entries.len();
            entries[n - 2].3 = (starts[1] as u32).to_be_bytes().to_vec();
            entries[n - 1].3 = (starts[2] as u32).to_be_bytes().to_vec();
        }
        entries.sort_by_key(|e| e.0);
        out.extend_from_slice(&(entries.len() as u16).to_be_bytes());
        for (tag, kind, count, value) in entries {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&kind.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            if value.len() <= 4 {
                let mut v = value.clone();
                v.resize(4, 0);
                out.extend_from_slice(&v);
            } else {
                out.extend_from_slice(&(data_pos as u32).to_be_bytes());
                data.extend_from_slice(&value);
                data_pos += value.len();
                if value.len() % 2 == 1 {
                    data.push(0);
                    data_pos += 1;
                }
            }
        }
        out.extend_from_slice(&0u32.to_be_bytes());
    }
    out.extend_from_slice(&data);
    out
}

/// SOI, an EXIF APP1, a SOF0 of `width`×`height`, EOI.
fn jpeg(tiff: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn camera_jpeg() -> Vec<u8> {
    jpeg(
        &tiff(
            vec![
                ascii(0x010e, "OLYMPUS DIGITAL CAMERA"),
                ascii(0x010f, "Canon"),
                ascii(0x0110, "Canon EOS 5D"),
                short(0x0112, 6),
            ],
            vec![
                rationals(0x829a, &[(1, 250)]),
                rationals(0x829d, &[(28, 10)]),
                short(0x8827, 400),
                ascii(0x9003, "2020:01:02 10:11:12"),
                ascii(0x9004, "2020:01:02 10:11:12"),
                ascii(0x9011, "+01:00"),
                ascii(0x9291, "345"),
                rationals(0x920a, &[(50, 1)]),
            ],
            vec![
                ascii(0x0001, "N"),
                rationals(0x0002, &[(48, 1), (51, 1), (1800, 100)]),
                ascii(0x0003, "W"),
                rationals(0x0004, &[(2, 1), (21, 1), (0, 1)]),
            ],
        ),
        640,
        480,
    )
}

fn read(bytes: Vec<u8>) -> shoebox_media::ImageMetadata {
    read_metadata_from(Cursor::new(bytes), &ReadOptions::default()).unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

#[test]
fn reads_a_camera_jpeg() {
    let m = read(camera_jpeg());
    assert_eq!(m.format, ImageFormat::Jpeg);
    assert_eq!((m.width, m.height), (Some(640), Some(480)));
    assert_eq!(m.orientation, Some(6));
    assert_eq!(m.make.as_deref(), Some("Canon"));
    assert_eq!(m.model.as_deref(), Some("Canon EOS 5D"));
    assert_eq!(m.exposure_time.as_deref(), Some("1/250"));
    assert_eq!(m.f_number, Some(2.8));
    assert_eq!(m.iso, Some(400));
    assert_eq!(m.focal_length, Some(50.0));
    let d = m.date_taken.unwrap();
    assert_eq!(d.source, DateSource::SubSecDateTimeOriginal);
    assert_eq!(d.local, dt("2020-01-02 10:11:12.345"));
    assert_eq!(d.offset_seconds, Some(3600));
    assert_eq!(
        d.with_offset().unwrap().to_rfc3339(),
        "2020-01-02T10:11:12.345+01:00"
    );
    assert_eq!(m.time_zone.unwrap().source, ZoneSource::OffsetTimeOriginal);
    assert_eq!(m.time_zone.unwrap().immich_name(), "UTC+1");
    assert!((m.latitude.unwrap() - 48.855).abs() < 1e-9);
    assert!((m.longitude.unwrap() + 2.35).abs() < 1e-9);
    assert_eq!(m.description.as_deref(), Some("OLYMPUS DIGITAL CAMERA"));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

const IMMICH_SIDECAR: &str = r#"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about=''
  xmlns:dc='http://purl.org/dc/elements/1.1/'
  xmlns:exif='http://ns.adobe.com/exif/1.0/'
  xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/'
  xmlns:tiff='http://ns.adobe.com/tiff/1.0/'
  xmlns:xmp='http://ns.adobe.com/xap/1.0/'
  xmlns:digiKam='http://www.digikam.org/ns/1.0/'>
  <dc:description><rdf:Alt><rdf:li xml:lang='x-default'>At the lake</rdf:li></rdf:Alt></dc:description>
  <tiff:ImageDescription><rdf:Alt><rdf:li xml:lang='x-default'>At the lake</rdf:li></rdf:Alt></tiff:ImageDescription>
  <photoshop:DateCreated>2021-06-01T12:00:00</photoshop:DateCreated>
  <exif:GPSLatitude>46,30.0N</exif:GPSLatitude>
  <exif:GPSLongitude>6,36.0E</exif:GPSLongitude>
  <xmp:Rating>4</xmp:Rating>
  <digiKam:TagsList><rdf:Seq><rdf:li>Trips/Lake</rdf:li></rdf:Seq></digiKam:TagsList>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>"#;

#[test]
fn sidecar_values_win() {
    let media = read(camera_jpeg());
    let m = merge_sidecar(media, IMMICH_SIDECAR.as_bytes());
    assert_eq!(m.description.as_deref(), Some("At the lake"));
    assert_eq!(m.rating, Some(4));
    assert_eq!(m.tags, vec!["Trips/Lake".to_string()]);
    assert!((m.latitude.unwrap() - 46.5).abs() < 1e-9);
    assert!((m.longitude.unwrap() - 6.6).abs() < 1e-9);
    // The sidecar's date replaces every media date; its wall-clock time keeps the media's
    // zone, as Immich's merged `timeZone` does.
    let d = m.date_taken.unwrap();
    assert_eq!(d.source, DateSource::DateCreated);
    assert_eq!(d.local, dt("2021-06-01 12:00:00"));
    assert_eq!(d.offset_seconds, Some(3600));
    // What the sidecar does not have comes from the media.
    assert_eq!(m.make.as_deref(), Some("Canon"));
    assert_eq!(m.orientation, Some(6));
    assert_eq!((m.width, m.height), (Some(640), Some(480)));
}

#[test]
fn sidecar_date_with_its_own_offset_keeps_it() {
    let media = read(camera_jpeg());
    let xmp = IMMICH_SIDECAR.replace("2021-06-01T12:00:00<", "2021-06-01T12:00:00-04:00<");
    let m = merge_sidecar(media, xmp.as_bytes());
    let d = m.date_taken.unwrap();
    assert_eq!(d.offset_seconds, Some(-4 * 3600));
    assert_eq!(m.time_zone.unwrap().offset_seconds, -4 * 3600);
    assert_eq!(m.time_zone.unwrap().source, ZoneSource::Datestamp);
}

#[test]
fn sidecar_without_a_date_keeps_the_media_date() {
    let media = read(camera_jpeg());
    let xmp = IMMICH_SIDECAR.replace(
        "<photoshop:DateCreated>2021-06-01T12:00:00</photoshop:DateCreated>",
        "",
    );
    let m = merge_sidecar(media, xmp.as_bytes());
    let d = m.date_taken.unwrap();
    assert_eq!(d.source, DateSource::SubSecDateTimeOriginal);
    assert_eq!(d.local, dt("2020-01-02 10:11:12.345"));
}

#[test]
fn dc_description_alone_does_not_beat_exif_image_description() {
    // Immich reads `ImageDescription || Description` after the overlay, so a sidecar's
    // dc:description shows only where the media has no ImageDescription.
    let media = read(camera_jpeg());
    let xmp = IMMICH_SIDECAR.replace(
        "<tiff:ImageDescription><rdf:Alt><rdf:li xml:lang='x-default'>At the lake</rdf:li></rdf:Alt></tiff:ImageDescription>",
        "",
    );
    let m = merge_sidecar(media, xmp.as_bytes());
    assert_eq!(m.description.as_deref(), Some("OLYMPUS DIGITAL CAMERA"));
}

#[test]
fn a_broken_sidecar_is_a_warning() {
    let media = read(camera_jpeg());
    let before = media.clone();
    let m = merge_sidecar(media, b"<x:xmpmeta><rdf:RDF>");
    assert_eq!(m.date_taken, before.date_taken);
    assert_eq!(m.description, before.description);
    assert_eq!(m.warnings.len(), 1);
}

#[test]
fn sidecar_lookup_order() {
    let [with_ext, without_ext] = sidecar_candidates(std::path::Path::new("/p/IMG_1.HEIC"));
    assert_eq!(with_ext, std::path::Path::new("/p/IMG_1.HEIC.xmp"));
    assert_eq!(without_ext, std::path::Path::new("/p/IMG_1.xmp"));

    let dir = std::env::temp_dir().join(format!("shoebox-sidecar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = dir.join("photo.jpg");
    std::fs::write(&photo, camera_jpeg()).unwrap();
    let rated = |r: u8| IMMICH_SIDECAR.replace("<xmp:Rating>4<", &format!("<xmp:Rating>{r}<"));
    std::fs::write(dir.join("photo.xmp"), rated(2)).unwrap();
    let m = read_metadata_with_sidecar(&photo, &ReadOptions::default()).unwrap();
    assert_eq!(m.rating, Some(2));
    std::fs::write(dir.join("photo.jpg.xmp"), rated(5)).unwrap();
    let m = read_metadata_with_sidecar(&photo, &ReadOptions::default()).unwrap();
    assert_eq!(m.rating, Some(5));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn gps_jpeg(dto: &str, gps_time: [(u32, u32); 3]) -> Vec<u8> {
    jpeg(
        &tiff(
            vec![ascii(0x010f, "NIKON CORPORATION")],
            vec![ascii(0x9003, dto)],
            vec![
                ascii(0x0001, "N"),
                rationals(0x0002, &[(35, 1), (40, 1), (0, 1)]),
                ascii(0x0003, "E"),
                rationals(0x0004, &[(139, 1), (45, 1), (0, 1)]),
                rationals(0x0007, &gps_time),
                ascii(0x001d, "2020:06:01"),
            ],
        ),
        8,
        8,
    )
}

#[test]
fn zone_from_gps_time() {
    let m = read(gps_jpeg("2020:06:01 21:00:00", [(12, 1), (1, 1), (30, 1)]));
    let z = m.time_zone.unwrap();
    assert_eq!(z.source, ZoneSource::GpsTimeDifference);
    assert_eq!(z.offset_seconds, 9 * 3600);
    assert_eq!(m.date_taken.unwrap().offset_seconds, Some(9 * 3600));
    assert_eq!(m.date_taken.unwrap().source, DateSource::DateTimeOriginal);
}

struct FixedZone;

impl ZoneLookup for FixedZone {
    fn offset_seconds(&self, lat: f64, lon: f64, _local: NaiveDateTime) -> Option<i32> {
        assert!((lat - 35.666_666).abs() < 1e-3 && (lon - 139.75).abs() < 1e-3);
        Some(9 * 3600)
    }
}

#[test]
fn zone_from_location_comes_before_gps_time() {
    let lookup = FixedZone;
    let options = ReadOptions {
        zone_lookup: Some(&lookup),
    };
    // GPS time says +8, the location says +9: the location is tried first.
    let bytes = gps_jpeg("2020:06:01 20:00:00", [(12, 1), (0, 1), (0, 1)]);
    let m = read_metadata_from(Cursor::new(bytes), &options).unwrap();
    let z = m.time_zone.unwrap();
    assert_eq!(z.source, ZoneSource::Location);
    assert_eq!(z.offset_seconds, 9 * 3600);
}

#[test]
fn gps_at_zero_zero_is_ignored() {
    let bytes = jpeg(
        &tiff(
            vec![],
            vec![],
            vec![
                ascii(0x0001, "N"),
                rationals(0x0002, &[(0, 1), (0, 1), (0, 1)]),
                ascii(0x0003, "E"),
                rationals(0x0004, &[(0, 1), (0, 1), (0, 1)]),
            ],
        ),
        8,
        8,
    );
    let m = read(bytes);
    assert_eq!((m.latitude, m.longitude), (None, None));
}

#[test]
fn hierarchical_subjects_become_paths() {
    let xmp = r#"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
<rdf:Description xmlns:lr='http://ns.adobe.com/lightroom/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>
<lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Paris</rdf:li><rdf:li>AC/DC</rdf:li></rdf:Bag></lr:hierarchicalSubject>
<dc:subject><rdf:Bag><rdf:li>Paris</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let m = shoebox_media::read_sidecar(xmp.as_bytes()).unwrap();
    assert_eq!(
        m.tags,
        vec!["Places/Paris".to_string(), "AC|DC".to_string()]
    );
    assert_eq!(m.keywords, vec!["Paris".to_string()]);
    assert_eq!(m.hierarchical_subjects.len(), 2);
}
