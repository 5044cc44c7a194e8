SELECT p.nope FROM samples.persons p
