SELECT 'unclosed
