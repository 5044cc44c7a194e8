DROP TABLE IF EXISTS scratch.never_made
