// SPDX-License-Identifier: MIT
#pragma once

#include <Qsci/qscilexersql.h>

namespace quarry {

/// QScintilla's SQL lexer with BigQuery's keywords and function names for GoogleSQL or, when
/// set to legacy, for legacy SQL (FLATTEN, WITHIN RECORD, OMIT ... IF, NEST, TOP, ...);
/// backtick-quoted identifiers, `#` line comments (the `#legacySQL`/`#standardSQL` prefixes)
/// and `--` comments.
class SqlLexer : public QsciLexerSQL {
    Q_OBJECT
public:
    explicit SqlLexer(QObject* parent = nullptr);
    const char* keywords(int set) const override;
    /// Legacy SQL's words and functions instead of GoogleSQL's (call recolor() after).
    void setLegacy(bool legacy) { legacy_ = legacy; }
    bool isLegacy() const { return legacy_; }
    /// Colours for the palette: the paper is the palette's base; on a dark base, colours
    /// that read on dark; on a light one, QScintilla's own.
    void applyPalette(const QPalette& palette);

private:
    bool legacy_ = false;
};

} // namespace quarry
