SELECT REGEXP_REPLACE('# Heading', r'^# ([a-zA-Z0-9\s]+$)', '<h1>\\1</h1>') AS h, REGEXP_REPLACE('a1b22c', r'\d', '') AS digitsGone
