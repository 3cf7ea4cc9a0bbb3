"""Elections: timetable, nominations, voters, ballots and results."""
