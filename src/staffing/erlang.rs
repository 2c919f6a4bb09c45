//! Erlang B, Erlang C and Erlang A for one interval.
//!
//! Notation used throughout: arrivals are Poisson with rate λ, handle times exponential with mean
//! `aht_seconds` (rate μ = 1/AHT), `n` agents, offered traffic A = λ/μ Erlangs. Erlang A adds
//! exponential patience with mean `patience_seconds` (rate θ); r = θ/μ = AHT/patience.
//!
//! # Erlang B (M/M/n/n)
//! B(n, A) = (Aⁿ/n!) / Σₖ₌₀ⁿ Aᵏ/k!, computed with the classical recursion
//! B(0) = 1, B(m) = A·B(m−1) / (m + A·B(m−1)), equivalently 1/B(m) = 1 + (m/A)·1/B(m−1). It is
//! iterated in the 1/B form (one multiply-add per step) and switches to the B form — which only
//! shrinks towards 0 and so cannot overflow — once 1/B exceeds 10³⁰⁰. The recursion is forward
//! stable: an error in 1/B(m−1) reaches 1/B(m) multiplied by (1 − B(m)) in relative terms (Jagerman, "Some properties of the
//! Erlang loss function", Bell Syst. Tech. J. 53, 1974). Because B(m) ≥ 1 − m/A (carried load
//! cannot exceed m), that factor is ≤ m/A below A, so the recursion forgets its start: starting at
//! m₀ = min(n, A) − 10√A − 10 from the guess B(m₀) ≈ 1 − m₀/A, the starting error is damped by
//! at least e^−50 before m reaches n. This makes B(n, A) cost O(√A + |n − A|) instead of O(n),
//! with full double precision (checked against the full recursion in the tests).
//!
//! # Erlang C (M/M/n)
//! For n > A: C(n, A) = n·B / (n − A·(1 − B)) (wait probability, Cooper, *Introduction to
//! Queueing Theory*, 2nd ed., §3.4), and with FCFS service
//! - service level  SL(t) = P(W ≤ t) = 1 − C·e^{−(n−A)·t/AHT}
//! - ASA            E[W]  = C·AHT / (n − A)
//! - occupancy      A / n.
//!
//! For n ≤ A the queue is unstable: wait probability 1, SL 0, ASA ∞, occupancy 1.
//!
//! # Erlang A (M/M/n+M)
//! Garnett, Mandelbaum & Reiman, "Designing a call center with impatient customers",
//! M&SOM 4(3), 2002; performance measures as summarised by Mandelbaum & Zeltyn, "The M/M/n+G
//! queue: summary of performance measures" (Technion, 2009). The number in system is a
//! birth–death process with death rate min(k, n)·μ + (k − n)⁺·θ. Relative to π_n:
//! - states k < n carry mass L = 1/B(n, A) − 1,
//! - queue states n + j carry w_j = Π_{i=1..j} A / (n + i·r).
//!
//! An arrival that finds j others waiting (PASTA) has offered wait V_j = Σ_{i=0..j} Exp(nμ + iθ)
//! (everyone ahead leaves by service or abandonment). With exponential patience τ:
//! - P(answered | j) = E[e^{−θV_j}] = n / (n + (j+1)·r)  (the product telescopes),
//! - E[V_j; answered] = P(answered | j) · AHT · Σ_{i=1..j+1} 1/(n + i·r),
//! - P(V_j ≤ t, answered) = P(answered | j) · P(V′_j ≤ t) where V′_j = Σ_{i=1..j+1} Exp(nμ + iθ)
//!   and P(V′_j ≤ t) = I_u(j+1, n/r+1) = P(N > j) for N negative binomial with size n/r + 1 and
//!   u = 1 − e^{−θt} (density of V′_j: Π(nμ+iθ)/(j!θʲ) · e^{−(nμ+θ)v}(1 − e^{−θv})ʲ).
//!
//! Summing these over j (relative to the mode of w, with the mode's logarithm carried separately
//! so nothing overflows even far beyond A) gives exact wait probability, abandonment probability,
//! service level and ASA of answered contacts; the series are cut when a term falls below 10⁻²⁰
//! of the sum. Summing w_j against the density above reproduces the closed forms of Mandelbaum &
//! Zeltyn in terms of the incomplete gamma function; the series is the same quantity evaluated
//! term by term. As θ → 0 every quantity tends to its Erlang C value (tested).
//!
//! **Service level convention (WFM):** SL(t) = contacts *answered* within t / contacts
//! *offered*. Abandoned contacts stay in the denominator and never count as within t, even when
//! they abandoned before t. Contacts answered at once count as answered within t.

use super::StaffingError;
// ln Γ (Lanczos, Pugh 2004) and ψ (asymptotic series, A&S 6.3.18): only reached for the
// far-out queue positions below.
use statrs::function::gamma::{digamma, ln_gamma};

/// Cut series when a term falls below this fraction of the running sum.
const SERIES_EPSILON: f64 = 1e-20;

fn check_positive(name: &'static str, value: f64) -> Result<(), StaffingError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(StaffingError::InvalidParameter { name, value, expected: "a number > 0" })
    }
}

fn check_non_negative(name: &'static str, value: f64) -> Result<(), StaffingError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(StaffingError::InvalidParameter { name, value, expected: "a number >= 0" })
    }
}

/// Offered traffic in Erlangs: contacts × AHT / interval length.
pub fn traffic_erlangs(contacts: f64, aht_seconds: f64, interval_minutes: u32) -> f64 {
    contacts * aht_seconds / (f64::from(interval_minutes) * 60.0)
}

/// Erlang B blocking probability B(n, A) by the stable recursion (see the module notes).
pub fn erlang_b(servers: u32, traffic_erlangs: f64) -> f64 {
    let a = traffic_erlangs;
    if a <= 0.0 {
        return if servers == 0 { 1.0 } else { 0.0 };
    }
    let n = f64::from(servers);
    let m0 = (n.min(a) - 10.0 * a.sqrt() - 10.0).floor();
    // Iterate x = 1/B: x(m) = 1 + (m/A)·x(m−1) is one multiply-add per step (no division).
    let (mut m, mut x) = if m0 >= 1.0 {
        // B(m0) ≥ 1 − m0/A; the recursion damps the error of this guess by e^−50 or more.
        (m0 as u32, a / (a - m0))
    } else {
        (0, 1.0)
    };
    let inv_a = 1.0 / a;
    let mut mf = f64::from(m);
    while m < servers {
        m += 1;
        mf += 1.0;
        x = 1.0 + mf * inv_a * x;
        if x > 1e300 {
            // B < 1e−300: continue in the B form, which underflows gracefully instead of
            // overflowing.
            let mut b = 1.0 / x;
            while m < servers {
                m += 1;
                let ab = a * b;
                b = ab / (f64::from(m) + ab);
            }
            return b;
        }
    }
    1.0 / x
}

/// Erlang B: blocking for a loss system (no queue).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangB {
    traffic_erlangs: f64,
}

impl ErlangB {
    /// `traffic_erlangs` must be finite and >= 0.
    pub fn new(traffic_erlangs: f64) -> Result<Self, StaffingError> {
        check_non_negative("traffic_erlangs", traffic_erlangs)?;
        Ok(ErlangB { traffic_erlangs })
    }

    pub fn traffic_erlangs(&self) -> f64 {
        self.traffic_erlangs
    }

    /// Blocking probability B(n, A).
    pub fn blocking(&self, servers: u32) -> f64 {
        erlang_b(servers, self.traffic_erlangs)
    }

    /// Fewest servers with blocking ≤ `max_blocking` (in (0, 1]).
    pub fn required_servers(&self, max_blocking: f64) -> Result<u32, StaffingError> {
        if !(max_blocking.is_finite() && max_blocking > 0.0 && max_blocking <= 1.0) {
            return Err(StaffingError::InvalidParameter {
                name: "max_blocking",
                value: max_blocking,
                expected: "a fraction in (0, 1]",
            });
        }
        let a = self.traffic_erlangs;
        // B(n) < A^n/n! → 0 super-exponentially; this bound is far beyond any reachable answer.
        let cap = search_cap(a);
        let mut b = 1.0;
        let mut n = 0u32;
        while b > max_blocking {
            if n >= cap {
                return Err(StaffingError::Unreachable(format!(
                    "blocking {max_blocking} is not reached with up to {cap} servers"
                )));
            }
            n += 1;
            let ab = a * b;
            b = ab / (f64::from(n) + ab);
        }
        Ok(n)
    }
}

/// An upper bound on any agent count worth trying for traffic `a`: far beyond the point where
/// every queueing measure is 1 − 10⁻³⁰⁰-close to its limit.
pub(crate) fn search_cap(a: f64) -> u32 {
    (2.0 * a + 40.0 * a.sqrt() + 400.0).min(f64::from(u32::MAX / 2)) as u32
}

/// Queue measures of one interval at a given number of agents (or servers).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Servers the measures are for (agents × concurrency for chat).
    pub servers: u32,
    pub traffic_erlangs: f64,
    /// Probability an arrival has to wait (all agents busy).
    pub wait_probability: f64,
    /// Answered within the target time / offered (see the module's convention).
    pub service_level: f64,
    /// Average speed of answer of answered contacts, seconds (∞ when unstable or no agents).
    pub asa_seconds: f64,
    /// Fraction of agent time spent handling contacts (1 when there is traffic but no agent).
    pub occupancy: f64,
    /// Erlang A abandonment probability; `None` for Erlang C.
    pub abandon_rate: Option<f64>,
}

impl Metrics {
    /// Every contact waits and none is answered within any target: an unstable Erlang C
    /// queue, or Erlang A without agents (`abandon_rate` 1).
    fn overwhelmed(servers: u32, traffic_erlangs: f64, abandon_rate: Option<f64>) -> Self {
        Metrics {
            servers,
            traffic_erlangs,
            wait_probability: 1.0,
            service_level: 0.0,
            asa_seconds: f64::INFINITY,
            occupancy: 1.0,
            abandon_rate,
        }
    }

    fn empty(servers: u32) -> Self {
        Metrics {
            servers,
            traffic_erlangs: 0.0,
            wait_probability: 0.0,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: 0.0,
            abandon_rate: None,
        }
    }
}

/// Erlang C (M/M/n, infinitely patient callers).
///
/// ```
/// use shiftcast::staffing::ErlangC;
/// // 100 contacts in 30 minutes at 180 s AHT = 10 Erlangs.
/// let c = ErlangC::from_contacts(100.0, 180.0, 30).unwrap();
/// let m = c.metrics(14, 20.0);
/// assert!((m.wait_probability - 0.174132).abs() < 1e-6);
/// assert!((m.service_level - 0.888350).abs() < 1e-6);
/// assert!((m.asa_seconds - 7.8359).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    traffic_erlangs: f64,
    aht_seconds: f64,
}

impl ErlangC {
    /// Traffic in Erlangs (finite, >= 0) and AHT in seconds (finite, > 0).
    pub fn new(traffic_erlangs: f64, aht_seconds: f64) -> Result<Self, StaffingError> {
        check_non_negative("traffic_erlangs", traffic_erlangs)?;
        check_positive("aht_seconds", aht_seconds)?;
        Ok(ErlangC { traffic_erlangs, aht_seconds })
    }

    /// From contacts offered in one interval.
    pub fn from_contacts(
        contacts: f64,
        aht_seconds: f64,
        interval_minutes: u32,
    ) -> Result<Self, StaffingError> {
        check_non_negative("contacts", contacts)?;
        check_positive("aht_seconds", aht_seconds)?;
        check_interval(interval_minutes)?;
        Self::new(traffic_erlangs(contacts, aht_seconds, interval_minutes), aht_seconds)
    }

    pub fn traffic_erlangs(&self) -> f64 {
        self.traffic_erlangs
    }

    pub fn aht_seconds(&self) -> f64 {
        self.aht_seconds
    }

    /// Wait probability C(n, A).
    pub fn wait_probability(&self, servers: u32) -> f64 {
        erlang_c_from_b(servers, self.traffic_erlangs, erlang_b(servers, self.traffic_erlangs))
    }

    /// P(W ≤ t) = 1 − C·e^{−(n−A)t/AHT}.
    pub fn service_level(&self, servers: u32, target_answer_seconds: f64) -> f64 {
        self.metrics(servers, target_answer_seconds).service_level
    }

    /// E[W] = C·AHT/(n − A).
    pub fn asa_seconds(&self, servers: u32) -> f64 {
        self.metrics(servers, 0.0).asa_seconds
    }

    /// All measures at `servers`.
    pub fn metrics(&self, servers: u32, target_answer_seconds: f64) -> Metrics {
        let b = erlang_b(servers, self.traffic_erlangs);
        self.metrics_from_b(servers, b, target_answer_seconds)
    }

    /// Measures given B(servers, A) already computed (the search walks B upwards).
    pub(crate) fn metrics_from_b(
        &self,
        servers: u32,
        b: f64,
        target_answer_seconds: f64,
    ) -> Metrics {
        let a = self.traffic_erlangs;
        if a <= 0.0 {
            return Metrics::empty(servers);
        }
        let n = f64::from(servers);
        if n <= a {
            return Metrics::overwhelmed(servers, a, None);
        }
        let c = erlang_c_from_b(servers, a, b);
        let sl = 1.0 - c * (-(n - a) * target_answer_seconds / self.aht_seconds).exp();
        Metrics {
            servers,
            traffic_erlangs: a,
            wait_probability: c,
            service_level: sl.clamp(0.0, 1.0),
            asa_seconds: c * self.aht_seconds / (n - a),
            occupancy: a / n,
            abandon_rate: None,
        }
    }
}

/// C(n, A) = n·B / (n − A(1 − B)) for n > A, else 1.
fn erlang_c_from_b(servers: u32, a: f64, b: f64) -> f64 {
    let n = f64::from(servers);
    if a <= 0.0 {
        0.0
    } else if n <= a {
        1.0
    } else {
        (n * b / (n - a * (1.0 - b))).min(1.0)
    }
}

pub(crate) fn check_interval(interval_minutes: u32) -> Result<(), StaffingError> {
    if interval_minutes == 0 {
        Err(StaffingError::InvalidParameter {
            name: "interval_minutes",
            value: 0.0,
            expected: "an integer > 0",
        })
    } else {
        Ok(())
    }
}

/// Erlang A (M/M/n+M): callers abandon after an exponential patience.
///
/// ```
/// use shiftcast::staffing::ErlangA;
/// let a = ErlangA::from_contacts(100.0, 180.0, 30, 300.0).unwrap();
/// let m = a.metrics(14, 20.0);
/// assert!((m.wait_probability - 0.14526).abs() < 1e-5);
/// assert!((m.abandon_rate.unwrap() - 0.013984).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    traffic_erlangs: f64,
    aht_seconds: f64,
    patience_seconds: f64,
}

impl ErlangA {
    /// Traffic (>= 0), AHT (> 0) and mean patience (> 0), all finite.
    pub fn new(
        traffic_erlangs: f64,
        aht_seconds: f64,
        patience_seconds: f64,
    ) -> Result<Self, StaffingError> {
        check_non_negative("traffic_erlangs", traffic_erlangs)?;
        check_positive("aht_seconds", aht_seconds)?;
        check_positive("patience_seconds", patience_seconds)?;
        Ok(ErlangA { traffic_erlangs, aht_seconds, patience_seconds })
    }

    /// From contacts offered in one interval.
    pub fn from_contacts(
        contacts: f64,
        aht_seconds: f64,
        interval_minutes: u32,
        patience_seconds: f64,
    ) -> Result<Self, StaffingError> {
        check_non_negative("contacts", contacts)?;
        check_positive("aht_seconds", aht_seconds)?;
        check_interval(interval_minutes)?;
        Self::new(
            traffic_erlangs(contacts, aht_seconds, interval_minutes),
            aht_seconds,
            patience_seconds,
        )
    }

    pub fn traffic_erlangs(&self) -> f64 {
        self.traffic_erlangs
    }

    pub fn aht_seconds(&self) -> f64 {
        self.aht_seconds
    }

    pub fn patience_seconds(&self) -> f64 {
        self.patience_seconds
    }

    /// Abandonment probability at `servers`.
    pub fn abandon_rate(&self, servers: u32) -> f64 {
        self.metrics(servers, 0.0).abandon_rate.unwrap_or(0.0)
    }

    /// Wait probability P(all agents busy on arrival).
    pub fn wait_probability(&self, servers: u32) -> f64 {
        self.metrics(servers, 0.0).wait_probability
    }

    /// All measures at `servers`, service level for answers within `target_answer_seconds`.
    /// Cost O(√(A/r) + |n − A|/r) multiply-adds (see the module notes).
    pub fn metrics(&self, servers: u32, target_answer_seconds: f64) -> Metrics {
        let a = self.traffic_erlangs;
        if a <= 0.0 {
            let mut m = Metrics::empty(servers);
            m.abandon_rate = Some(0.0);
            return m;
        }
        if servers == 0 {
            // Nobody answers: every caller waits until they give up. (The series below would
            // leave a rounding residue of "answered" and report an ASA of 0.)
            return Metrics::overwhelmed(servers, a, Some(1.0));
        }
        let n = f64::from(servers);
        let r = self.aht_seconds / self.patience_seconds;
        let theta = 1.0 / self.patience_seconds;
        let b = erlang_b(servers, a);
        // Mass of states below n relative to π_n; tiny B means no one ever waits.
        let below = (1.0 - b) / b;
        if b == 0.0 || !below.is_finite() {
            let mut m = Metrics::empty(servers);
            m.traffic_erlangs = a;
            m.occupancy = a / n;
            m.abandon_rate = Some(0.0);
            return m;
        }

        // Mode of w_j: the ratio A/(n + j r) is >= 1 while j <= (A − n)/r.
        let mode = if a > n { ((a - n) / r).floor().min(1e15) as u64 } else { 0 };
        let ln_w_mode = ln_queue_weight(mode, a, n, r);

        // Walk down from the mode to the last term that matters.
        let mut low = mode;
        let mut v_low = 1.0;
        let mut sum = 1.0;
        while low > 0 {
            let v = v_low * (n + low as f64 * r) / a;
            if v < SERIES_EPSILON * sum {
                break;
            }
            v_low = v;
            sum += v;
            low -= 1;
        }

        // Negative binomial N (size n/r + 1, u = 1 − e^{−θt}): P(V′_j ≤ t) = P(N > j).
        let u = -(-theta * target_answer_seconds).exp_m1();
        let theta_t = theta * target_answer_seconds;

        // h_j = Σ_{i=1..j+1} 1/(n + i r); before the loop, h_{low−1}.
        let mut h = harmonic_queue_sum(low, n, r);
        let mut tail = NegBinTail::new(n / r, u, theta_t, low);
        let (mut s_wait, mut s_abandoned, mut s_answer_time, mut s_within) = (0.0, 0.0, 0.0, 0.0);
        let mut j = low;
        let mut v = v_low;
        loop {
            // One division per term: 1/(n + (j+1)r) serves P(answered | j), h_j and w_{j+1}/w_j.
            let jr = (j + 1) as f64 * r;
            let inv = 1.0 / (n + jr);
            h += inv;
            let p_answer = n * inv;
            s_wait += v;
            s_abandoned += v * jr * inv;
            s_answer_time += v * p_answer * h;
            s_within += v * p_answer * tail.greater_than(j);
            let next = v * a * inv;
            j += 1;
            if j > mode && next < SERIES_EPSILON * s_wait {
                break;
            }
            v = next;
        }

        // ratio = (mass below n) / (mass at and above n), in logs so neither side overflows.
        let ratio = if below == 0.0 { 0.0 } else { (below.ln() - s_wait.ln() - ln_w_mode).exp() };
        let wait_probability = 1.0 / (1.0 + ratio);
        let abandon_rate = (s_abandoned / s_wait) * wait_probability;
        let answered = 1.0 - abandon_rate;
        let service_level = (ratio + s_within / s_wait) / (1.0 + ratio);
        let answer_wait_total = (s_answer_time / s_wait) * wait_probability * self.aht_seconds;
        let asa_seconds = if answered > 0.0 { answer_wait_total / answered } else { f64::INFINITY };
        Metrics {
            servers,
            traffic_erlangs: a,
            wait_probability,
            service_level: service_level.clamp(0.0, 1.0),
            asa_seconds,
            occupancy: if servers == 0 { 1.0 } else { (a * answered / n).min(1.0) },
            abandon_rate: Some(abandon_rate.clamp(0.0, 1.0)),
        }
    }
}

/// Beyond this many terms, sums over the queue positions below the mode use ln Γ and ψ instead
/// of a loop (only reached far beyond A with a very long patience).
const DIRECT_SUM_LIMIT: u64 = 100_000;

/// ln w_mode = Σ_{i=1..mode} ln(A/(n + i r)): multiplied in chunks (a logarithm every few hundred
/// factors, all >= 1 up to the mode), or for long sums
/// mode·ln(A/r) − [ln Γ(n/r + mode + 1) − ln Γ(n/r + 1)].
fn ln_queue_weight(mode: u64, a: f64, n: f64, r: f64) -> f64 {
    if mode > DIRECT_SUM_LIMIT {
        let s = n / r;
        let m = mode as f64;
        return m * (a / r).ln() - (ln_gamma(s + m + 1.0) - ln_gamma(s + 1.0));
    }
    let mut ln = 0.0;
    let mut product = 1.0;
    for i in 1..=mode {
        product *= a / (n + i as f64 * r);
        if product > 1e250 {
            ln += product.ln();
            product = 1.0;
        }
    }
    ln + product.ln()
}

/// Σ_{i=1..count} 1/(n + i r): a loop, or for long sums (ψ(n/r + count + 1) − ψ(n/r + 1)) / r.
fn harmonic_queue_sum(count: u64, n: f64, r: f64) -> f64 {
    if count > DIRECT_SUM_LIMIT {
        let s = n / r;
        return (digamma(s + count as f64 + 1.0) - digamma(s + 1.0)) / r;
    }
    let mut h = 0.0;
    for i in 1..=count {
        h += 1.0 / (n + i as f64 * r);
    }
    h
}

/// Upper tail P(N > j) of a negative binomial N with pmf C(s+k, k)·q^{s+1}·u^k (q = 1 − u =
/// e^{−θt}), walked upwards in k alongside the queue positions j. While the pmf is below double
/// range (q^{s+1} underflows when t is many patience times) it is carried as mantissa × e^{scale},
/// and the tail is 1; it switches to plain numbers once representable. Queue positions that
/// start far out (> 10⁶, pathological patience) jump there with ln Γ.
struct NegBinTail {
    s: f64,
    u: f64,
    /// Next k whose pmf is not yet in `cdf`, and that pmf (scaled by e^{−ln_scale} if !plain).
    k: u64,
    pmf: f64,
    cdf: f64,
    ln_scale: f64,
    plain: bool,
    /// The tail is 0 from here on (all mass counted, or t = 0).
    exhausted: bool,
}

impl NegBinTail {
    /// Ready to answer `greater_than(j)` for j >= `first_j`.
    fn new(s: f64, u: f64, theta_t: f64, first_j: u64) -> Self {
        let mut d = NegBinTail {
            s,
            u,
            k: 0,
            pmf: 1.0,
            cdf: 0.0,
            ln_scale: -(s + 1.0) * theta_t,
            plain: false,
            exhausted: u <= 0.0,
        };
        if d.exhausted {
            // t = 0: N ≡ 0, nobody waiting is answered within 0 s.
            return d;
        }
        if first_j > 1_000_000 {
            d.jump_to(first_j, theta_t);
        }
        d.normalise();
        d
    }

    /// Start the walk at `k` directly when the mass below it is negligible (< e^−70) or the
    /// mass above it is; otherwise leave the walk to do it.
    fn jump_to(&mut self, k: u64, theta_t: f64) {
        let (s, u) = (self.s, self.u);
        let kf = k as f64;
        let ln_pmf =
            ln_gamma(s + kf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(s + 1.0) - (s + 1.0) * theta_t
                + kf * u.ln();
        let mode = u * s / (1.0 - u);
        if kf <= mode && ln_pmf + (kf + 1.0).ln() < -70.0 {
            // Increasing terms below the mode: CDF(k − 1) <= k·pmf(k) is negligible.
            self.k = k;
            self.pmf = 1.0;
            self.cdf = 0.0;
            self.ln_scale = ln_pmf;
        } else if kf > mode && ln_pmf + 20.0 * (kf + 1.0).ln() < -70.0 {
            self.exhausted = true;
        }
    }

    /// Switch to plain numbers once the pmf is representable.
    fn normalise(&mut self) {
        if !self.plain && self.ln_scale + self.pmf.ln() > -600.0 {
            // e^{ln_scale} alone may underflow: combine the logarithms first.
            self.pmf = (self.ln_scale + self.pmf.ln()).exp();
            self.cdf = (self.ln_scale + self.cdf.ln()).exp();
            self.plain = true;
        }
    }

    /// P(N > j); calls must come with non-decreasing j.
    fn greater_than(&mut self, j: u64) -> f64 {
        while !self.exhausted && self.k <= j {
            self.cdf += self.pmf;
            self.k += 1;
            self.pmf *= self.u * (self.s + self.k as f64) / self.k as f64;
            if self.plain {
                if self.cdf >= 1.0 - 1e-17 && self.pmf < 1e-20 {
                    self.exhausted = true;
                }
            } else {
                if self.pmf > 1e200 {
                    self.pmf *= 1e-200;
                    self.cdf *= 1e-200;
                    self.ln_scale += 200.0 * std::f64::consts::LN_10;
                }
                if self.ln_scale > -1100.0 {
                    self.normalise();
                }
            }
        }
        if self.exhausted {
            0.0
        } else if self.plain {
            (1.0 - self.cdf).max(0.0)
        } else {
            1.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Erlang B by the full recursion from 0 (the textbook definition).
    fn erlang_b_full(n: u32, a: f64) -> f64 {
        let mut b = 1.0;
        for m in 1..=n {
            b = a * b / (f64::from(m) + a * b);
        }
        b
    }

    #[test]
    fn erlang_b_hand_worked() {
        // B(1, A) = A/(1 + A); B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2.
        assert!(close(erlang_b(1, 3.0), 0.75, 1e-15));
        assert!(close(erlang_b(2, 1.0), 0.2, 1e-15));
        assert_eq!(erlang_b(0, 5.0), 1.0);
        assert_eq!(erlang_b(5, 0.0), 0.0);
    }

    #[test]
    fn erlang_b_reference_values() {
        // Published Erlang B table: 10 Erl at 2 % grade of service → 17 trunks.
        let b = ErlangB::new(10.0).unwrap();
        assert_eq!(b.required_servers(0.02).unwrap(), 17);
        assert!(b.blocking(16) > 0.02 && b.blocking(17) <= 0.02);
        // B(132, 123) = 0.0312 (issue reference).
        assert!(close(erlang_b(132, 123.0), 0.0312, 5e-5), "{}", erlang_b(132, 123.0));
    }

    #[test]
    fn erlang_b_fast_start_matches_full_recursion() {
        for &a in &[150.0, 333.3, 1234.5, 3333.0, 9000.0] {
            for &n in &[0.5 * a, 0.9 * a, a, a + 3.0 * f64::sqrt(a), 1.3 * a] {
                let n = n as u32;
                let fast = erlang_b(n, a);
                let full = erlang_b_full(n, a);
                assert!(
                    (fast - full).abs() <= 1e-12 * full + 1e-300,
                    "n={n} a={a}: {fast} vs {full}"
                );
            }
        }
    }

    #[test]
    fn erlang_c_issue_reference_at_14_agents() {
        // 100 contacts / 30 min, AHT 180 s → 10 Erl; pyworkforce and R ErlangC agree on these.
        let c = ErlangC::from_contacts(100.0, 180.0, 30).unwrap();
        assert!(close(c.traffic_erlangs(), 10.0, 1e-12));
        let m = c.metrics(14, 20.0);
        assert!(close(m.wait_probability, 0.174132, 5e-7), "{}", m.wait_probability);
        assert!(close(m.service_level, 0.888350, 5e-7), "{}", m.service_level);
        assert!(close(m.asa_seconds, 7.8359, 5e-5), "{}", m.asa_seconds);
        assert!(close(m.occupancy, 0.714286, 5e-7));
    }

    #[test]
    fn erlang_c_large_references() {
        let c = ErlangC::new(123.0, 180.0).unwrap();
        assert!(close(c.wait_probability(132), 0.3211, 5e-5), "{}", c.wait_probability(132));
        let c = ErlangC::new(12345.0, 180.0).unwrap();
        assert!(close(c.wait_probability(12421), 0.3812, 5e-5), "{}", c.wait_probability(12421));
    }

    #[test]
    fn erlang_c_hand_worked_single_agent() {
        // M/M/1: C = ρ, ASA = ρ·AHT/(1 − ρ), P(W ≤ t) = 1 − ρe^{−(1−ρ)t/AHT}.
        let c = ErlangC::new(0.5, 100.0).unwrap();
        let m = c.metrics(1, 50.0);
        assert!(close(m.wait_probability, 0.5, 1e-15));
        assert!(close(m.asa_seconds, 100.0, 1e-12));
        assert!(close(m.service_level, 1.0 - 0.5 * (-0.25f64).exp(), 1e-15));
        // M/M/2 at A = 1: C = 1/3.
        assert!(close(ErlangC::new(1.0, 60.0).unwrap().wait_probability(2), 1.0 / 3.0, 1e-15));
    }

    #[test]
    fn erlang_c_unstable_and_empty() {
        let c = ErlangC::new(10.0, 180.0).unwrap();
        let m = c.metrics(10, 20.0);
        assert_eq!((m.wait_probability, m.service_level, m.occupancy), (1.0, 0.0, 1.0));
        assert!(m.asa_seconds.is_infinite());
        let m = ErlangC::new(0.0, 180.0).unwrap().metrics(0, 20.0);
        assert_eq!((m.wait_probability, m.service_level, m.asa_seconds), (0.0, 1.0, 0.0));
    }

    #[test]
    fn erlang_a_without_agents_answers_nobody() {
        // No agents: every caller abandons, none is answered within any target, and the ASA of
        // answered calls is undefined (∞, as in Erlang C without agents), not 0 (a proptest
        // found 0 at A = 5.76, AHT 511.5 s, patience 519.8 s: an ASA cap looked met).
        let m = ErlangA::new(5.759_608_525_999_233, 511.547_868_024_125_9, 519.780_602_976_445_3)
            .unwrap()
            .metrics(0, 0.0);
        assert_eq!((m.wait_probability, m.service_level, m.abandon_rate), (1.0, 0.0, Some(1.0)));
        assert!(m.asa_seconds.is_infinite(), "{}", m.asa_seconds);
        assert_eq!(m.occupancy, 1.0);
    }

    #[test]
    fn constructors_reject_bad_input() {
        assert!(ErlangC::new(10.0, 0.0).is_err());
        assert!(ErlangC::new(-1.0, 10.0).is_err());
        assert!(ErlangC::new(f64::NAN, 10.0).is_err());
        assert!(ErlangA::new(10.0, 180.0, 0.0).is_err());
        assert!(ErlangB::new(f64::INFINITY).is_err());
        let e = ErlangC::from_contacts(100.0, -3.0, 30).unwrap_err().to_string();
        assert!(e.contains("aht_seconds") && e.contains("-3"), "{e}");
    }

    #[test]
    fn special_functions_match_direct_sums() {
        // ln Γ(n+1) = ln n!, ψ(n+1) = H_n − γ; and the long-sum forms against the loops.
        assert!(close(ln_gamma(1.0), 0.0, 1e-14));
        assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-14));
        assert!(close(ln_gamma(21.0), (1..=20).map(|k| (k as f64).ln()).sum::<f64>(), 1e-12));
        let euler_gamma = 0.577_215_664_901_532_9;
        assert!(close(digamma(1.0), -euler_gamma, 1e-14));
        let h10: f64 = (1..=10).map(|k| 1.0 / k as f64).sum();
        assert!(close(digamma(11.0), h10 - euler_gamma, 1e-14));
        let (a, n, r) = (500.0, 120.0, 0.004);
        let mode = 90_000u64;
        let direct = ln_queue_weight(mode, a, n, r);
        let s = n / r;
        let closed =
            mode as f64 * (a / r).ln() - (ln_gamma(s + mode as f64 + 1.0) - ln_gamma(s + 1.0));
        assert!(close(direct, closed, 1e-9 * direct.abs()), "{direct} vs {closed}");
        let direct = harmonic_queue_sum(mode, n, r);
        let closed = (digamma(s + mode as f64 + 1.0) - digamma(s + 1.0)) / r;
        assert!(close(direct, closed, 1e-11 * direct), "{direct} vs {closed}");
    }

    #[test]
    fn erlang_a_with_an_enormous_patience_far_below_the_traffic_ends_quickly() {
        // 10 Erl on 5 agents with callers waiting ~30 years: the queue is ~10⁹ deep; the sums
        // below its mode go through ln Γ / ψ instead of a billion-step loop.
        let m = ErlangA::new(10.0, 180.0, 1e9).unwrap().metrics(5, 20.0);
        assert!(m.wait_probability > 0.999_999 && m.service_level < 1e-6, "{m:?}");
        // Half the traffic is carried, the rest eventually abandons.
        assert!(close(m.abandon_rate.unwrap(), 0.5, 1e-3), "{m:?}");
        assert!(close(m.occupancy, 1.0, 1e-3));
    }

    #[test]
    fn erlang_a_issue_reference() {
        let m = ErlangA::from_contacts(100.0, 180.0, 30, 300.0).unwrap().metrics(14, 20.0);
        assert!(close(m.wait_probability, 0.14526, 5e-6), "{}", m.wait_probability);
        assert!(close(m.abandon_rate.unwrap(), 0.013984, 5e-7), "{:?}", m.abandon_rate);
    }

    /// Erlang A by brute force: the stationary distribution of the birth–death chain summed
    /// directly (small n only), P(Ab) = θ·E[Q]/λ (rate balance), and SL/ASA by numerically
    /// integrating the offered-wait density of the queue.
    fn erlang_a_brute(n: usize, a: f64, aht: f64, patience: f64, t: f64) -> (f64, f64, f64, f64) {
        let (mu, theta) = (1.0 / aht, 1.0 / patience);
        let lambda = a * mu;
        let kmax = n + 4000;
        let mut p = vec![1.0f64; kmax + 1];
        for k in 1..=kmax {
            let death = (k.min(n)) as f64 * mu + (k.saturating_sub(n)) as f64 * theta;
            p[k] = p[k - 1] * lambda / death;
        }
        let z: f64 = p.iter().sum();
        let wait: f64 = p[n..].iter().sum::<f64>() / z;
        let eq: f64 = p[n..].iter().enumerate().map(|(j, x)| j as f64 * x).sum::<f64>() / z;
        let abandon = theta * eq / lambda;
        // Offered-wait density (Mandelbaum & Zeltyn): g(v) = π_n·nμ·exp(−nμv + (λ/θ)(1 − e^{−θv})).
        let nm = n as f64 * mu;
        let g =
            |v: f64| p[n] / z * nm * (-nm * v + lambda / theta * (1.0 - (-theta * v).exp())).exp();
        let simpson = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
            let steps = 20_000;
            let h = (hi - lo) / steps as f64;
            let mut s = f(lo) + f(hi);
            for i in 1..steps {
                s += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
            }
            s * h / 3.0
        };
        let within = simpson(&|v| g(v) * (-theta * v).exp(), 0.0, t);
        let sl = (1.0 - wait) + within;
        let horizon = 200.0 * aht;
        let answered_wait = simpson(&|v| v * g(v) * (-theta * v).exp(), 0.0, horizon);
        let asa = answered_wait / (1.0 - abandon);
        (wait, abandon, sl, asa)
    }

    #[test]
    fn erlang_a_matches_brute_force_birth_death() {
        for &(n, a, aht, patience, t) in &[
            (14usize, 10.0, 180.0, 300.0, 20.0),
            (3, 4.0, 60.0, 30.0, 10.0),
            (8, 5.0, 300.0, 900.0, 60.0),
            (1, 0.7, 100.0, 50.0, 5.0),
        ] {
            let m = ErlangA::new(a, aht, patience).unwrap().metrics(n as u32, t);
            let (wait, abandon, sl, asa) = erlang_a_brute(n, a, aht, patience, t);
            assert!(
                close(m.wait_probability, wait, 1e-10),
                "n={n}: {} vs {wait}",
                m.wait_probability
            );
            assert!(close(m.abandon_rate.unwrap(), abandon, 1e-10), "n={n}: abandon");
            assert!(close(m.service_level, sl, 1e-8), "n={n}: {} vs {sl}", m.service_level);
            assert!(close(m.asa_seconds, asa, 1e-6 * asa), "n={n}: {} vs {asa}", m.asa_seconds);
        }
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_as_patience_grows() {
        let c = ErlangC::new(10.0, 180.0).unwrap().metrics(14, 20.0);
        let a = ErlangA::new(10.0, 180.0, 1e10).unwrap().metrics(14, 20.0);
        assert!(close(a.wait_probability, c.wait_probability, 1e-7));
        assert!(close(a.service_level, c.service_level, 1e-7));
        assert!(close(a.asa_seconds, c.asa_seconds, 1e-5));
        assert!(a.abandon_rate.unwrap() < 1e-8);
        let c = ErlangC::new(3333.0, 240.0).unwrap().metrics(3400, 20.0);
        let a = ErlangA::new(3333.0, 240.0, 1e9).unwrap().metrics(3400, 20.0);
        assert!(
            close(a.service_level, c.service_level, 1e-6),
            "{} vs {}",
            a.service_level,
            c.service_level
        );
    }

    #[test]
    fn erlang_a_is_stable_for_large_and_overloaded_centres() {
        for &(n, a) in &[(9500u32, 9000.0), (8000, 9000.0), (12421, 12345.0), (0, 50.0), (1, 500.0)]
        {
            let m = ErlangA::new(a, 180.0, 120.0).unwrap().metrics(n, 20.0);
            for v in [m.wait_probability, m.service_level, m.abandon_rate.unwrap(), m.occupancy] {
                assert!(v.is_finite() && (0.0..=1.0).contains(&v), "n={n} a={a}: {m:?}");
            }
            assert!(m.asa_seconds >= 0.0, "{m:?}");
        }
        // Overloaded: every agent busy, the excess abandons: P(Ab) ≈ 1 − n/A.
        let m = ErlangA::new(9000.0, 180.0, 120.0).unwrap().metrics(8000, 20.0);
        assert!(close(m.abandon_rate.unwrap(), 1.0 - 8000.0 / 9000.0, 2e-3), "{m:?}");
        assert!(m.wait_probability > 0.999);
    }
}
#[cfg(test)]
mod sweep {
    use super::*;

    /// Every regime — overloaded, no agents, patience from 0.01 s to 30 years, t from 0 to
    /// 10 minutes — returns probabilities in [0, 1] and ends (the worst case, 5,000 Erl with a
    /// 10⁹ s patience, sums a few million terms). Ignored because it takes seconds in debug builds:
    /// `cargo test --release --lib -- --ignored erlang_a_sweep`.
    #[test]
    #[ignore]
    fn erlang_a_sweep_of_extreme_regimes() {
        for &a in &[0.5, 10.0, 300.0, 5000.0] {
            for &fraction in &[0.0, 0.3, 0.9, 1.0, 1.2, 2.0] {
                for &patience in &[0.01, 1.0, 30.0, 300.0, 1e5, 1e9] {
                    for &t in &[0.0, 1.0, 20.0, 600.0] {
                        let n = (a * fraction) as u32;
                        let m = ErlangA::new(a, 180.0, patience).unwrap().metrics(n, t);
                        for v in [
                            m.wait_probability,
                            m.service_level,
                            m.abandon_rate.unwrap(),
                            m.occupancy,
                        ] {
                            assert!(
                                (0.0..=1.0).contains(&v),
                                "a={a} n={n} p={patience} t={t}: {m:?}"
                            );
                        }
                        assert!(m.asa_seconds >= 0.0, "a={a} n={n} p={patience} t={t}: {m:?}");
                    }
                }
            }
        }
    }
}
