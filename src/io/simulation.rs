//! simulation.csv: per interval and queue, the simulated outcome. OWNER: simulate.
