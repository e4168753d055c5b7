"""IMS OneRoster 1.1 exchange: a school's people, classes and enrolments out to files and in from them."""
