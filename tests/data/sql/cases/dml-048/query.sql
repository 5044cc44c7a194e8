DROP TABLE scratch.never_made
