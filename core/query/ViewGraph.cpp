// SPDX-License-Identifier: MIT
#include "query/ViewGraph.h"

#include "bigquery/ApiError.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace quarry {
namespace {

using K = SqlTokenKind;

bool isComment(const SqlToken& t) { return t.kind == K::LineComment || t.kind == K::BlockComment; }

bool word(const SqlToken* t, const char* w) {
    if (!t || t->kind != K::Word || t->text.size() != std::strlen(w)) return false;
    for (std::size_t i = 0; i < t->text.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(t->text[i])) != w[i]) return false;
    return true;
}

/// The tokens of a file without its comments (keywords and names are looked at in order).
struct Reader {
    std::vector<const SqlToken*> toks;
    const SqlToken* at(std::size_t i) const { return i < toks.size() ? toks[i] : nullptr; }
};

std::size_t endOf(const SqlToken& t) { return t.offset + t.text.size(); }

/// A dotted name starting at toks[i] (a word or a `quoted` name, not after a '.'): its parts,
/// and the index after it. A project id with dashes (my-project.d.t) is one part.
std::vector<std::string> readPath(const Reader& r, std::size_t& i) {
    std::vector<std::string> parts;
    auto part = [&](std::size_t k) -> bool {
        const SqlToken* t = r.at(k);
        if (!t) return false;
        if (t->kind == K::Quoted && t->text.size() >= 2 && t->text[0] == '`') {
            std::stringstream in(t->text.substr(1, t->text.size() - 2));
            for (std::string p; std::getline(in, p, '.');) parts.push_back(p);
            i = k + 1;
            return true;
        }
        if (t->kind != K::Word) return false;
        std::string text = t->text;
        std::size_t end = endOf(*t), j = k + 1;
        // my-project: words and numbers joined by '-' with nothing between them
        while (r.at(j + 1) && r.at(j)->kind == K::Op && r.at(j)->text == "-" && r.at(j)->offset == end &&
               (r.at(j + 1)->kind == K::Word || r.at(j + 1)->kind == K::Number) && r.at(j + 1)->offset == end + 1) {
            text += "-" + r.at(j + 1)->text;
            end = endOf(*r.at(j + 1));
            j += 2;
        }
        parts.push_back(text);
        i = j;
        return true;
    };
    if (!part(i)) return parts;
    while (r.at(i) && r.at(i)->kind == K::Op && r.at(i)->text == "." && r.at(i + 1) &&
           (r.at(i + 1)->kind == K::Word || r.at(i + 1)->kind == K::Quoted)) {
        if (!part(i + 1)) break;
    }
    return parts;
}

std::string fullName(const std::vector<std::string>& parts, const std::string& project, const std::string& dataset) {
    if (parts.size() >= 3) return parts[0] + "." + parts[1] + "." + parts[2];
    if (parts.size() == 2) return project + "." + parts[0] + "." + parts[1];
    if (parts.size() == 1 && !dataset.empty()) return dataset + "." + parts[0];
    return {};
}

/// The default dataset as "project.dataset" (empty when none).
std::string qualifiedDataset(const std::string& project, const std::string& dataset) {
    if (dataset.empty()) return {};
    return dataset.find('.') == std::string::npos ? project + "." + dataset : dataset;
}

/// Splits at top-level ';' (BEGIN ... END and CASE ... END blocks keep theirs): each
/// statement's token range [first, last] in the reader.
std::vector<std::pair<std::size_t, std::size_t>> statements(const Reader& r) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t first = 0;
    int depth = 0;
    for (std::size_t i = 0; i < r.toks.size(); ++i) {
        const SqlToken* t = r.toks[i];
        if (word(t, "CASE")) ++depth;
        else if (const SqlToken* n = r.at(i + 1); word(t, "BEGIN") && n && n->kind != K::Semicolon && !word(n, "TRANSACTION"))
            ++depth; // a block, not BEGIN [TRANSACTION];
        else if (word(t, "END") && depth > 0 && !word(r.at(i + 1), "IF") && !word(r.at(i + 1), "LOOP") &&
                 !word(r.at(i + 1), "WHILE") && !word(r.at(i + 1), "FOR") && !word(r.at(i + 1), "REPEAT"))
            --depth;
        else if (t->kind == K::Semicolon && depth == 0) {
            if (i > first) out.emplace_back(first, i - 1);
            first = i + 1;
        }
    }
    if (first < r.toks.size()) out.emplace_back(first, r.toks.size() - 1);
    return out;
}

/// What a statement beginning at toks[i] creates, if it is a persistent CREATE.
void classify(const Reader& r, std::size_t i, SqlChunk& c, const std::string& project, const std::string& dataset) {
    c.kind = SqlChunk::Kind::Script;
    if (!word(r.at(i), "CREATE")) return;
    c.afterCreate = endOf(*r.at(i)) - c.offset;
    ++i;
    if (word(r.at(i), "OR") && word(r.at(i + 1), "REPLACE")) c.orReplace = true, i += 2;
    if (word(r.at(i), "TEMP") || word(r.at(i), "TEMPORARY")) return; // lives in its script only
    SqlChunk::Kind kind;
    if (word(r.at(i), "VIEW")) kind = SqlChunk::Kind::CreateView, i += 1;
    else if (word(r.at(i), "TABLE") && word(r.at(i + 1), "FUNCTION")) kind = SqlChunk::Kind::CreateRoutine, i += 2;
    else if (word(r.at(i), "TABLE")) kind = SqlChunk::Kind::CreateTable, i += 1;
    else if (word(r.at(i), "FUNCTION") || word(r.at(i), "PROCEDURE")) kind = SqlChunk::Kind::CreateRoutine, i += 1;
    else if (word(r.at(i), "AGGREGATE") && word(r.at(i + 1), "FUNCTION")) kind = SqlChunk::Kind::CreateRoutine, i += 2;
    else if (word(r.at(i), "MATERIALIZED") || word(r.at(i), "SNAPSHOT") || word(r.at(i), "EXTERNAL")) {
        kind = SqlChunk::Kind::CreateOther;
        while (r.at(i) && !word(r.at(i), "VIEW") && !word(r.at(i), "TABLE")) ++i;
        ++i;
    } else
        return; // CREATE SCHEMA, ROW ACCESS POLICY, ...: nothing another file reads by name
    if (word(r.at(i), "IF") && word(r.at(i + 1), "NOT") && word(r.at(i + 2), "EXISTS")) c.ifNotExists = true, i += 3;
    const auto parts = readPath(r, i);
    if (parts.empty()) return;
    c.kind = kind;
    c.defines = fullName(parts, project, qualifiedDataset(project, dataset));
    if (kind != SqlChunk::Kind::CreateTable) return;
    for (int depth = 0; r.at(i) && r.at(i)->kind != K::Semicolon; ++i) {
        const SqlToken* t = r.at(i);
        if (t->kind == K::Open) ++depth;
        else if (t->kind == K::Close) --depth;
        else if (depth == 0 && word(t, "AS") && r.at(i + 1)) {
            c.queryOffset = r.at(i + 1)->offset - c.offset;
            return;
        }
    }
}

} // namespace

SqlFile parseSqlFile(std::string path, std::string text, const std::string& defaultProject, const std::string& defaultDataset) {
    SqlFile f;
    f.path = std::move(path);
    f.text = std::move(text);
    const auto tokens = tokenizeSql(f.text);
    if (!tokens.ok()) {
        f.error = tokens.error;
        return f;
    }
    Reader r;
    for (const auto& t : tokens.tokens)
        if (!isComment(t)) r.toks.push_back(&t);
    const std::string dataset = qualifiedDataset(defaultProject, defaultDataset);

    for (const auto& [first, last] : statements(r)) {
        SqlChunk c;
        c.offset = r.toks[first]->offset;
        c.text = f.text.substr(c.offset, endOf(*r.toks[last]) - c.offset);
        Reader statement; // its own tokens only: a CREATE never reads into the next statement
        statement.toks.assign(r.toks.begin() + static_cast<long>(first), r.toks.begin() + static_cast<long>(last) + 1);
        classify(statement, 0, c, defaultProject, defaultDataset);
        if (!c.definition() && !f.chunks.empty() && !f.chunks.back().definition()) {
            auto& prev = f.chunks.back(); // one script with the statements before it
            prev.text = f.text.substr(prev.offset, endOf(*r.toks[last]) - prev.offset);
            continue;
        }
        c.start = sqlPosition(f.text, c.offset);
        f.chunks.push_back(std::move(c));
    }

    std::set<std::string> refs;
    for (std::size_t i = 0; i < r.toks.size();) {
        const SqlToken* t = r.toks[i];
        const bool afterDot = i > 0 && r.toks[i - 1]->kind == K::Op && r.toks[i - 1]->text == ".";
        if ((t->kind != K::Word && t->kind != K::Quoted) || afterDot) {
            ++i;
            continue;
        }
        const bool afterFrom = i > 0 && (word(r.toks[i - 1], "FROM") || word(r.toks[i - 1], "JOIN"));
        const std::size_t start = i;
        const auto parts = readPath(r, i);
        if (i == start) ++i;
        if (parts.size() == 1 && !(afterFrom || t->kind == K::Quoted)) continue;
        if (const auto name = fullName(parts, defaultProject, dataset); !name.empty()) refs.insert(name);
    }
    for (const auto& c : f.chunks) refs.erase(c.defines);
    f.references.assign(refs.begin(), refs.end());
    return f;
}

ViewGraph orderSqlFiles(std::vector<SqlFile> files) {
    ViewGraph g;
    g.files = std::move(files);
    const std::size_t n = g.files.size();
    std::map<std::string, std::size_t> definer;
    for (std::size_t i = 0; i < n; ++i)
        for (const auto& c : g.files[i].chunks) {
            if (c.defines.empty()) continue;
            const auto [it, fresh] = definer.emplace(c.defines, i);
            if (!fresh && it->second != i)
                g.problems.push_back(c.defines + " is defined by both " + g.files[it->second].path + " and " + g.files[i].path +
                                     " (the first is used)");
        }
    g.needs.resize(n);
    std::vector<std::vector<std::size_t>> neededBy(n);
    std::vector<std::size_t> pending(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        std::set<std::size_t> needs;
        for (const auto& ref : g.files[i].references)
            if (const auto it = definer.find(ref); it != definer.end() && it->second != i) needs.insert(it->second);
        g.needs[i].assign(needs.begin(), needs.end());
        pending[i] = needs.size();
        for (const auto k : needs) neededBy[k].push_back(i);
    }
    std::vector<std::size_t> wave;
    for (std::size_t i = 0; i < n; ++i)
        if (pending[i] == 0) wave.push_back(i);
    std::vector<bool> placed(n, false);
    while (!wave.empty()) {
        std::vector<std::size_t> next;
        for (const auto i : wave) {
            placed[i] = true;
            for (const auto k : neededBy[i])
                if (--pending[k] == 0) next.push_back(k);
        }
        std::sort(next.begin(), next.end());
        g.waves.push_back(std::move(wave));
        wave = std::move(next);
    }
    // What is left is on a cycle or behind one: name each cycle once, by walking needs.
    std::vector<bool> reported(n, false);
    for (std::size_t s = 0; s < n; ++s) {
        if (placed[s] || reported[s]) continue;
        std::vector<std::size_t> path;
        std::map<std::size_t, std::size_t> seenAt;
        std::size_t at = s;
        while (!seenAt.count(at)) {
            seenAt[at] = path.size();
            path.push_back(at);
            const auto& needs = g.needs[at];
            const auto it = std::find_if(needs.begin(), needs.end(), [&](std::size_t k) { return !placed[k]; });
            if (it == needs.end()) break; // cannot happen: an unplaced file needs an unplaced one
            at = *it;
        }
        if (!seenAt.count(at) || reported[at]) {
            reported[s] = true;
            continue;
        }
        std::string text = "these files read each other's names, so none can be checked first:";
        for (std::size_t k = seenAt[at]; k < path.size(); ++k) {
            reported[path[k]] = true;
            text += (k == seenAt[at] ? " " : " -> ") + g.files[path[k]].path;
        }
        g.problems.push_back(text + " -> " + g.files[at].path);
    }
    return g;
}

ViewGraph readSqlFolder(const std::string& dir, const std::string& defaultProject, const std::string& defaultDataset) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) throw std::runtime_error(dir + ": not a folder");
    std::vector<fs::path> paths;
    for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied))
        if (e.is_regular_file() && e.path().extension() == ".sql") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    std::vector<SqlFile> files;
    files.reserve(paths.size());
    for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (!in && !in.eof()) throw std::runtime_error(p.string() + ": cannot be read");
        files.push_back(parseSqlFile(fs::relative(p, dir).generic_string(), text.str(), defaultProject, defaultDataset));
    }
    return orderSqlFiles(std::move(files));
}

std::string dryRunText(const SqlChunk& c) {
    if (!c.definition() || c.orReplace || c.ifNotExists || c.afterCreate == 0) return c.text;
    return c.text.substr(0, c.afterCreate) + " OR REPLACE" + c.text.substr(c.afterCreate);
}

std::string mapErrorPosition(const std::string& message, const SqlChunk& c, SqlPosition& at) {
    int line = 0, col = 0;
    if (!parseSqlPosition(message, line, col)) return message;
    if (dryRunText(c).size() != c.text.size()) { // " OR REPLACE" was put in after CREATE
        const auto p = sqlPosition(c.text, c.afterCreate);
        if (line == p.line && col > p.col) col = std::max(p.col, col - 11);
    }
    if (line == 1) col += c.start.col - 1;
    line += c.start.line - 1;
    at = {line, col};
    const auto pos = message.rfind(" at [") + 4; // parseSqlPosition found it: the trailing one
    return message.substr(0, pos) + "[" + std::to_string(line) + ":" + std::to_string(col) + "]" +
           message.substr(message.find(']', pos) + 1);
}

} // namespace quarry
