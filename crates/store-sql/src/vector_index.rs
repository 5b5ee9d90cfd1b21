//! A nearest-neighbour index over unit vectors, held in memory as i8 codes with a per-row
//! scale: a quarter of the f32 rows' bytes (at 1,000,000 512-d CLIP embeddings 490 MiB
//! instead of 1.9 GiB), and the scan, bound by memory bandwidth, reads a quarter as much.
//! A query scans the codes, filtering rows by owner on the way, and answers a generous
//! candidate set; the caller ranks those candidates again on their f32 rows from the
//! database ([`distance`], [`keep_nearest`]), so the distances it answers are exact and duplicate detection's
//! small thresholds hold. Only the candidate cut is approximate, and its margin is far wider
//! than the quantisation error (see `candidate_count`).
//! `cargo bench -p shoebox-store-sql --bench smart_search` measures it.

use std::collections::HashMap;

use uuid::Uuid;

#[derive(Debug, Default)]
pub struct VectorIndex {
    dim: usize,
    ids: Vec<Uuid>,
    owners: Vec<u32>,
    owner_ids: Vec<Uuid>,
    owner_index: HashMap<Uuid, u32>,
    positions: HashMap<Uuid, usize>,
    codes: Vec<i8>,
    scales: Vec<f32>,
}

/// Candidates ranked again exactly for `k` results: twice as many, and at least 64 more.
/// An i8 code is off by at most half a step (1/254 of the row's largest component), which
/// moves a 512-d cosine by about 1e-3; neighbours k and 3k + 64 lie much further apart.
fn candidate_count(k: usize) -> usize {
    k.saturating_mul(2).saturating_add(64)
}

/// The i8 codes of `v` and the scale that turns their products back into f32.
fn quantise(v: &[f32], codes: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    codes.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

impl VectorIndex {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Room for `rows` more rows of `dim`, so that loading a large table grows the codes
    /// once instead of doubling them (and holding both copies) along the way.
    pub fn reserve(&mut self, rows: usize, dim: usize) {
        if self.dim == 0 || self.dim == dim {
            self.ids.reserve(rows);
            self.owners.reserve(rows);
            self.scales.reserve(rows);
            self.positions.reserve(rows);
            self.codes.reserve(rows.saturating_mul(dim));
        }
    }

    /// Adds or replaces a row. A vector of another length than the rows before it starts
    /// the index over (the model changed), keeping only this row.
    pub fn upsert(&mut self, id: Uuid, owner: Uuid, vector: &[f32]) {
        if self.dim != vector.len() {
            if !self.ids.is_empty() {
                self.clear();
            }
            self.dim = vector.len();
        }
        let owner = match self.owner_index.get(&owner) {
            Some(&o) => o,
            None => {
                let o = self.owner_ids.len() as u32;
                self.owner_ids.push(owner);
                self.owner_index.insert(owner, o);
                o
            }
        };
        let mut codes = Vec::with_capacity(self.dim);
        let scale = quantise(vector, &mut codes);
        match self.positions.get(&id) {
            Some(&row) => {
                let span = row * self.dim..(row + 1) * self.dim;
                self.owners[row] = owner;
                self.codes[span].copy_from_slice(&codes);
                self.scales[row] = scale;
            }
            None => {
                self.positions.insert(id, self.ids.len());
                self.ids.push(id);
                self.owners.push(owner);
                self.codes.extend_from_slice(&codes);
                self.scales.push(scale);
            }
        }
    }

    pub fn remove(&mut self, id: Uuid) {
        let Some(row) = self.positions.remove(&id) else {
            return;
        };
        let last = self.ids.len() - 1;
        let dim = self.dim;
        if row != last {
            let moved = self.ids[last];
            self.ids.swap(row, last);
            self.owners.swap(row, last);
            self.scales.swap(row, last);
            self.codes
                .copy_within(last * dim..(last + 1) * dim, row * dim);
            self.positions.insert(moved, row);
        }
        self.ids.pop();
        self.owners.pop();
        self.scales.pop();
        self.codes.truncate(last * dim);
    }

    /// The rows of the given owners (all owners: `None`) among which the `k` nearest to
    /// `query` are, by their approximate distance; their exact [`distance`]s pick the `k`. Fewer
    /// than `k` only when the index holds fewer rows of those owners.
    pub fn candidates(&self, query: &[f32], k: usize, owners: Option<&[Uuid]>) -> Vec<Uuid> {
        if query.len() != self.dim || k == 0 || self.ids.is_empty() {
            return Vec::new();
        }
        let allowed: Option<Vec<bool>> = owners.map(|owners| {
            let mut allowed = vec![false; self.owner_ids.len()];
            for owner in owners {
                if let Some(&o) = self.owner_index.get(owner) {
                    allowed[o as usize] = true;
                }
            }
            allowed
        });
        let mut query_codes = Vec::with_capacity(self.dim);
        let query_scale = quantise(query, &mut query_codes);
        let mut scored = self.approximate(&query_codes, query_scale, allowed.as_deref());
        let wanted = candidate_count(k);
        if scored.len() > wanted {
            scored.select_nth_unstable_by(wanted - 1, |a, b| a.0.total_cmp(&b.0));
            scored.truncate(wanted);
        }
        scored
            .into_iter()
            .map(|(_, row)| self.ids[row as usize])
            .collect()
    }

    /// (approximate distance, row) of every allowed row, from the i8 codes.
    fn approximate(
        &self,
        query: &[i8],
        query_scale: f32,
        allowed: Option<&[bool]>,
    ) -> Vec<(f32, u32)> {
        let dot = I8Dot::new(query);
        let mut scored = Vec::with_capacity(self.ids.len());
        for (row, codes) in self.codes.chunks_exact(self.dim).enumerate() {
            if let Some(allowed) = allowed
                && !allowed[self.owners[row] as usize]
            {
                continue;
            }
            let similarity = dot.with(codes) as f32 * query_scale * self.scales[row];
            scored.push((1.0 - similarity, row as u32));
        }
        scored
    }

    pub fn owner_of(&self, id: Uuid) -> Option<Uuid> {
        self.positions
            .get(&id)
            .map(|&row| self.owner_ids[self.owners[row] as usize])
    }
}

/// The exact cosine distance of a candidate's f32 row from `query` (`1 - a·b`: the rows and
/// `query` are unit vectors); `None` for a row of another length (another model's).
pub fn distance(query: &[f32], row: &[f32]) -> Option<f32> {
    (row.len() == query.len()).then(|| 1.0 - dot(query, row))
}

/// Sorts `ranked` nearest first (ties by id, so answers are stable) and keeps `k`.
pub fn keep_nearest(ranked: &mut Vec<(Uuid, f32)>, k: usize) {
    ranked.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    ranked.truncate(k);
}

/// Sixteen running sums, so the loop has no dependency chain and maps onto SIMD lanes.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut sums = [0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((s, a), b) in sums.iter_mut().zip(x).zip(y) {
            *s += a * b;
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// Dot products of one i8 query with many rows. With AVX2 (chosen at run time: release
/// builds target plain x86-64) sixteen products per instruction, through `vpmaddwd` on the
/// query widened to i16 once; the compiler left alone picked 32-bit multiplies, at a
/// quarter of that.
struct I8Dot<'q> {
    query: &'q [i8],
    #[cfg(target_arch = "x86_64")]
    wide: Option<Vec<i16>>,
}

impl<'q> I8Dot<'q> {
    fn new(query: &'q [i8]) -> Self {
        Self {
            query,
            #[cfg(target_arch = "x86_64")]
            wide: std::arch::is_x86_feature_detected!("avx2")
                .then(|| query.iter().map(|&x| i16::from(x)).collect()),
        }
    }

    fn with(&self, row: &[i8]) -> i32 {
        debug_assert_eq!(row.len(), self.query.len());
        #[cfg(target_arch = "x86_64")]
        if let Some(wide) = &self.wide {
            // SAFETY: `wide` exists only when the CPU has AVX2.
            return unsafe { avx2::dot(wide, row) };
        }
        self.query
            .iter()
            .zip(row)
            .map(|(&x, &y)| i32::from(x) * i32::from(y))
            .sum()
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// `query` (widened to i16) · `row`, both of the same length.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dot(query: &[i16], row: &[i8]) -> i32 {
        const STEP: usize = 16;
        let whole = row.len() / STEP * STEP;
        let (mut even, mut odd) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        let mut i = 0;
        while i < whole {
            // SAFETY: i + STEP <= whole <= both lengths; unaligned loads.
            let (q, r) = unsafe {
                (
                    _mm256_loadu_si256(query.as_ptr().add(i).cast()),
                    _mm_loadu_si128(row.as_ptr().add(i).cast()),
                )
            };
            let products = _mm256_madd_epi16(q, _mm256_cvtepi8_epi16(r));
            // Two accumulators, so consecutive adds do not wait on each other.
            if (i / STEP).is_multiple_of(2) {
                even = _mm256_add_epi32(even, products);
            } else {
                odd = _mm256_add_epi32(odd, products);
            }
            i += STEP;
        }
        let sum = _mm256_add_epi32(even, odd);
        let sum = _mm_add_epi32(
            _mm256_castsi256_si128(sum),
            _mm256_extracti128_si256::<1>(sum),
        );
        let sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b01_00_11_10>(sum));
        let sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b10_11_00_01>(sum));
        let tail: i32 = query[whole..]
            .iter()
            .zip(&row[whole..])
            .map(|(&x, &y)| i32::from(x) * i32::from(y))
            .sum();
        _mm_cvtsi128_si32(sum) + tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    /// An index with its f32 rows beside it, as the table holds them.
    #[derive(Default)]
    struct Indexed {
        index: VectorIndex,
        rows: HashMap<Uuid, Vec<f32>>,
    }

    impl Indexed {
        fn upsert(&mut self, id: Uuid, owner: Uuid, v: &[f32]) {
            if self.index.dim != v.len() {
                self.rows.clear();
            }
            self.index.upsert(id, owner, v);
            self.rows.insert(id, v.to_vec());
        }

        fn remove(&mut self, id: Uuid) {
            self.index.remove(id);
            self.rows.remove(&id);
        }

        fn nearest(&self, q: &[f32], k: usize, owners: Option<&[Uuid]>) -> Vec<(Uuid, f32)> {
            let mut ranked: Vec<(Uuid, f32)> = self
                .index
                .candidates(q, k, owners)
                .into_iter()
                .filter_map(|id| distance(q, &self.rows[&id]).map(|d| (id, d)))
                .collect();
            keep_nearest(&mut ranked, k);
            ranked
        }
    }

    #[test]
    fn nearest_ranks_by_cosine_and_scopes_by_owner() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        let mut index = Indexed::default();
        index.upsert(ids[0], me, &unit(&[1.0, 0.0, 0.0]));
        index.upsert(ids[1], me, &unit(&[1.0, 1.0, 0.0]));
        index.upsert(ids[2], other, &unit(&[1.0, 0.1, 0.0]));
        index.upsert(ids[3], me, &unit(&[0.0, 0.0, 1.0]));
        let found = index.nearest(&unit(&[1.0, 0.05, 0.0]), 2, Some(&[me]));
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![ids[0], ids[1]]
        );
        assert!(found[0].1 < 0.01);
        let all = index.nearest(&unit(&[1.0, 0.05, 0.0]), 10, None);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].0, ids[2]);
        assert_eq!(all[3].0, ids[3]);
    }

    #[test]
    fn removing_and_replacing_rows_keeps_the_rest_intact() {
        let owner = Uuid::new_v4();
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        let mut index = Indexed::default();
        for (i, id) in ids.iter().enumerate() {
            let mut v = vec![0.0; 20];
            v[i] = 1.0;
            index.upsert(*id, owner, &v);
        }
        index.remove(ids[0]);
        assert_eq!(index.index.len(), 2);
        let mut q = vec![0.0; 20];
        q[2] = 1.0;
        assert_eq!(index.nearest(&q, 1, None)[0].0, ids[2]);
        // Replace row 1 with row 2's direction: both now match.
        index.upsert(ids[1], owner, &q);
        assert_eq!(index.index.len(), 2);
        assert!(index.nearest(&q, 2, None).iter().all(|m| m.1.abs() < 1e-6));
        assert_eq!(index.index.owner_of(ids[1]), Some(owner));
        // Another length: the model changed, the old rows go.
        index.upsert(ids[0], owner, &[1.0, 0.0]);
        assert_eq!(index.index.len(), 1);
    }

    #[test]
    fn the_quantised_scan_answers_the_exact_nearest_rows_and_distances() {
        // Clustered 512-d unit vectors, as CLIP embeddings of similar photos are: the
        // neighbours are close together, where quantisation could swap them.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..20)
            .map(|_| (0..512).map(|_| next()).collect())
            .collect();
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let mut index = Indexed::default();
        let mut rows = Vec::new();
        for i in 0..5000 {
            let v = unit(
                &centres[i % 20]
                    .iter()
                    .map(|c| c + next() * 0.3)
                    .collect::<Vec<_>>(),
            );
            let (id, owner) = (Uuid::new_v4(), if i % 3 == 0 { other } else { me });
            index.upsert(id, owner, &v);
            rows.push((id, owner, v));
        }
        for centre in &centres {
            let query = unit(&centre.iter().map(|c| c + next() * 0.3).collect::<Vec<_>>());
            let mut exact: Vec<(Uuid, f32)> = rows
                .iter()
                .filter(|r| r.1 == me)
                .map(|r| (r.0, 1.0 - dot(&query, &r.2)))
                .collect();
            keep_nearest(&mut exact, 100);
            let found = index.nearest(&query, 100, Some(&[me]));
            assert_eq!(found, exact);
        }
    }

    #[test]
    fn the_i8_dot_product_is_exact_at_every_length() {
        for len in [1, 15, 16, 17, 48, 512, 515] {
            let a: Vec<i8> = (0..len).map(|i| (i * 37 % 255) as i8).collect();
            let b: Vec<i8> = (0..len).map(|i| (127 - i * 11 % 255) as i8).collect();
            let expected: i32 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            assert_eq!(I8Dot::new(&a).with(&b), expected, "length {len}");
        }
    }

    #[test]
    fn dot_handles_lengths_that_are_not_multiples_of_the_lanes() {
        let a: Vec<f32> = (0..37).map(|i| i as f32).collect();
        let b = vec![1.0; 37];
        assert_eq!(dot(&a, &b), (0..37).sum::<i32>() as f32);
    }
}
