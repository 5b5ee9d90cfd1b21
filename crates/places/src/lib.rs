//! Where a GPS position is, offline: the city, state and country Immich shows for a photo,
//! and the time zone in force there for the photo's date.
//!
//! Each data set is loaded on first use and kept for the life of the process, so a library
//! without GPS positions never pays for them. Loading takes a while (see the `footprint`
//! example for figures): call from blocking code, not from an async task.
//!
//! Data: GeoNames populated places (CC BY 4.0) through `reverse_geocoder`; country polygons
//! © OpenStreetMap contributors (ODbL) through `country-boundaries`; time-zone polygons from
//! timezone-boundary-builder (ODbL) through `tzf-rs`; zone rules from the IANA database.
//!
//! Where this names a different place than Immich: `reverse_geocoder` ships GeoNames'
//! places of 1,000+ people (Immich: 500+) with ASCII names (`Koeln`, `Sao Paulo`; Immich shows
//! `Köln`, `São Paulo`), and without feature codes, so city districts (`Mitte`, `Kreuzberg`),
//! which Immich leaves out outside Australia, are named when they are nearer than the city.

mod countries;

use std::sync::OnceLock;

use chrono::{Duration, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use country_boundaries::{BOUNDARIES_ODBL_60X30, CountryBoundaries, LatLon};
use reverse_geocoder::{ReverseGeocoder, degrees_lat_lng_to_unit_sphere};
use shoebox_media::metadata::ZoneLookup;
use tzf_rs::EmbeddedFinder;

pub use countries::english_name as country_name;

/// What Immich stores as an asset's `city`, `state` and `country`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The nearest populated place.
    pub city: Option<String>,
    /// Its first-level administrative division (GeoNames admin1: a state, Land, region).
    pub state: Option<String>,
    /// The full English name (`Germany`, `United States of America`).
    pub country: Option<String>,
}

/// Immich accepts the nearest place only inside PostgreSQL's `earth_box` of 25 km around the
/// position: a cube in Earth-centred coordinates on earthdistance's sphere (radius 6,378,168 m),
/// so a little more than 25 km towards its corners. Here in unit-sphere coordinates.
const BOX_HALF_SIDE: f64 = 25_000.0 / 6_378_168.0;

fn places() -> &'static ReverseGeocoder {
    static PLACES: OnceLock<ReverseGeocoder> = OnceLock::new();
    PLACES.get_or_init(ReverseGeocoder::new)
}

fn boundaries() -> Option<&'static CountryBoundaries> {
    // The coarsest raster: the finer ones (up to three times the bytes) buy lookup speed that
    // this fallback for remote land, asked rarely, does not need.
    static BOUNDARIES: OnceLock<Option<CountryBoundaries>> = OnceLock::new();
    BOUNDARIES
        .get_or_init(|| CountryBoundaries::from_reader(BOUNDARIES_ODBL_60X30).ok())
        .as_ref()
}

fn zones() -> &'static EmbeddedFinder {
    // The in-place finder: it reads the few MB of embedded bytes where they are instead of
    // expanding them into polygons; still well under a microsecond a lookup in cities.
    static ZONES: OnceLock<EmbeddedFinder> = OnceLock::new();
    ZONES.get_or_init(EmbeddedFinder::new)
}

fn valid(latitude: f64, longitude: f64) -> bool {
    latitude.is_finite()
        && longitude.is_finite()
        && latitude.abs() <= 90.0
        && longitude.abs() <= 180.0
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The place Immich would name for a position: the nearest populated place within its 25 km
/// box, else (on land far from any town) the country alone, else nothing (open sea).
pub fn reverse_geocode(latitude: f64, longitude: f64) -> Option<Place> {
    if !valid(latitude, longitude) {
        return None;
    }
    let found = places().search((latitude, longitude));
    let here = degrees_lat_lng_to_unit_sphere(latitude, longitude);
    let there = found.record.as_xyz();
    if here
        .iter()
        .zip(there)
        .all(|(a, b)| (a - b).abs() <= BOX_HALF_SIDE)
    {
        let record = found.record;
        return Some(Place {
            city: non_empty(&record.name),
            state: non_empty(&record.admin1),
            country: country_name(&record.cc).map(str::to_string),
        });
    }
    country_at(latitude, longitude).map(|country| Place {
        city: None,
        state: None,
        country: Some(country.to_string()),
    })
}

/// The country whose borders hold the position, by name.
fn country_at(latitude: f64, longitude: f64) -> Option<&'static str> {
    // Immich's fallback polygons (Natural Earth) are land only, while these reach far out to
    // sea around islands. Open sea is where the time-zone map has only nautical zones
    // (`Etc/GMT+2`); its country zones end at territorial waters.
    let zone = zones().get_tz_name(longitude, latitude);
    if zone.is_empty() || zone.starts_with("Etc/") {
        return None;
    }
    let position = LatLon::new(latitude, longitude).ok()?;
    // Smallest area first: subdivisions (`US-TX`) come before their country (`US`).
    boundaries()?
        .ids(position)
        .into_iter()
        .filter(|id| id.len() == 2)
        .find_map(country_name)
}

/// The IANA time zone at a position (`Europe/Berlin`; `Etc/GMT+3` at sea).
pub fn zone_at(latitude: f64, longitude: f64) -> Option<Tz> {
    if !valid(latitude, longitude) {
        return None;
    }
    zones().get_tz_name(longitude, latitude).parse().ok()
}

/// The UTC offset, in seconds, that `zone` has at the wall-clock time `local`.
///
/// When clocks go back, the hour that happens twice is read as the first one (summer time).
/// When they go forward, a time in the skipped hour is read with the offset from before the
/// change, which lands after it, so it gets the new offset: Luxon (exiftool-vendored's date
/// library) moves such times forward the same way.
pub fn offset_at(zone: Tz, local: NaiveDateTime) -> Option<i32> {
    let offset = match zone.offset_from_local_datetime(&local) {
        chrono::LocalResult::Single(o) => o,
        chrono::LocalResult::Ambiguous(first, _) => first,
        chrono::LocalResult::None => {
            let before = zone
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix();
            let instant = local - Duration::seconds(i64::from(before.local_minus_utc()));
            zone.offset_from_utc_datetime(&instant)
        }
    };
    Some(offset.fix().local_minus_utc())
}

/// [`ZoneLookup`] from the GPS position, for metadata whose only clue to its time zone is
/// where it was taken (exiftool-vendored's `geoTz`, which Immich backs with geo-tz).
#[derive(Debug, Clone, Copy, Default)]
pub struct GpsZones;

impl ZoneLookup for GpsZones {
    fn offset_seconds(&self, latitude: f64, longitude: f64, local: NaiveDateTime) -> Option<i32> {
        offset_at(zone_at(latitude, longitude)?, local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn place(city: &str, state: &str, country: &str) -> Option<Place> {
        Some(Place {
            city: Some(city.into()),
            state: Some(state.into()),
            country: Some(country.into()),
        })
    }

    #[test]
    fn a_position_in_berlin_is_berlin_germany() {
        // Alexanderplatz, nearer GeoNames' point for the city than any district's.
        assert_eq!(
            reverse_geocode(52.5219, 13.4132),
            place("Berlin", "Berlin", "Germany")
        );
    }

    #[test]
    fn a_position_in_new_york_names_the_us_in_full() {
        assert_eq!(
            reverse_geocode(40.7128, -74.0060),
            place("New York City", "New York", "United States of America")
        );
    }

    #[test]
    fn a_position_in_london_names_the_united_kingdom() {
        let found = reverse_geocode(51.5080, -0.1281).unwrap();
        assert_eq!(found.country.as_deref(), Some("United Kingdom"));
        assert_eq!(found.state.as_deref(), Some("England"));
    }

    #[test]
    fn open_sea_has_no_place() {
        assert_eq!(reverse_geocode(35.0, -40.0), None);
        // Far from any town, but inside the country polygon drawn around Brazil's islands.
        assert_eq!(reverse_geocode(0.0, -30.0), None);
    }

    #[test]
    fn a_town_is_named_only_within_immichs_25_km_box() {
        // Coober Pedy, alone in the outback: 20 km north of it, then 35 km.
        let near = reverse_geocode(-28.83, 134.7544).unwrap();
        assert_eq!(near.city.as_deref(), Some("Coober Pedy"));
        let far = reverse_geocode(-28.70, 134.7544).unwrap();
        assert_eq!(far.city, None);
        assert_eq!(far.country.as_deref(), Some("Australia"));
    }

    #[test]
    fn remote_land_far_from_any_town_gets_only_its_country() {
        // The Empty Quarter, hundreds of kilometres from a populated place.
        let found = reverse_geocode(20.0, 50.5).unwrap();
        assert_eq!(found.city, None);
        assert_eq!(found.state, None);
        assert_eq!(found.country.as_deref(), Some("Saudi Arabia"));
    }

    #[test]
    fn positions_out_of_range_have_no_place_and_no_zone() {
        assert_eq!(reverse_geocode(f64::NAN, 13.0), None);
        assert_eq!(reverse_geocode(91.0, 13.0), None);
        assert_eq!(zone_at(52.0, 181.0), None);
    }

    #[test]
    fn berlin_is_two_hours_ahead_in_july_and_one_in_january() {
        let zones = GpsZones;
        assert_eq!(
            zones.offset_seconds(52.52, 13.405, at(2023, 7, 14, 12, 0)),
            Some(7200)
        );
        assert_eq!(
            zones.offset_seconds(52.52, 13.405, at(2023, 1, 14, 12, 0)),
            Some(3600)
        );
    }

    #[test]
    fn india_is_five_and_a_half_hours_ahead() {
        assert_eq!(
            GpsZones.offset_seconds(28.6139, 77.2090, at(2023, 7, 14, 12, 0)),
            Some(19800)
        );
    }

    #[test]
    fn new_york_summer_time_follows_the_rules_of_the_year() {
        // 2006 still ended summer time on the last Sunday of October, 2007 on in November.
        let ny = zone_at(40.7128, -74.0060).unwrap();
        assert_eq!(ny.name(), "America/New_York");
        assert_eq!(offset_at(ny, at(2006, 11, 1, 12, 0)), Some(-5 * 3600));
        assert_eq!(offset_at(ny, at(2007, 11, 1, 12, 0)), Some(-4 * 3600));
    }

    #[test]
    fn the_hour_clocks_go_back_over_reads_as_summer_time() {
        let berlin = zone_at(52.52, 13.405).unwrap();
        assert_eq!(offset_at(berlin, at(2023, 10, 29, 2, 30)), Some(7200));
    }

    #[test]
    fn a_time_in_the_skipped_hour_gets_the_new_offset() {
        let berlin = zone_at(52.52, 13.405).unwrap();
        assert_eq!(offset_at(berlin, at(2023, 3, 26, 2, 30)), Some(7200));
    }

    #[test]
    fn at_sea_the_zone_is_the_nautical_one() {
        // Mid-Atlantic, 30°W: nautical zone GMT-2.
        let zone = zone_at(35.0, -30.0).unwrap();
        assert_eq!(offset_at(zone, at(2023, 7, 14, 12, 0)), Some(-2 * 3600));
    }
}
