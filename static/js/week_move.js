// The week grid: session popover and moving sessions.
