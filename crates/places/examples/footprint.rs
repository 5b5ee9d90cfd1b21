//! What the first lookup costs a process and what each lookup after it takes:
//! `cargo run --release -p shoebox-places --example footprint`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use shoebox_media::metadata::ZoneLookup;
use shoebox_places::{GpsZones, reverse_geocode};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn first_use(label: &str, f: impl FnOnce()) {
    let before = rss_kib();
    let start = Instant::now();
    f();
    let took = start.elapsed();
    let grew = rss_kib().saturating_sub(before);
    println!(
        "{label}: first call {took:.1?}, RSS +{:.1} MiB",
        grew as f64 / 1024.0
    );
}

/// Positions spread over the globe (most at sea, as a uniform spread is), repeatable.
fn positions(n: usize) -> Vec<(f64, f64)> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| (next() * 140.0 - 60.0, next() * 360.0 - 180.0))
        .collect()
}

fn per_call(label: &str, points: &[(f64, f64)], f: impl Fn(f64, f64)) {
    let start = Instant::now();
    for &(lat, lon) in points {
        f(lat, lon);
    }
    let each: Duration = start.elapsed() / points.len() as u32;
    println!(
        "{label}: {each:.1?} per call over {} positions",
        points.len()
    );
}

fn main() {
    let noon = NaiveDate::from_ymd_opt(2024, 7, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    println!("RSS at start: {:.1} MiB", rss_kib() as f64 / 1024.0);
    first_use("places (Berlin)", || {
        black_box(reverse_geocode(52.52, 13.405));
    });
    first_use("time zones (Berlin)", || {
        black_box(GpsZones.offset_seconds(52.52, 13.405, noon));
    });
    first_use("country fallback (Empty Quarter)", || {
        black_box(reverse_geocode(20.0, 50.5));
    });
    println!("RSS after all: {:.1} MiB", rss_kib() as f64 / 1024.0);

    let points = positions(20_000);
    per_call("reverse_geocode", &points, |lat, lon| {
        black_box(reverse_geocode(lat, lon));
    });
    per_call("zone offset", &points, |lat, lon| {
        black_box(GpsZones.offset_seconds(lat, lon, noon));
    });
    let cities: Vec<_> = [
        (52.52, 13.405),
        (40.7128, -74.006),
        (35.68, 139.69),
        (-33.86, 151.21),
    ]
    .into_iter()
    .cycle()
    .take(20_000)
    .collect();
    per_call("reverse_geocode, in cities", &cities, |lat, lon| {
        black_box(reverse_geocode(lat, lon));
    });
    per_call("zone offset, in cities", &cities, |lat, lon| {
        black_box(GpsZones.offset_seconds(lat, lon, noon));
    });
}
