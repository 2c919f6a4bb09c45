#!/usr/bin/env python3
"""The most seats (or paid hours) any roster can fill: an exact assignment model, for judging the
roster's heuristic on one planning week.

    pip install highspy
    python3 scripts/roster_fill_bound.py SHIFTS.csv AGENTS.csv [seats|hours] [ROSTER_OUT.csv]

Binary x[a, s] for every agent a eligible for seat s (skill, unavailable weekday or date,
earliest start, latest end; `voice_vip` seats take the voice skill, as the sample's plan.toml
says). Rows: each seat at most one agent; each agent at most one seat a day, at most
`max_days_week` (default 5) days and `max_hours_week` paid hours; two seats on consecutive days
less than 11 h apart (end to start) not both; at least `min_hours_week` paid hours less the
leave credit of unavailable dates (`min_hours_week / max_days_week` a date). Maximises the seats filled (or the paid hours),
solved to optimality by HiGHS. The horizon must be one planning week (the limits are weekly).
Check a written roster with `shiftcast roster check --config plan.toml ROSTER_OUT.csv`.

On the sample week's 639 seats (2026-12-06, 19:00): 574 seats / 4,040 h at most, and the roster
written that way passes `roster check` with no violation; `shiftcast plan` rosters 571 / 4,028 h."""
import collections
import csv
import datetime as dt
import sys

import highspy

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
REST_SECONDS = 11 * 3600


def stamp(text):
    return dt.datetime.fromisoformat(text[:16])


def clock(text):
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def eligible(agent, seat):
    skills = set(agent["skills"].split(";"))
    queue = "voice" if seat["queue"] == "voice_vip" else seat["queue"]
    if queue not in skills:
        return False
    start, end = stamp(seat["shift_start"]), stamp(seat["shift_end"])
    unavailable = {x for x in agent["unavailable"].split(";") if x}
    if WEEKDAYS[start.weekday()] in unavailable or seat["date"] in unavailable:
        return False
    if agent["earliest_start"] and start.hour * 60 + start.minute < clock(agent["earliest_start"]):
        return False
    end_minute = end.hour * 60 + end.minute + (1440 if end.date() > start.date() else 0)
    if agent["latest_end"] and end_minute > clock(agent["latest_end"]):
        return False
    return True


def main():
    shifts_path, agents_path = sys.argv[1], sys.argv[2]
    objective = sys.argv[3] if len(sys.argv) > 3 else "seats"
    seats = list(csv.DictReader(open(shifts_path)))
    agents = list(csv.DictReader(open(agents_path)))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    col = {}
    for a, agent in enumerate(agents):
        for s, seat in enumerate(seats):
            if not eligible(agent, seat):
                continue
            weight = 1.0 if objective == "seats" else int(seat["paid_minutes"]) / 60
            h.addVar(0, 1)
            k = h.getNumCol() - 1
            h.changeColCost(k, -weight)
            h.changeColIntegrality(k, highspy.HighsVarType.kInteger)
            col[(a, s)] = k
    by_seat = collections.defaultdict(list)
    by_agent = collections.defaultdict(list)
    for (a, s), k in col.items():
        by_seat[s].append(k)
        by_agent[a].append((k, s))

    def row(upper, cols, coefs=None):
        h.addRow(0, upper, len(cols), cols, coefs or [1.0] * len(cols))

    for ks in by_seat.values():
        row(1, ks)
    days = sorted({seat["date"] for seat in seats})
    for a, ks in sorted(by_agent.items()):
        agent = agents[a]
        row(int(agent["max_days_week"] or 5), [k for k, _ in ks])
        minutes = [float(seats[s]["paid_minutes"]) for _, s in ks]
        row(float(agent["max_hours_week"]) * 60, [k for k, _ in ks], minutes)
        # The weekly minimum, less the leave credit of unavailable dates in the week
        # (`[roster] credit_unavailable_dates`: min_hours_week / max_days_week a date).
        leave = sum(1 for x in agent["unavailable"].split(";") if x in days)
        max_days = int(agent["max_days_week"] or 5)
        least = float(agent["min_hours_week"]) * 60 * max(0.0, 1 - leave / max_days)
        h.addRow(least, highspy.kHighsInf, len(ks), [k for k, _ in ks], minutes)
        per_day = collections.defaultdict(list)
        for k, s in ks:
            per_day[seats[s]["date"]].append((k, s))
        for day_ks in per_day.values():
            row(1, [k for k, _ in day_ks])
        for d0, d1 in zip(days, days[1:]):
            for k0, s0 in per_day[d0]:
                for k1, s1 in per_day[d1]:
                    gap = stamp(seats[s1]["shift_start"]) - stamp(seats[s0]["shift_end"])
                    if gap.total_seconds() < REST_SECONDS:
                        row(1, [k0, k1])
    h.run()
    values = h.getSolution().col_value
    filled = sorted((agents[a]["agent_id"], seats[s]["date"], s)
                    for (a, s), k in col.items() if values[k] > 0.5)
    hours = sum(int(seats[s]["paid_minutes"]) for _, _, s in filled) / 60
    print(f"{objective}: at most {len(filled)} of {len(seats)} seats filled, {hours:.1f} paid hours "
          f"({h.modelStatusToString(h.getModelStatus())})")
    if len(sys.argv) > 4:
        names = {agent["agent_id"]: agent["name"] for agent in agents}
        with open(sys.argv[4], "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["agent_id", "name", "date", "queue", "shift_start", "shift_end",
                        "paid_minutes", "breaks"])
            for agent_id, date, s in filled:
                seat = seats[s]
                w.writerow([agent_id, names[agent_id], date, seat["queue"], seat["shift_start"],
                            seat["shift_end"], seat["paid_minutes"], seat["breaks"]])


if __name__ == "__main__":
    main()
