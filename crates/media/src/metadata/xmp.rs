//! XMP packets (embedded in images) and XMP sidecars, read with a small DOM parser and mapped
//! to the exiftool tag names Immich reads.

use roxmltree::{Document, Node, ParsingOptions};

use super::Tags;
use super::parse::parse_xmp_coordinate;
use super::regions::{Region, RegionInfo};

/// The most we read of one XMP packet or sidecar.
pub(crate) const MAX_XMP_BYTES: usize = 16 << 20;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML: &str = "http://www.w3.org/XML/1998/namespace";
const EXIF: &str = "http://ns.adobe.com/exif/1.0/";
const EXIF_EX: &str = "http://cipa.jp/exif/1.0/";
const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const LIGHTROOM: &str = "http://ns.adobe.com/lightroom/1.0/";
const DIGIKAM: &str = "http://www.digikam.org/ns/1.0/";
const GPANO: &str = "http://ns.google.com/photos/1.0/panorama/";
const GCAMERA: &str = "http://ns.google.com/photos/1.0/camera/";
const CONTAINER: &str = "http://ns.google.com/photos/1.0/container/";
const ITEM: &str = "http://ns.google.com/photos/1.0/container/item/";
const MWG_RS: &str = "http://www.metadataworkinggroup.com/schemas/regions/";
const ST_DIM: &str = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";
const ST_AREA: &str = "http://ns.adobe.com/xmp/sType/Area#";

/// Parses an XMP packet embedded in an image.
pub(crate) fn parse_packet(bytes: &[u8]) -> Result<Tags, String> {
    parse(bytes)
}

/// Parses an XMP sidecar document.
pub(crate) fn parse_sidecar(bytes: &[u8]) -> Result<Tags, String> {
    parse(bytes)
}

fn parse(bytes: &[u8]) -> Result<Tags, String> {
    if bytes.len() > MAX_XMP_BYTES {
        return Err("XMP larger than the limit".into());
    }
    let text = decode(bytes);
    let text = trim_packet(&text);
    if text.is_empty() {
        return Err("empty XMP".into());
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| e.to_string())?;
    let mut tags = Tags::default();
    for rdf in doc.descendants().filter(|n| n.has_tag_name((RDF, "RDF"))) {
        for description in rdf
            .children()
            .filter(|n| n.has_tag_name((RDF, "Description")))
        {
            read_description(description, &mut tags);
        }
    }
    Ok(tags)
}

/// UTF-8 (with or without BOM) or UTF-16 with a BOM; invalid bytes are replaced.
fn decode(bytes: &[u8]) -> String {
    let utf16 = |be: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if bytes.starts_with(&[0xFE, 0xFF]) {
        utf16(true)
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        utf16(false)
    } else {
        let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        String::from_utf8_lossy(b).into_owned()
    }
}

/// Drops padding and anything after the packet trailer or the last closing tag.
pub(super) fn trim_packet(text: &str) -> &str {
    let text = text.trim_start_matches('\u{feff}').trim();
    if let Some(start) = text.rfind("<?xpacket end")
        && let Some(len) = text[start..].find("?>")
    {
        return &text[..start + len + 2];
    }
    match text.rfind('>') {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// The value of a property: an attribute's text, or an element's.
enum Prop<'a, 'input> {
    Attr(&'a str),
    Elem(Node<'a, 'input>),
}

impl Prop<'_, '_> {
    /// The text of a simple value, the `x-default` (or first) entry of an `rdf:Alt`, or the
    /// first entry of an `rdf:Seq`/`rdf:Bag`.
    fn text(&self) -> Option<String> {
        let v = match self {
            Prop::Attr(s) => (*s).to_owned(),
            Prop::Elem(node) => element_text(*node)?,
        };
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Every entry of an array, or the single value as a one-entry list.
    fn list(&self) -> Option<Vec<String>> {
        match self {
            Prop::Attr(_) => self.text().map(|t| vec![t]),
            Prop::Elem(node) => match array(*node) {
                Some(container) => Some(
                    items(container)
                        .filter_map(|li| {
                            let t = li.text().map(str::trim).unwrap_or_default();
                            (!t.is_empty()).then(|| t.to_owned())
                        })
                        .collect(),
                ),
                None => self.text().map(|t| vec![t]),
            },
        }
    }

    fn number(&self) -> Option<f64> {
        parse_number(&self.text()?)
    }
}

fn array<'a, 'input>(node: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    node.children().find(|c| {
        c.is_element()
            && c.tag_name().namespace() == Some(RDF)
            && matches!(c.tag_name().name(), "Alt" | "Seq" | "Bag")
    })
}

fn items<'a, 'input>(container: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    container.children().filter(|c| c.has_tag_name((RDF, "li")))
}

fn element_text(node: Node<'_, '_>) -> Option<String> {
    if let Some(container) = array(node) {
        let mut entries = items(container);
        let chosen = if container.tag_name().name() == "Alt" {
            items(container)
                .find(|li| li.attribute((XML, "lang")) == Some("x-default"))
                .or_else(|| entries.next())
        } else {
            entries.next()
        };
        return chosen.and_then(|li| li.text()).map(str::to_owned);
    }
    if let Some(resource) = node.attribute((RDF, "resource")) {
        return Some(resource.to_owned());
    }
    Some(node.text().unwrap_or_default().to_owned())
}

/// `1/250`, `28/10` or a decimal.
fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let v = match s.split_once('/') {
        Some((n, d)) => {
            let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
            if d == 0.0 {
                return None;
            }
            n / d
        }
        None => s.parse().ok()?,
    };
    v.is_finite().then_some(v)
}

fn to_u32(v: f64) -> Option<u32> {
    (v >= 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

fn flag(p: &Prop<'_, '_>) -> Option<bool> {
    let t = p.text()?;
    Some(matches!(
        t.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    ))
}

fn read_description(description: Node<'_, '_>, tags: &mut Tags) {
    for attr in description.attributes() {
        if let Some(ns) = attr.namespace()
            && ns != RDF
            && ns != XML
        {
            apply(ns, attr.name(), &Prop::Attr(attr.value()), tags);
        }
    }
    for child in description.children().filter(Node::is_element) {
        if let Some(ns) = child.tag_name().namespace() {
            apply(ns, child.tag_name().name(), &Prop::Elem(child), tags);
        }
    }
}

fn apply(ns: &str, name: &str, p: &Prop<'_, '_>, t: &mut Tags) {
    match (ns, name) {
        (EXIF, "DateTimeOriginal") => t.date_time_original = p.text(),
        (EXIF, "GPSLatitude") => t.gps_latitude = p.text().and_then(|s| parse_xmp_coordinate(&s)),
        (EXIF, "GPSLongitude") => {
            t.gps_longitude = p.text().and_then(|s| parse_xmp_coordinate(&s));
        }
        (EXIF, "GPSTimeStamp") => t.gps_date_time = p.text(),
        (EXIF, "ExposureTime") => t.exposure_time = p.number(),
        (EXIF, "FNumber") => t.f_number = p.number(),
        (EXIF, "FocalLength") => t.focal_length = p.number(),
        (EXIF, "ISOSpeedRatings") => {
            t.iso = p
                .list()
                .and_then(|l| l.first().and_then(|s| parse_number(s)))
                .and_then(to_u32);
        }
        (EXIF, "PixelXDimension") => t.exif_image_width = p.number().and_then(to_u32),
        (EXIF, "PixelYDimension") => t.exif_image_height = p.number().and_then(to_u32),
        (EXIF_EX, "LensModel") => t.lens_model = p.text(),
        (TIFF, "Make") => t.make = p.text(),
        (TIFF, "Model") => t.model = p.text(),
        (TIFF, "Orientation") => {
            t.orientation = p
                .number()
                .filter(|o| (0.0..=65535.0).contains(o))
                .map(|o| o as u16);
        }
        (TIFF, "ImageWidth") => t.image_width = p.number().and_then(to_u32),
        (TIFF, "ImageLength") => t.image_height = p.number().and_then(to_u32),
        (TIFF, "ImageDescription") => t.image_description = p.text(),
        (XMP, "CreateDate") => t.create_date = p.text(),
        (XMP, "Rating") => t.rating = p.number(),
        (PHOTOSHOP, "DateCreated") => t.date_created = p.text(),
        (DC, "description") => t.description = p.text(),
        (DC, "title") => t.title = p.text(),
        (DC, "subject") => t.subject = p.list(),
        (LIGHTROOM, "hierarchicalSubject") => t.hierarchical_subject = p.list(),
        (DIGIKAM, "TagsList") => t.tags_list = p.list(),
        (GPANO, "ProjectionType") => t.projection_type = p.text(),
        (GPANO, "SourceImageCreateTime") => t.source_image_create_time = p.text(),
        (GCAMERA, "MotionPhoto") => t.motion_photo = flag(p),
        (GCAMERA, "MicroVideo") => t.micro_video = flag(p),
        (GCAMERA, "MicroVideoOffset") => {
            t.micro_video_offset = p.number().filter(|v| *v >= 0.0).map(|v| v as u64);
        }
        (MWG_RS, "Regions") => {
            if let Prop::Elem(node) = p {
                t.regions = regions(*node);
            }
        }
        (CONTAINER, "Directory") => {
            if let Prop::Elem(node) = p {
                t.motion_photo_item = motion_photo_item(*node);
            }
        }
        _ => {}
    }
}

/// The node holding a structure's fields: the property element itself
/// (`rdf:parseType="Resource"` or attributes) or the `rdf:Description` inside it.
fn struct_holders<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    std::iter::once(node).chain(
        node.children()
            .filter(|c| c.has_tag_name((RDF, "Description"))),
    )
}

fn struct_field(node: Node<'_, '_>, ns: &str, name: &str) -> Option<String> {
    struct_holders(node).find_map(|holder| {
        holder.attribute((ns, name)).map(str::to_owned).or_else(|| {
            holder
                .children()
                .find(|c| c.has_tag_name((ns, name)))
                .and_then(element_text)
        })
    })
}

fn struct_child<'a, 'input>(
    node: Node<'a, 'input>,
    ns: &str,
    name: &str,
) -> Option<Node<'a, 'input>> {
    struct_holders(node).find_map(|holder| holder.children().find(|c| c.has_tag_name((ns, name))))
}

/// `mwg-rs:Regions`: the named face regions (a region typed other than `Face` is skipped).
fn regions(node: Node<'_, '_>) -> Option<RegionInfo> {
    let dims = struct_child(node, MWG_RS, "AppliedToDimensions")?;
    let number = |n: Node<'_, '_>, ns: &str, name: &str| {
        struct_field(n, ns, name).and_then(|s| parse_number(&s))
    };
    let applied_width = number(dims, ST_DIM, "w")?;
    let applied_height = number(dims, ST_DIM, "h")?;
    let list = array(struct_child(node, MWG_RS, "RegionList")?)?;
    let regions = items(list)
        .filter_map(|li| {
            let kind = struct_field(li, MWG_RS, "Type");
            if kind
                .as_deref()
                .is_some_and(|k| !k.eq_ignore_ascii_case("face"))
            {
                return None;
            }
            let area = struct_child(li, MWG_RS, "Area")?;
            Some(Region {
                name: struct_field(li, MWG_RS, "Name")?,
                x: number(area, ST_AREA, "x")?,
                y: number(area, ST_AREA, "y")?,
                w: number(area, ST_AREA, "w")?,
                h: number(area, ST_AREA, "h")?,
            })
        })
        .collect();
    Some(RegionInfo {
        applied_width,
        applied_height,
        regions,
    })
}

/// Length and padding of the `MotionPhoto` item of a container directory.
fn motion_photo_item(directory: Node<'_, '_>) -> Option<(u64, u64)> {
    let container = array(directory)?;
    for li in items(container) {
        // The item fields are attributes or child elements of Container:Item, or of the li.
        let holders: Vec<Node<'_, '_>> = std::iter::once(li)
            .chain(li.descendants().filter(|n| n.is_element()))
            .collect();
        let field = |name: &str| {
            holders.iter().find_map(|n| {
                n.attribute((ITEM, name)).map(str::to_owned).or_else(|| {
                    n.children()
                        .find(|c| c.has_tag_name((ITEM, name)))
                        .and_then(|c| c.text().map(str::to_owned))
                })
            })
        };
        if field("Semantic").as_deref() == Some("MotionPhoto") {
            let num = |name: &str| {
                field(name)
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .unwrap_or(0)
            };
            return Some((num("Length"), num("Padding")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIDECAR: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
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
   <dc:description><rdf:Alt><rdf:li xml:lang="de">Hallo</rdf:li><rdf:li xml:lang="x-default">Hello &amp; welcome</rdf:li></rdf:Alt></dc:description>
   <dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Paris</rdf:li></rdf:Bag></lr:hierarchicalSubject>
   <exif:ISOSpeedRatings><rdf:Seq><rdf:li>200</rdf:li></rdf:Seq></exif:ISOSpeedRatings>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>   "#;

    #[test]
    fn reads_sidecar() {
        let t = parse_sidecar(SIDECAR.as_bytes()).unwrap();
        assert_eq!(
            t.date_time_original.as_deref(),
            Some("2020-05-06T07:08:09.123+02:00")
        );
        assert!((t.gps_latitude.unwrap() - 48.855).abs() < 1e-9);
        assert!((t.gps_longitude.unwrap() - 2.351_666_666).abs() < 1e-6);
        assert_eq!(t.exposure_time, Some(0.004));
        assert_eq!(t.f_number, Some(2.8));
        assert_eq!(t.orientation, Some(6));
        assert_eq!(t.rating, Some(4.0));
        assert_eq!(t.iso, Some(200));
        assert_eq!(t.description.as_deref(), Some("Hello & welcome"));
        assert_eq!(t.subject, Some(vec!["a".into(), "b".into()]));
        assert_eq!(t.hierarchical_subject, Some(vec!["Places|Paris".into()]));
        assert_eq!(t.projection_type.as_deref(), Some("equirectangular"));
    }

    #[test]
    fn motion_photo_directory() {
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/"
 xmlns:Item="http://ns.google.com/photos/1.0/container/item/" GCamera:MotionPhoto="1">
<Container:Directory><rdf:Seq>
 <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
 <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="1234" Item:Padding="8"/></rdf:li>
</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let t = parse_packet(xmp.as_bytes()).unwrap();
        assert_eq!(t.motion_photo, Some(true));
        assert_eq!(t.motion_photo_item, Some((1234, 8)));
    }

    #[test]
    fn reads_named_face_regions_in_both_rdf_styles() {
        // Lightroom writes structures as attributes of rdf:Description; others as elements
        // with rdf:parseType="Resource". A pet region is not a face.
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
 xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
<mwg-rs:Regions rdf:parseType="Resource">
 <mwg-rs:AppliedToDimensions stDim:w="640" stDim:h="480" stDim:unit="pixel"/>
 <mwg-rs:RegionList><rdf:Bag>
  <rdf:li><rdf:Description mwg-rs:Name="Alice" mwg-rs:Type="Face">
   <mwg-rs:Area stArea:x="0.5" stArea:y="0.25" stArea:w="0.1" stArea:h="0.2" stArea:unit="normalized"/>
  </rdf:Description></rdf:li>
  <rdf:li rdf:parseType="Resource"><mwg-rs:Name>Bob</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
   <mwg-rs:Area rdf:parseType="Resource"><stArea:x>0.75</stArea:x><stArea:y>0.5</stArea:y><stArea:w>1/10</stArea:w><stArea:h>0.1</stArea:h></mwg-rs:Area></rdf:li>
  <rdf:li><rdf:Description mwg-rs:Name="Rex" mwg-rs:Type="Pet">
   <mwg-rs:Area stArea:x="0.1" stArea:y="0.1" stArea:w="0.1" stArea:h="0.1"/></rdf:Description></rdf:li>
 </rdf:Bag></mwg-rs:RegionList>
</mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let info = parse_packet(xmp.as_bytes()).unwrap().regions.unwrap();
        assert_eq!((info.applied_width, info.applied_height), (640.0, 480.0));
        assert_eq!(
            info.regions,
            vec![
                Region {
                    name: "Alice".into(),
                    x: 0.5,
                    y: 0.25,
                    w: 0.1,
                    h: 0.2
                },
                Region {
                    name: "Bob".into(),
                    x: 0.75,
                    y: 0.5,
                    w: 0.1,
                    h: 0.1
                },
            ]
        );
    }

    #[test]
    fn rejects_garbage_and_dtds() {
        assert!(parse_packet(b"").is_err());
        assert!(parse_packet(b"<x:xmpmeta").is_err());
        assert!(parse_packet(b"\xff\xfe\x00").is_err());
        let bomb = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#;
        assert!(parse_packet(bomb.as_bytes()).is_err());
        // Well-formed XML that is not XMP gives no tags.
        assert_eq!(parse_packet(b"<a><b/></a>").unwrap(), Tags::default());
    }
}
