//! Pooled queues for the schedule: a queue whose `skill` is another queue's name (a VIP line
//! every voice agent answers, first) gets no shifts of its own; its host queue's shifts serve
//! both, so the schedule sees the host with the pool's requirement.
//!
//! Per open interval, the pool's contacts are the sum, its handle time the contact-weighted
//! mean, and its agents the larger of
//! - the host's targets met on the pooled traffic (Erlang A or C as the host is staffed): by
//!   the conservation law of work-conserving disciplines with equal service rates, the
//!   contact-weighted mean wait under priority equals the FCFS wait, and the host class, being
//!   served second, fares a little worse than the pool — the simulation in `plan` checks it;
//! - each member's own target under non-preemptive priority: an arrival of the highest class
//!   waits only when all `n` agents are busy (Erlang C probability `C(n, A)` of the pooled
//!   traffic `A`) and then for the members ahead of it, served at rate `n μ − λ_member`, so
//!   `P(W > t) = C(n, A) · exp(−(n μ − λ_member) t)` — exponential with Cobham's (1954) mean
//!   `C / (n μ (1 − ρ_member))` (Gross & Harris, *Fundamentals of Queueing Theory*, §3.4).

use super::{
    agents_gross, concurrency, queue_model, queue_targets, required_agents, ErlangC, StaffingError,
};
use crate::io::requirements::RequirementRow;
use crate::site::{Channel, QueueConfig, Site};
use crate::time::format_local;

/// The host queue of a pooled member: the queue named by its `skill`, of the same live channel
/// (voice with voice, chat with chat); `None` for a queue served by its own skill.
pub fn pool_host<'a>(site: &'a Site, member: &QueueConfig) -> Option<&'a QueueConfig> {
    let host = site.queue(member.skill())?;
    let live = matches!(member.channel, Channel::Voice | Channel::Chat);
    (host.name != member.name && host.channel == member.channel && live && host.skill.is_none())
        .then_some(host)
}

/// The requirement rows as the schedule takes them: every pooled member's rows folded into
/// its host's (see the module doc); other queues unchanged. Rows keep their order.
pub fn pool_for_schedule(
    rows: &[RequirementRow],
    site: &Site,
    shrinkage: f64,
) -> Result<Vec<RequirementRow>, StaffingError> {
    let members: Vec<(&QueueConfig, &QueueConfig)> =
        site.queues.iter().filter_map(|m| pool_host(site, m).map(|h| (m, h))).collect();
    if members.is_empty() {
        return Ok(rows.to_vec());
    }
    let interval_minutes = site.grid.interval_minutes;
    let member_rows: std::collections::BTreeMap<(&str, crate::time::Stamp), &RequirementRow> = rows
        .iter()
        .filter(|r| members.iter().any(|(m, _)| m.name == r.queue))
        .map(|r| ((r.queue.as_str(), r.interval_start), r))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if member_rows.contains_key(&(r.queue.as_str(), r.interval_start)) {
            continue;
        }
        let pooled: Vec<(&QueueConfig, &RequirementRow)> = members
            .iter()
            .filter(|(_, h)| h.name == r.queue)
            .filter_map(|(m, _)| {
                member_rows.get(&(m.name.as_str(), r.interval_start)).map(|row| (*m, *row))
            })
            .collect();
        if pooled.is_empty() || (r.agents_net == 0 && pooled.iter().all(|(_, m)| m.agents_net == 0))
        {
            out.push(r.clone());
            continue;
        }
        let host = site.queue(&r.queue).expect("a pool's host is a queue of the site");
        let row = pooled_row(host, r, &pooled, interval_minutes, shrinkage).map_err(|e| {
            StaffingError::Interval {
                queue: r.queue.clone(),
                interval: format_local(&r.interval_start),
                source: Box::new(e),
            }
        })?;
        out.push(row);
    }
    Ok(out)
}

/// What a pooled member costs, in agent-hours of the requirement (`agents_gross`, after
/// shrinkage, over the horizon): answered by its host's agents against by agents of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolingCost {
    pub member: String,
    pub host: String,
    /// The host's requirement without the member's contacts.
    pub host_alone_hours: f64,
    /// The pool's requirement: host and members together (the members served first).
    pub pool_hours: f64,
    /// The member's requirement as a queue with agents of its own, at its own targets.
    pub member_alone_hours: f64,
}

impl PoolingCost {
    /// Hours the member adds to its host's requirement (all of the host's members, when it has
    /// several).
    pub fn pooled_hours(&self) -> f64 {
        self.pool_hours - self.host_alone_hours
    }

    /// Hours pooling saves against agents of the member's own.
    pub fn saved_hours(&self) -> f64 {
        self.member_alone_hours - self.pooled_hours()
    }
}

/// Each pooled member's cost, from the requirement rows before pooling (`rows`, the member
/// staffed as a queue of its own) and after ([`pool_for_schedule`]'s `pooled`).
pub fn pooling_costs(
    rows: &[RequirementRow],
    pooled: &[RequirementRow],
    site: &Site,
) -> Vec<PoolingCost> {
    let interval_hours = f64::from(site.grid.interval_minutes) / 60.0;
    let hours = |rows: &[RequirementRow], queue: &str| {
        rows.iter().filter(|r| r.queue == queue).map(|r| f64::from(r.agents_gross)).sum::<f64>()
            * interval_hours
    };
    site.queues
        .iter()
        .filter_map(|member| {
            let host = pool_host(site, member)?;
            Some(PoolingCost {
                member: member.name.clone(),
                host: host.name.clone(),
                host_alone_hours: hours(rows, &host.name),
                pool_hours: hours(pooled, &host.name),
                member_alone_hours: hours(rows, &member.name),
            })
        })
        .collect()
}

/// One interval of a pool: the host's row with the pooled contacts, handle time and agents.
fn pooled_row(
    host: &QueueConfig,
    own: &RequirementRow,
    members: &[(&QueueConfig, &RequirementRow)],
    interval_minutes: u32,
    shrinkage: f64,
) -> Result<RequirementRow, StaffingError> {
    let contacts = own.contacts + members.iter().map(|(_, m)| m.contacts).sum::<f64>();
    let work = own.contacts * own.aht_seconds
        + members.iter().map(|(_, m)| m.contacts * m.aht_seconds).sum::<f64>();
    let aht = if contacts > 0.0 { work / contacts } else { own.aht_seconds };
    let model = queue_model(host, contacts, aht, interval_minutes)?;
    let req = required_agents(&model, &queue_targets(host), concurrency(host))?;
    let mut agents = req.agents_net;
    for (member, row) in members {
        agents =
            agents.max(priority_agents(member, row.contacts, contacts, aht, interval_minutes)?);
    }
    let metrics =
        model.metrics(agents * concurrency(host), host.target_answer_seconds.unwrap_or(0.0));
    Ok(RequirementRow {
        interval_start: own.interval_start,
        queue: own.queue.clone(),
        contacts,
        aht_seconds: aht,
        traffic_erlangs: metrics.traffic_erlangs,
        agents_net: agents,
        agents_gross: agents_gross(agents, shrinkage)?,
        service_level: metrics.service_level,
        asa_seconds: metrics.asa_seconds,
        occupancy: metrics.occupancy,
        abandon_rate: metrics.abandon_rate,
    })
}

/// Fewest agents meeting a priority member's service level inside the pool:
/// `1 − C(n, A) · exp(−(n / aht − λ_member) t) ≥ target` (module doc).
pub fn priority_agents(
    member: &QueueConfig,
    member_contacts: f64,
    pool_contacts: f64,
    aht_seconds: f64,
    interval_minutes: u32,
) -> Result<u32, StaffingError> {
    let (Some(target), true) = (member.service_level, member_contacts > 0.0) else {
        return Ok(0);
    };
    let t = member.target_answer_seconds.unwrap_or(0.0);
    let erlang = ErlangC::from_contacts(pool_contacts, aht_seconds, interval_minutes)?;
    let lambda = member_contacts / (f64::from(interval_minutes) * 60.0);
    let first = erlang.traffic_erlangs().floor() as u32 + 1;
    for n in first..first + 10_000 {
        let rate = f64::from(n) / aht_seconds - lambda;
        let late = erlang.wait_probability(n) * (-rate * t).exp();
        if 1.0 - late >= target - 1e-12 {
            return Ok(n);
        }
    }
    Err(StaffingError::Unreachable(format!(
        "queue {:?}: service level {target} within {t} s with priority in its pool",
        member.name
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(toml_text: &str) -> QueueConfig {
        toml::from_str(toml_text).unwrap()
    }

    /// Hand-worked: pooled traffic A = 10 erlangs (30 calls of 300 s in 15 minutes), of which
    /// 3 calls are VIP. With n = 12, Erlang C gives
    /// C(12, 10) = 0.4494 (standard tables); μ = 1/300, λ_vip = 3/900, so
    /// P(W > 15) = 0.4494 · exp(−(12/300 − 3/900) · 15) = 0.4494 · exp(−0.55) = 0.2593: an SL
    /// of 0.741 — short of 0.80. n = 13: C(13, 10) = 0.2853 (tables),
    /// exp(−(13/300 − 1/300)·15) = exp(−0.6) = 0.5488 → 0.1566, SL 0.843 ≥ 0.80.
    #[test]
    fn priority_agents_match_the_hand_worked_case() {
        let vip = queue(
            "name = \"vip\"\nchannel = \"voice\"\nservice_level = 0.8\ntarget_answer_seconds = 15\n",
        );
        let erlang = ErlangC::from_contacts(30.0, 300.0, 15).unwrap();
        assert!((erlang.wait_probability(12) - 0.4494).abs() < 5e-4);
        assert!((erlang.wait_probability(13) - 0.2853).abs() < 5e-4);
        assert_eq!(priority_agents(&vip, 3.0, 30.0, 300.0, 15).unwrap(), 13);
    }

    /// Two intervals of 15 minutes, 27 voice and 3 VIP calls of 300 s each, 30% shrinkage
    /// (gross = ⌈net / 0.7⌉); Erlang C from the Erlang B recursion, P(W > t) = C ·
    /// exp(−(n − A) t / 300):
    /// - voice alone, A = 9, 80% within 20 s: n = 12 gives C = 0.2661, SL 0.782; n = 13 gives
    ///   C = 0.1575, SL 0.879: 13 net, 19 gross;
    /// - VIP alone, A = 1, 80% within 15 s: n = 2 gives C = 0.333, SL 0.683; n = 3 gives
    ///   C = 0.0909, SL 0.918: 3 net, 5 gross;
    /// - the pool, A = 10: voice's 80/20 needs 14 (n = 13: C = 0.2852, SL 0.766; n = 14:
    ///   C = 0.1741, SL 0.867), VIP first needs 13 (above): 14 net, 20 gross.
    ///
    /// Over the half hour: pool 10 h, voice alone 9.5 h, VIP alone 2.5 h; so VIP costs 0.5 h
    /// pooled, and pooling saves 2 h.
    #[test]
    fn pooling_costs_the_pool_less_the_host_alone_against_the_member_alone() {
        let text =
            "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 15\n[staffing]\nshrinkage = 0.3\n\
            [[queues]]\nname = \"voice\"\nchannel = \"voice\"\nservice_level = 0.8\n\
            target_answer_seconds = 20\n\
            [[queues]]\nname = \"vip\"\nchannel = \"voice\"\nskill = \"voice\"\n\
            service_level = 0.8\ntarget_answer_seconds = 15\npriority = 1\n";
        let config =
            crate::plan::PlanConfig::parse("plan.toml", text, std::path::Path::new("")).unwrap();
        let site = &config.site;
        let start = crate::time::parse_local("2026-01-05T09:00", site.grid.tz).unwrap();
        let forecast: Vec<crate::io::forecast::ForecastRow> = [0, 15]
            .iter()
            .flat_map(|&m| {
                let at = start + chrono::Duration::minutes(m);
                [("vip", 3.0), ("voice", 27.0)].map(|(queue, contacts)| {
                    crate::io::forecast::ForecastRow {
                        interval_start: at,
                        queue: queue.into(),
                        contacts,
                        contacts_p10: contacts,
                        contacts_p90: contacts,
                        aht_seconds: 300.0,
                    }
                })
            })
            .collect();
        let rows = super::super::staff(&forecast, site, &config.staffing).unwrap();
        let pooled = pool_for_schedule(&rows, site, 0.3).unwrap();
        let costs = pooling_costs(&rows, &pooled, site);
        assert_eq!(costs.len(), 1);
        let c = &costs[0];
        assert_eq!((c.member.as_str(), c.host.as_str()), ("vip", "voice"));
        assert_eq!(c.pool_hours, 2.0 * 20.0 / 4.0);
        assert_eq!(c.host_alone_hours, 2.0 * 19.0 / 4.0);
        assert_eq!(c.member_alone_hours, 2.0 * 5.0 / 4.0);
        assert_eq!(c.pooled_hours(), 0.5);
        assert_eq!(c.saved_hours(), 2.0);
    }

    #[test]
    fn a_queue_served_by_its_own_skill_has_no_host() {
        let text =
            "[site]\ntime_zone = \"UTC\"\ninterval_minutes = 15\n[staffing]\nshrinkage = 0.3\n\
            [[queues]]\nname = \"voice\"\nchannel = \"voice\"\n\
            [[queues]]\nname = \"vip\"\nchannel = \"voice\"\nskill = \"voice\"\n\
            [[queues]]\nname = \"chat\"\nchannel = \"chat\"\nskill = \"voice\"\n";
        let site = crate::plan::PlanConfig::parse("plan.toml", text, std::path::Path::new(""))
            .unwrap()
            .site;
        assert_eq!(
            pool_host(&site, site.queue("vip").unwrap()).map(|q| q.name.as_str()),
            Some("voice")
        );
        assert!(pool_host(&site, site.queue("voice").unwrap()).is_none());
        // Another channel is not pooled (its agents serve it, but it keeps its own shifts).
        assert!(pool_host(&site, site.queue("chat").unwrap()).is_none());
    }
}
