"""Member registers: constituencies and classes, eligibility, joining and leaving."""
