SELECT INSTR('banana', 'an', 0)
