"""Accountability: forward plans and key decisions, consultations, members' update requests,
the governor register, public pages and feeds, and the democratic health report."""
