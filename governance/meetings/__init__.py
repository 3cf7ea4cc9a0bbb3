"""Meetings: calling and notice, agendas and papers, attendance and quorum, questions, minutes."""
