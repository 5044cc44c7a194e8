// SPDX-License-Identifier: MIT
#pragma once

#include "query/SqlTokens.h"

#include <cstddef>
#include <string>
#include <vector>

namespace quarry {

/// A piece of a .sql file that is checked as one request: a persistent CREATE (of a view,
/// table, function, table function or procedure: something other files may read), or a run
/// of the other statements between them (queries, DML, temporary functions, scripting), which
/// only make sense together.
struct SqlChunk {
    enum class Kind { Script, CreateView, CreateTable, CreateRoutine, CreateOther };
    Kind kind = Kind::Script;
    std::string text;          ///< as written, without the trailing ';'
    std::size_t offset = 0;    ///< where it starts in the file, in bytes
    SqlPosition start;         ///< ... as line and column
    std::string defines;       ///< "project.dataset.name" a persistent CREATE makes, else empty
    bool orReplace = false, ifNotExists = false;
    std::size_t afterCreate = 0; ///< offset in `text` just after the CREATE keyword
    std::size_t queryOffset = 0; ///< CREATE TABLE ... AS: where the query starts in `text` (0: none)
    bool definition() const { return kind != Kind::Script; }
};

struct SqlFile {
    std::string path;  ///< as the user gave it, relative to the folder
    std::string text;
    std::vector<SqlChunk> chunks;
    std::vector<std::string> references; ///< every object name it reads, as "project.dataset.name"
    std::string error;                   ///< the text cannot be split into tokens: why, with [line:col]
};

/// A folder of .sql files ordered so that each comes after the files defining what it reads.
struct ViewGraph {
    std::vector<SqlFile> files;
    std::vector<std::vector<std::size_t>> needs; ///< per file: the files defining names it reads
    /// Files in order, grouped: every file of a wave needs only files of earlier waves.
    std::vector<std::vector<std::size_t>> waves;
    /// Problems with the folder as a whole: a name two files define, a cycle of files.
    /// Files in a cycle (or needing one) are in no wave.
    std::vector<std::string> problems;
};

/// Reads one file's text: its chunks and the names it reads. Names with one or two parts take
/// the default project and dataset ("project.dataset" or "dataset"); a one-part name counts
/// only right after FROM or JOIN (elsewhere it is a column).
SqlFile parseSqlFile(std::string path, std::string text, const std::string& defaultProject,
                     const std::string& defaultDataset = {});

/// Orders files by what they define and read.
ViewGraph orderSqlFiles(std::vector<SqlFile> files);

/// Every `*.sql` file under `dir` (sorted by path), read and ordered. Throws
/// std::runtime_error naming a file that cannot be read.
ViewGraph readSqlFolder(const std::string& dir, const std::string& defaultProject, const std::string& defaultDataset = {});

/// A chunk's text as it is dry-run: a persistent CREATE without OR REPLACE or IF NOT EXISTS
/// gets OR REPLACE, so a folder checks the same whether or not its objects exist yet.
std::string dryRunText(const SqlChunk& c);

/// Maps the trailing " at [line:col]" of a message about `dryRunText(c)` (parseSqlPosition) to
/// the file's line and column.
/// Returns the message with the position rewritten, and sets `at` (unchanged without one).
std::string mapErrorPosition(const std::string& message, const SqlChunk& c, SqlPosition& at);

} // namespace quarry
