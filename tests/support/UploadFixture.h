// SPDX-License-Identifier: MIT
#pragma once

#include "SandboxProcess.h"
#include "bigquery/BigQueryClient.h"

#include <map>
#include <string>
#include <vector>

namespace quarry::test {

/// A temporary folder, removed with everything in it at the end.
struct ScratchDir {
    std::string path;
    ScratchDir();
    ~ScratchDir();
};

/// Sums over every column of a persons file, at each nesting level ("rows", "ids", "ages",
/// "kids.ages", "years", ...): what checksum queries over the uploaded table must return.
using Sums = std::map<std::string, long long>;

struct UploadFile {
    std::string path;
    Sums sums;
};

/// `n` deterministic nested persons rows (unique id and fullName; a RECORD, REPEATED RECORDs,
/// a REPEATED INTEGER inside one, empty arrays and NULLs here and there), one per line.
UploadFile writePersons(const std::string& path, int n);
void appendLines(const std::string& path, const std::vector<std::string>& lines);
UploadFile gzipCopy(const UploadFile& f, const std::string& path);
/// The same rows as one pretty-printed JSON array (elements spread over several lines).
UploadFile arrayCopy(const UploadFile& f, const std::string& path);

BigQueryClient::Options clientOptions(const SandboxProcess& s);

/// A started sandbox (with `sandboxArgs`), a client for project p with dataset d, and a
/// scratch folder: what every upload test starts from.
struct UploadEnv {
    SandboxProcess sandbox;
    BigQueryClient client;
    ScratchDir dir;
    explicit UploadEnv(std::vector<std::string> sandboxArgs = {});
};
/// Dataset p:d.
void makeDataset(BigQueryClient& c);
/// Runs a job of `configuration` in project p to its end: its errorResult's message, or ""
/// when it succeeded ("the job did not finish" after 10 s).
std::string jobError(BigQueryClient& c, const nlohmann::json& configuration);
/// p:d.<table> with the persons schema.
void createPersonsTable(BigQueryClient& c, const std::string& table);
long long countRows(BigQueryClient& c, const std::string& table);
/// Whether p:d.<table> exists.
bool tableExists(BigQueryClient& c, const std::string& table);
/// Runs a query whose single row is all INT64 columns; returns them by name (NULL -> 0).
Sums queryRow(BigQueryClient& c, const std::string& sql);
/// Runs the checksum queries over p:d.<table> and compares every sum with `expected`.
void expectTableMatches(BigQueryClient& c, const std::string& table, const Sums& expected);

} // namespace quarry::test
