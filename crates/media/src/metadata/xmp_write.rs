//! Writing a user's edits into an XMP sidecar, the way Immich writes them through exiftool:
//! description, date taken with its offset, GPS position and rating.
//!
//! An existing sidecar is edited, not rebuilt: every occurrence of a property we write is cut
//! out of the text (whichever `rdf:Description` holds it, as attribute or element), and our
//! values go into one `rdf:Description` of their own. Everything else (keywords, camera
//! fields, other namespaces, comments, the packet wrapper) stays byte for byte, so a sidecar
//! from Lightroom or digiKam keeps what Shoebox does not understand.

use std::ops::Range;

use chrono::{DateTime, FixedOffset};
use roxmltree::{Document, Node, ParsingOptions};

use super::xmp::{MAX_XMP_BYTES, trim_packet};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML: &str = "http://www.w3.org/XML/1998/namespace";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const EXIF: &str = "http://ns.adobe.com/exif/1.0/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";

/// The packet a new sidecar starts from: what exiftool writes, minus its toolkit name.
const EMPTY_PACKET: &str = "<?xpacket begin='\u{feff}' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'>
 <rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>
";

/// The edited properties to put in a sidecar; `None` leaves the sidecar's own value alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SidecarEdits {
    /// Written as `dc:description` and `tiff:ImageDescription`, which readers prefer; an
    /// empty description removes both, as exiftool does for an empty value.
    pub description: Option<String>,
    /// `exif:DateTimeOriginal`: the wall-clock time taken, with its UTC offset.
    pub date_time_original: Option<DateTime<FixedOffset>>,
    /// `exif:GPSLatitude` / `exif:GPSLongitude`, from decimal degrees.
    pub position: Option<(f64, f64)>,
    /// `xmp:Rating`: 0 (unrated) to 5, or −1 (rejected).
    pub rating: Option<i32>,
}

/// Why an existing sidecar was left as it was.
#[derive(Debug, thiserror::Error)]
pub enum SidecarWriteError {
    #[error("the sidecar is larger than {MAX_XMP_BYTES} bytes")]
    TooLarge,
    #[error("the sidecar is not UTF-8 text")]
    NotUtf8,
    #[error("the sidecar is not XML: {0}")]
    NotXml(String),
    #[error("the sidecar has no rdf:RDF element")]
    NotXmp,
}

/// One property as it appears in XMP: namespace, local name, and the prefix we declare.
struct Property {
    ns: &'static str,
    prefix: &'static str,
    name: &'static str,
}

const DESCRIPTION: Property = Property {
    ns: DC,
    prefix: "dc",
    name: "description",
};
const IMAGE_DESCRIPTION: Property = Property {
    ns: TIFF,
    prefix: "tiff",
    name: "ImageDescription",
};
const DATE_TIME_ORIGINAL: Property = Property {
    ns: EXIF,
    prefix: "exif",
    name: "DateTimeOriginal",
};
const GPS_LATITUDE: Property = Property {
    ns: EXIF,
    prefix: "exif",
    name: "GPSLatitude",
};
const GPS_LONGITUDE: Property = Property {
    ns: EXIF,
    prefix: "exif",
    name: "GPSLongitude",
};
const RATING: Property = Property {
    ns: XMP,
    prefix: "xmp",
    name: "Rating",
};

/// A property's new value: text, or a language alternative (`rdf:Alt` with `x-default`).
enum Value {
    Text(String),
    LangAlt(String),
}

impl SidecarEdits {
    /// Every property these edits touch, with its new value (`None`: removed, not rewritten).
    fn properties(&self) -> Vec<(&'static Property, Option<Value>)> {
        let mut out = Vec::new();
        if let Some(text) = &self.description {
            let value = || (!text.is_empty()).then(|| Value::LangAlt(text.clone()));
            out.push((&DESCRIPTION, value()));
            out.push((&IMAGE_DESCRIPTION, value()));
        }
        if let Some(date) = self.date_time_original {
            let text = date.format("%Y-%m-%dT%H:%M:%S%.f%:z").to_string();
            out.push((&DATE_TIME_ORIGINAL, Some(Value::Text(text))));
        }
        if let Some((latitude, longitude)) = self.position {
            let (lat, lon) = (
                gps_coordinate(latitude, 'N', 'S'),
                gps_coordinate(longitude, 'E', 'W'),
            );
            out.push((&GPS_LATITUDE, Some(Value::Text(lat))));
            out.push((&GPS_LONGITUDE, Some(Value::Text(lon))));
        }
        if let Some(rating) = self.rating {
            out.push((&RATING, Some(Value::Text(rating.to_string()))));
        }
        out
    }
}

/// XMP's GPS coordinate form `DDD,MM.mmmmmmmmK`: whole degrees, decimal minutes (to 1e-8 of a
/// minute, under a millimetre), and the hemisphere letter.
fn gps_coordinate(value: f64, positive: char, negative: char) -> String {
    const UNITS_PER_MINUTE: u64 = 100_000_000;
    const UNITS_PER_DEGREE: u64 = 60 * UNITS_PER_MINUTE;
    let hemisphere = if value < 0.0 { negative } else { positive };
    // Rounded once, in integer units, so minutes never print as 60.
    let units = (value.abs() * UNITS_PER_DEGREE as f64).round() as u64;
    let (degrees, rest) = (units / UNITS_PER_DEGREE, units % UNITS_PER_DEGREE);
    format!(
        "{degrees},{}.{:08}{hemisphere}",
        rest / UNITS_PER_MINUTE,
        rest % UNITS_PER_MINUTE
    )
}

/// The sidecar `existing` (or a new one) with `edits` applied. Refuses to touch a file it
/// cannot parse, rather than replace what someone else wrote.
pub fn write_sidecar(
    existing: Option<&[u8]>,
    edits: &SidecarEdits,
) -> Result<Vec<u8>, SidecarWriteError> {
    let text = match existing {
        Some(bytes) if bytes.len() > MAX_XMP_BYTES => return Err(SidecarWriteError::TooLarge),
        Some(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
            std::str::from_utf8(bytes).map_err(|_| SidecarWriteError::NotUtf8)?
        }
        // Nothing there yet, or an empty file.
        _ => EMPTY_PACKET,
    };
    Ok(edit(text, &edits.properties())?.into_bytes())
}

fn edit(
    text: &str,
    properties: &[(&'static Property, Option<Value>)],
) -> Result<String, SidecarWriteError> {
    // Parse what the reader parses (BOM and trailing padding off), keeping offsets into `text`.
    let packet = trim_packet(text);
    let base = packet.as_ptr() as usize - text.as_ptr() as usize;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(packet, options)
        .map_err(|e| SidecarWriteError::NotXml(e.to_string()))?;
    let rdf = doc
        .descendants()
        .find(|n| n.has_tag_name((RDF, "RDF")))
        .ok_or(SidecarWriteError::NotXmp)?;
    let written = |node_ns: Option<&str>, name: &str| {
        properties
            .iter()
            .any(|(p, _)| node_ns == Some(p.ns) && name == p.name)
    };

    // (range of the text, what replaces it), in the trimmed packet's offsets.
    let mut splices: Vec<(Range<usize>, String)> = Vec::new();
    let mut about = None;
    for description in doc
        .descendants()
        .filter(|n| n.has_tag_name((RDF, "RDF")))
        .flat_map(|r| r.children())
        .filter(|n| n.has_tag_name((RDF, "Description")))
    {
        about = about.or_else(|| description.attribute((RDF, "about")));
        let attrs: Vec<_> = description
            .attributes()
            .filter(|a| is_property(a.namespace()))
            .collect();
        let children: Vec<_> = description.children().filter(Node::is_element).collect();
        let cut_attrs: Vec<_> = attrs
            .iter()
            .filter(|a| written(a.namespace(), a.name()))
            .collect();
        let cut_children: Vec<_> = children
            .iter()
            .filter(|c| written(c.tag_name().namespace(), c.tag_name().name()))
            .collect();
        if cut_attrs.is_empty() && cut_children.is_empty() {
            continue;
        }
        let cuts: Vec<Range<usize>> =
            if cut_attrs.len() == attrs.len() && cut_children.len() == children.len() {
                // Only properties we write were in it: the whole element goes.
                vec![description.range()]
            } else {
                let attrs = cut_attrs.iter().map(|a| a.range());
                attrs
                    .chain(cut_children.iter().map(|c| c.range()))
                    .collect()
            };
        splices.extend(
            cuts.into_iter()
                .map(|r| (with_leading_space(packet, r), String::new())),
        );
    }
    splices.push(insertion(
        packet,
        rdf.range(),
        description_element(properties, about.unwrap_or("")),
    ));

    splices.sort_by_key(|(range, _)| (range.start, range.end));
    let mut out = String::with_capacity(text.len() + 1024);
    let mut at = 0;
    for (range, replacement) in splices {
        out.push_str(&text[at..base + range.start]);
        out.push_str(&replacement);
        at = base + range.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// A property attribute: namespaced, and not RDF's or XML's own (`rdf:about`, `xml:lang`).
fn is_property(ns: Option<&str>) -> bool {
    ns.is_some_and(|ns| ns != RDF && ns != XML)
}

/// `range` widened over the spaces before it and one line break, so no blank line is left.
fn with_leading_space(text: &str, range: Range<usize>) -> Range<usize> {
    let before = &text[..range.start];
    let kept = before.trim_end_matches([' ', '\t']);
    let kept = kept
        .strip_suffix('\n')
        .map(|k| k.strip_suffix('\r').unwrap_or(k))
        .unwrap_or(kept);
    kept.len()..range.end
}

/// Puts `content` last inside the `rdf:RDF` element at `rdf`: before the line its closing tag
/// is on, or, for an empty `<rdf:RDF/>`, by opening it up.
fn insertion(text: &str, rdf: Range<usize>, content: String) -> (Range<usize>, String) {
    let element = &text[rdf.clone()];
    if element.ends_with("/>") {
        let name_end = element
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(1);
        let close = format!("</{}>", &element[1..name_end]);
        return (rdf.end - 2..rdf.end, format!(">{content}\n {close}"));
    }
    let close = element.rfind("</").map_or(rdf.end, |i| rdf.start + i);
    let at = text[..close]
        .trim_end_matches([' ', '\t', '\r', '\n'])
        .len();
    (at..at, content)
}

/// Our `rdf:Description`, declaring the prefixes it uses.
fn description_element(properties: &[(&'static Property, Option<Value>)], about: &str) -> String {
    let mut namespaces: Vec<(&str, &str)> = Vec::new();
    let mut body = String::new();
    for (property, value) in properties {
        let Some(value) = value else { continue };
        if !namespaces
            .iter()
            .any(|(prefix, _)| *prefix == property.prefix)
        {
            namespaces.push((property.prefix, property.ns));
        }
        let tag = format!("{}:{}", property.prefix, property.name);
        match value {
            Value::Text(text) => {
                body.push_str(&format!("\n   <{tag}>{}</{tag}>", escape(text)));
            }
            Value::LangAlt(text) => body.push_str(&format!(
                "\n   <{tag}>\n    <rdf:Alt>\n     <rdf:li xml:lang='x-default'>{}</rdf:li>\n    </rdf:Alt>\n   </{tag}>",
                escape(text)
            )),
        }
    }
    if body.is_empty() {
        return String::new();
    }
    let mut element = format!("\n  <rdf:Description rdf:about='{}'", escape(about));
    for (prefix, ns) in namespaces {
        element.push_str(&format!("\n    xmlns:{prefix}='{ns}'"));
    }
    element.push('>');
    element.push_str(&body);
    element.push_str("\n  </rdf:Description>");
    element
}

/// Text safe inside an element or a single-quoted attribute. Characters XML 1.0 cannot carry
/// at all (most control characters) are dropped; a carriage return is kept as a reference,
/// which parsers would otherwise turn into a line feed.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::read_sidecar;

    /// A sidecar as other tools write them: properties as attributes and as elements, our
    /// properties mixed with ones we must keep.
    const LIGHTROOM: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <!-- written by hand -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:GPano="http://ns.google.com/photos/1.0/panorama/"
    exif:DateTimeOriginal="2020-05-06T07:08:09.123+02:00"
    exif:GPSLatitude="48,51.3N"
    exif:GPSLongitude="2,21.1E"
    exif:ExposureTime="1/250"
    exif:FNumber="28/10"
    tiff:Orientation="6"
    xmp:Rating="4"
    GPano:ProjectionType="equirectangular">
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">Old &amp; tired</rdf:li></rdf:Alt></dc:description>
   <tiff:ImageDescription><rdf:Alt><rdf:li xml:lang="x-default">Older</rdf:li></rdf:Alt></tiff:ImageDescription>
   <dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Paris</rdf:li></rdf:Bag></lr:hierarchicalSubject>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:Rating>2</xmp:Rating>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

    fn edits() -> SidecarEdits {
        SidecarEdits {
            description: Some("Tom & Jerry <say> \"hi\" 'there'\nsecond line".into()),
            date_time_original: Some(
                DateTime::parse_from_rfc3339("2024-05-01T10:00:00.250+05:30").unwrap(),
            ),
            position: Some((-33.868_820_123, -151.209_295_456)),
            rating: Some(5),
        }
    }

    fn write(existing: Option<&str>, edits: &SidecarEdits) -> String {
        let bytes = write_sidecar(existing.map(str::as_bytes), edits).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// What our reader makes of the written edits.
    fn assert_reads_back(xmp: &str, edits: &SidecarEdits) {
        let meta = read_sidecar(xmp.as_bytes()).unwrap();
        assert_eq!(meta.description, edits.description, "{xmp}");
        let date = edits.date_time_original.unwrap();
        let taken = meta.date_taken.unwrap();
        assert_eq!(taken.local, date.naive_local());
        assert_eq!(taken.offset_seconds, Some(date.offset().local_minus_utc()));
        let (lat, lon) = edits.position.unwrap();
        assert!((meta.latitude.unwrap() - lat).abs() < 1e-9, "{xmp}");
        assert!((meta.longitude.unwrap() - lon).abs() < 1e-9, "{xmp}");
        assert_eq!(meta.rating, edits.rating);
    }

    #[test]
    fn new_sidecar_reads_back() {
        let xmp = write(None, &edits());
        assert_reads_back(&xmp, &edits());
        assert!(
            xmp.contains("<exif:GPSLatitude>33,52.12920738S</exif:GPSLatitude>"),
            "{xmp}"
        );
        assert!(xmp.contains("2024-05-01T10:00:00.250+05:30"), "{xmp}");
        // An empty file counts as no sidecar.
        assert_eq!(write(Some(" \n"), &edits()), xmp);
    }

    #[test]
    fn existing_sidecar_keeps_what_we_do_not_write() {
        let xmp = write(Some(LIGHTROOM), &edits());
        assert_reads_back(&xmp, &edits());
        let meta = read_sidecar(xmp.as_bytes()).unwrap();
        assert_eq!(meta.exposure_time.as_deref(), Some("1/250"));
        assert_eq!(meta.f_number, Some(2.8));
        assert_eq!(meta.orientation, Some(6));
        assert_eq!(meta.keywords, ["a", "b"]);
        assert_eq!(meta.hierarchical_subjects, ["Places|Paris"]);
        assert_eq!(meta.projection_type.as_deref(), Some("EQUIRECTANGULAR"));
        assert!(xmp.starts_with(&LIGHTROOM[..LIGHTROOM.find("<rdf:RDF").unwrap()]));
        assert!(
            xmp.ends_with("</x:xmpmeta>\n<?xpacket end=\"w\"?>"),
            "{xmp}"
        );
        for gone in [
            "48,51.3N",
            "Old &amp; tired",
            "Older",
            "2020-05-06",
            "Rating=\"4\"",
        ] {
            assert!(!xmp.contains(gone), "{gone} is still in {xmp}");
        }
        // The description that held only a rating is gone, not left empty.
        assert_eq!(xmp.matches("<rdf:Description").count(), 2, "{xmp}");
        assert!(!xmp.contains("\n\n"), "no blank lines left behind: {xmp}");
    }

    #[test]
    fn only_the_edited_properties_change() {
        let rating_only = SidecarEdits {
            rating: Some(1),
            ..SidecarEdits::default()
        };
        let xmp = write(Some(LIGHTROOM), &rating_only);
        let meta = read_sidecar(xmp.as_bytes()).unwrap();
        assert_eq!(meta.rating, Some(1));
        assert_eq!(meta.description.as_deref(), Some("Older"));
        assert!((meta.latitude.unwrap() - 48.855).abs() < 1e-9);
        assert!(xmp.contains("exif:DateTimeOriginal=\"2020-05-06T07:08:09.123+02:00\""));
    }

    #[test]
    fn writing_again_changes_nothing() {
        let once = write(Some(LIGHTROOM), &edits());
        assert_eq!(write(Some(&once), &edits()), once);
        let fresh = write(None, &edits());
        assert_eq!(write(Some(&fresh), &edits()), fresh);
    }

    #[test]
    fn empty_description_removes_it() {
        let clear = SidecarEdits {
            description: Some(String::new()),
            ..SidecarEdits::default()
        };
        let xmp = write(Some(LIGHTROOM), &clear);
        assert_eq!(read_sidecar(xmp.as_bytes()).unwrap().description, None);
        assert!(
            !xmp.contains("description") && !xmp.contains("ImageDescription"),
            "{xmp}"
        );
    }

    #[test]
    fn self_closing_rdf_is_opened() {
        let bare = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>"#;
        let xmp = write(Some(bare), &edits());
        assert_reads_back(&xmp, &edits());
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        let refused = |bytes: &[u8]| write_sidecar(Some(bytes), &edits()).is_err();
        assert!(refused(b"<x:xmpmeta"));
        assert!(
            refused(b"<a><b/></a>"),
            "XML without rdf:RDF is not ours to extend"
        );
        assert!(refused(b"\xff\xfe<\x00"), "UTF-16");
        let bomb = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#;
        assert!(refused(bomb.as_bytes()));
        assert!(refused(&vec![b' '; MAX_XMP_BYTES + 1]));
    }

    #[test]
    fn control_characters_cannot_break_the_xml() {
        let odd = SidecarEdits {
            description: Some("a\u{0}b\u{1b}c\r\nd".into()),
            ..SidecarEdits::default()
        };
        let xmp = write(None, &odd);
        let meta = read_sidecar(xmp.as_bytes()).unwrap();
        assert_eq!(meta.description.as_deref(), Some("abc\r\nd"));
    }

    #[test]
    fn gps_minutes_never_round_to_sixty() {
        assert_eq!(
            gps_coordinate(10.999_999_999_999, 'N', 'S'),
            "11,0.00000000N"
        );
        assert_eq!(gps_coordinate(-0.5, 'E', 'W'), "0,30.00000000W");
        assert_eq!(gps_coordinate(0.0, 'N', 'S'), "0,0.00000000N");
    }

    /// exiftool is the reference reader: it must see what we wrote, and what we kept.
    #[test]
    fn exiftool_reads_what_we_write() {
        if std::process::Command::new("exiftool")
            .arg("-ver")
            .output()
            .is_err()
        {
            println!("skipped: exiftool is not installed");
            return;
        }
        let dir = std::env::temp_dir().join(format!("shoebox-xmp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("photo.jpg.xmp");
        std::fs::write(&path, write(Some(LIGHTROOM), &edits())).unwrap();
        let out = std::process::Command::new("exiftool")
            .args(["-j", "-n"])
            .arg(&path)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let tags = &json[0];
        let description = edits().description.unwrap();
        assert_eq!(tags["Description"], description.as_str(), "{tags}");
        assert_eq!(tags["ImageDescription"], description.as_str(), "{tags}");
        assert_eq!(tags["DateTimeOriginal"], "2024:05:01 10:00:00.250+05:30");
        assert!((tags["GPSLatitude"].as_f64().unwrap() + 33.868_820_123).abs() < 1e-9);
        assert!((tags["GPSLongitude"].as_f64().unwrap() + 151.209_295_456).abs() < 1e-9);
        assert_eq!(tags["Rating"], 5);
        assert_eq!(tags["FNumber"], 2.8);
        assert_eq!(tags["Subject"], serde_json::json!(["a", "b"]));
        assert_eq!(tags["HierarchicalSubject"], "Places|Paris");
        assert_eq!(tags["ProjectionType"], "equirectangular");
    }
}
