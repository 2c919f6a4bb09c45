//! The per-slot part of the objective (under- and over-staffing around the requirement, floors
//! and caps) and the shift deltas the greedy steps use.

use crate::schedule::mip::Mip;
use crate::schedule::model::{Columns, QueueData};

/// Objective change per agent below a floor in [`SlotCost::add_delta`]: greedy steps repair
/// floors before anything else.
pub(super) const FLOOR_REWARD: f64 = 1e6;

/// Each slot's price per agent short and per agent over.
pub(super) struct SlotPrices {
    /// Infinite without an under-staffing column (hard coverage).
    pub(super) under: Vec<f64>,
    /// Zero without an over-staffing column.
    pub(super) over: Vec<f64>,
}

/// The model's [`SlotPrices`].
pub(super) fn slot_prices(m: &Mip, cols: &Columns) -> SlotPrices {
    let price = |col: &Option<usize>, none: f64| col.map_or(none, |j| m.cols[j].cost);
    SlotPrices {
        under: cols.under.iter().map(|u| price(u, f64::INFINITY)).collect(),
        over: cols.over.iter().map(|o| price(o, 0.0)).collect(),
    }
}

/// The per-slot part of the objective: a convex piecewise-linear penalty around `required`,
/// with the floor and cap as hard limits.
pub(super) struct SlotCost<'a> {
    pub(super) required: &'a [u32],
    pub(super) floor: &'a [u32],
    pub(super) cap: &'a [Option<u32>],
    pub(super) under: &'a [f64],
    pub(super) over: &'a [f64],
}

impl<'a> SlotCost<'a> {
    /// The queue's requirements, floors and caps with these prices.
    pub(super) fn of(q: &'a QueueData, prices: &'a SlotPrices) -> Self {
        SlotCost {
            required: &q.required,
            floor: &q.floor,
            cap: &q.cap,
            under: &prices.under,
            over: &prices.over,
        }
    }

    /// Objective change of adding a shift of `cost` covering `covered` at coverage `cov`
    /// (infinite above a cap); a slot below its floor counts −[`FLOOR_REWARD`], so a greedy
    /// step repairs floors first.
    pub(super) fn add_delta(&self, cov: &[u32], covered: &[usize], cost: f64) -> f64 {
        let mut d = cost;
        for &t in covered {
            let n = cov[t];
            if self.cap[t].is_some_and(|cap| n + 1 > cap) {
                return f64::INFINITY;
            }
            d += if n < self.floor[t] {
                -FLOOR_REWARD
            } else if n < self.required[t] {
                -self.under[t]
            } else {
                self.over[t]
            };
        }
        d
    }

    /// Objective change of removing a shift of `cost` covering `covered` at coverage `cov`
    /// (infinite below a floor).
    pub(super) fn remove_delta(&self, cov: &[u32], covered: &[usize], cost: f64) -> f64 {
        let mut d = -cost;
        for &t in covered {
            let n = cov[t];
            if n == 0 || n - 1 < self.floor[t] {
                return f64::INFINITY;
            }
            d += if n - 1 < self.required[t] { self.under[t] } else { -self.over[t] };
        }
        d
    }

    /// The slot's objective term at `n` agents (infinite when short without an under-staffing
    /// column).
    pub(super) fn at(&self, t: usize, n: u32) -> f64 {
        let r = self.required[t];
        if n < r {
            f64::from(r - n) * self.under[t]
        } else {
            f64::from(n - r) * self.over[t]
        }
    }

    /// Objective change when slot `t` goes from `n` agents to `n + 1`.
    pub(super) fn up(&self, t: usize, n: u32) -> f64 {
        if self.cap[t].is_some_and(|cap| n + 1 > cap) {
            f64::INFINITY
        } else if n < self.required[t] {
            -self.under[t]
        } else {
            self.over[t]
        }
    }

    /// Objective change when slot `t` goes from `n` agents to `n - 1`.
    pub(super) fn down(&self, t: usize, n: u32) -> f64 {
        if n == 0 || n - 1 < self.floor[t] {
            f64::INFINITY
        } else if n - 1 < self.required[t] {
            self.under[t]
        } else {
            -self.over[t]
        }
    }
}
