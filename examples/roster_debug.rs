use shiftcast::roster::{self, generate, RosterOptions};
fn main() {
    let inst = generate::instance(120, 1, 1);
    let r = roster::solve(&inst.shifts, &inst.agents, &inst.config, &RosterOptions::default()).unwrap();
    for v in &r.violations {
        let a = inst.agents.iter().find(|a| a.agent_id == v.agent_id).unwrap();
        println!("{:?} {} {}", v.rule, v.detail, format!("{:?} {:?} {:?} {:?} unav {:?}", a.skills, a.contract, a.earliest_start, a.latest_end, a.unavailable));
        for row in r.rows.iter().filter(|x| x.agent_id == v.agent_id) {
            println!("   {} {} {}-{} {}", row.date, row.queue, row.shift_start.format("%H:%M"), row.shift_end.format("%H:%M"), row.paid_minutes);
        }
    }
    let mut per_q = std::collections::BTreeMap::new();
    for s in &inst.shifts { *per_q.entry(s.queue.clone()).or_insert(0u32) += s.paid_minutes; }
    println!("{:?}", per_q);
}
