CREATE VIEW scratch.v AS SELECT nope FROM scratch.missing
