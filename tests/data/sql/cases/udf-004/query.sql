CREATE FUNCTION scratch.greet(name STRING) RETURNS STRING AS (CONCAT('hi ', name));
CREATE TEMP FUNCTION shout(s STRING) AS (UPPER(scratch.greet(s)));
SELECT scratch.greet('ann') AS g, `p.scratch.greet`('bo') AS h, shout('cy') AS s
