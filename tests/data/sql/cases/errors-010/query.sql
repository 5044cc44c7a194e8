SELECT `unclosed
