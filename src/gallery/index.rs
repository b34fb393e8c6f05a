//! The 1:N search index: every stored embedding in one contiguous row-major matrix, scanned with
//! a SIMD dot product (wasm `simd128` in the browser; auto-vectorised lanes natively).
//!
//! Rows are unit vectors, so a dot product is the cosine similarity. A delete moves the last row
//! into the hole (O(1)); row order is therefore not insertion order, and nothing relies on it.

use std::collections::HashMap;

use crate::constants::EMBEDDING_LEN;

/// Row-major `len x 512` matrix of unit embeddings, each row tagged with its image id and a
/// subject number (the caller's interned subject).
#[derive(Debug, Default, Clone)]
pub struct EmbeddingIndex {
    data: Vec<f32>,
    ids: Vec<String>,
    subjects: Vec<u32>,
    rows: HashMap<String, usize>,
}

/// One scored row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub row: usize,
    pub score: f32,
}

impl EmbeddingIndex {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds (or replaces) the row of `id`. `embedding` must be 512 unit-length floats.
    pub fn insert(&mut self, id: &str, subject: u32, embedding: &[f32]) {
        debug_assert_eq!(embedding.len(), EMBEDDING_LEN);
        if let Some(&row) = self.rows.get(id) {
            self.data[row * EMBEDDING_LEN..(row + 1) * EMBEDDING_LEN].copy_from_slice(embedding);
            self.subjects[row] = subject;
            return;
        }
        self.rows.insert(id.to_string(), self.ids.len());
        self.ids.push(id.to_string());
        self.subjects.push(subject);
        self.data.extend_from_slice(embedding);
    }

    /// Removes the row of `id` (no-op when absent) by moving the last row into its place.
    pub fn remove(&mut self, id: &str) {
        let Some(row) = self.rows.remove(id) else { return };
        let last = self.ids.len() - 1;
        if row != last {
            self.data.copy_within(last * EMBEDDING_LEN..(last + 1) * EMBEDDING_LEN, row * EMBEDDING_LEN);
            self.ids.swap(row, last);
            self.subjects.swap(row, last);
            self.rows.insert(self.ids[row].clone(), row);
        }
        self.data.truncate(last * EMBEDDING_LEN);
        self.ids.pop();
        self.subjects.pop();
    }

    pub fn clear(&mut self) {
        *self = EmbeddingIndex::default();
    }

    /// Files the row of `id` under another subject number.
    pub fn set_subject(&mut self, id: &str, subject: u32) {
        if let Some(&row) = self.rows.get(id) {
            self.subjects[row] = subject;
        }
    }

    pub fn embedding(&self, id: &str) -> Option<&[f32]> {
        self.rows.get(id).map(|&row| &self.data[row * EMBEDDING_LEN..(row + 1) * EMBEDDING_LEN])
    }

    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    pub fn subject(&self, row: usize) -> u32 {
        self.subjects[row]
    }

    /// The `k` best rows for a unit-length `query`, best first; ties go to the lower row.
    pub fn top_rows(&self, query: &[f32], k: usize) -> Vec<Hit> {
        let mut best = TopK::new(k);
        for (row, stored) in self.data.chunks_exact(EMBEDDING_LEN).enumerate() {
            best.offer(Hit { row, score: dot(query, stored) });
        }
        best.into_sorted()
    }

    /// The best score of every subject number that has a row: `(subject, score)`, best first,
    /// at most `k` of them.
    pub fn top_subjects(&self, query: &[f32], k: usize, subject_count: usize) -> Vec<(u32, f32)> {
        let mut per_subject = vec![f32::NEG_INFINITY; subject_count];
        for (row, stored) in self.data.chunks_exact(EMBEDDING_LEN).enumerate() {
            let s = self.subjects[row] as usize;
            let score = dot(query, stored);
            if score > per_subject[s] {
                per_subject[s] = score;
            }
        }
        let mut best = TopK::new(k);
        for (s, &score) in per_subject.iter().enumerate() {
            if score.is_finite() {
                best.offer(Hit { row: s, score });
            }
        }
        best.into_sorted().into_iter().map(|h| (h.row as u32, h.score)).collect()
    }
}

/// The `k` highest hits seen so far, kept sorted (k is small: ≤ 10 for search, the subject
/// count for recognize), so each offer is one comparison in the common case.
struct TopK {
    k: usize,
    hits: Vec<Hit>,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK { k, hits: Vec::with_capacity(k.min(1024) + 1) }
    }

    fn offer(&mut self, hit: Hit) {
        if self.k == 0 || (self.hits.len() == self.k && hit.score <= self.hits[self.k - 1].score) {
            return;
        }
        let at = self.hits.partition_point(|h| h.score >= hit.score);
        self.hits.insert(at, hit);
        self.hits.truncate(self.k);
    }

    fn into_sorted(self) -> Vec<Hit> {
        self.hits
    }
}

/// Dot product of two equal-length slices whose length is a multiple of 16 (512 here).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    use core::arch::wasm32::*;
    debug_assert!(a.len() == b.len() && a.len() % 16 == 0);
    // Four independent accumulators hide the add latency; v128_load is an unaligned load.
    let mut acc = [f32x4_splat(0.0); 4];
    for (ca, cb) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for (lane, sum) in acc.iter_mut().enumerate() {
            // SAFETY: chunks_exact(16) guarantees 16 readable floats; 4 per load.
            let (x, y) = unsafe {
                (
                    v128_load(ca.as_ptr().add(lane * 4) as *const v128),
                    v128_load(cb.as_ptr().add(lane * 4) as *const v128),
                )
            };
            *sum = f32x4_add(*sum, f32x4_mul(x, y));
        }
    }
    let sum = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
    f32x4_extract_lane::<0>(sum) + f32x4_extract_lane::<1>(sum) + f32x4_extract_lane::<2>(sum) + f32x4_extract_lane::<3>(sum)
}

/// Dot product of two equal-length slices whose length is a multiple of 16 (512 here).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Sixteen independent lanes: LLVM turns this into SSE/AVX multiply-adds.
    let mut acc = [0.0f32; 16];
    for (ca, cb) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += ca[i] * cb[i];
        }
    }
    acc.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: u32) -> Vec<f32> {
        let v: Vec<f32> = (0..EMBEDDING_LEN).map(|i| ((i as u32 * 7919 + seed * 104729) % 1000) as f32 - 500.0).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    #[test]
    fn dot_matches_the_scalar_sum() {
        let (a, b) = (unit(1), unit(2));
        let scalar: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!((dot(&a, &b) as f64 - scalar).abs() < 1e-5);
    }

    #[test]
    fn remove_keeps_every_other_row_findable() {
        let mut index = EmbeddingIndex::default();
        for i in 0..5 {
            index.insert(&format!("f{i}"), i % 2, &unit(i));
        }
        index.remove("f1");
        index.remove("f4");
        index.remove("nope");
        assert_eq!(index.len(), 3);
        for i in [0, 2, 3] {
            let hit = index.top_rows(&unit(i), 1)[0];
            assert_eq!(index.id(hit.row), format!("f{i}"));
            assert!((hit.score - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn top_subjects_keeps_each_subjects_best_face() {
        let mut index = EmbeddingIndex::default();
        index.insert("a1", 0, &unit(10));
        index.insert("a2", 0, &unit(11));
        index.insert("b1", 1, &unit(12));
        let top = index.top_subjects(&unit(11), 5, 3);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].0, 0);
        assert!((top[0].1 - 1.0).abs() < 1e-5);
        assert_eq!(index.top_subjects(&unit(11), 1, 3).len(), 1);
    }
}
