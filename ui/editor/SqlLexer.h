// SPDX-License-Identifier: MIT
#pragma once

#include <Qsci/qscilexersql.h>

namespace quarry {

/// QScintilla's SQL lexer with BigQuery's reserved words (GoogleSQL and legacy SQL) and
/// function names, backtick-quoted identifiers, `#` line comments (legacy SQL, and the
/// `#legacySQL`/`#standardSQL` prefixes) and `--` comments.
class SqlLexer : public QsciLexerSQL {
    Q_OBJECT
public:
    explicit SqlLexer(QObject* parent = nullptr);
    const char* keywords(int set) const override;
};

} // namespace quarry
